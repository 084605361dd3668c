"""Exchange Server (on-premises) through EWS, with users from Active Directory."""

from outlook_connector.sources.ews.settings import EwsSettings
from outlook_connector.sources.ews.source import EwsSource

__all__ = ["EwsSettings", "EwsSource"]
