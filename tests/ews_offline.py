"""An EWS source pointed nowhere: its accounts and requests can be built, never sent."""

from __future__ import annotations

from typing import Any

from outlook_connector.sources.ews import EwsSettings, EwsSource


def offline_source(**settings: Any) -> EwsSource:
    values: dict[str, Any] = {
        "exchange_server": "127.0.0.1:9",  # nothing listens there
        "username": "svc",
        "password": "x",
        "domain": "contoso.example",
        "ssl_enabled": True,
    }
    values.update(settings)
    return EwsSource(EwsSettings(**values))
