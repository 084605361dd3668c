"""The source for a configuration's ``data_source``."""

from __future__ import annotations

from outlook_connector.config import CLOUD, Config
from outlook_connector.sources.base import Source


def create_source(config: Config) -> Source:
    # Imported here: each side pulls in a heavy client library the other does not need.
    if config.data_source == CLOUD:
        from outlook_connector.sources.graph import GraphSettings, GraphSource

        return GraphSource(GraphSettings.from_config(config))
    from outlook_connector.sources.ews import EwsSettings, EwsSource

    return EwsSource(EwsSettings.from_config(config))
