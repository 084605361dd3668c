"""Exchange Online through Microsoft Graph."""

from .settings import GraphSettings
from .source import GraphSource

__all__ = ["GraphSettings", "GraphSource"]
