"""The TLS context of an Exchange Server connection: exactly ``ssl_enabled`` and ``ssl_ca``.

Apart from the transport so that a source can check its settings, and make
the context its connection will use, without loading exchangelib.
"""

from __future__ import annotations

import ssl

from outlook_connector.sources.base import SourceError
from outlook_connector.sources.ews.settings import EwsSettings


def tls_context(verify: bool, ca_pem: str | None) -> ssl.SSLContext:
    """Verify against the system store plus ``ca_pem``; or do not verify at all."""
    if not verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context = ssl.create_default_context()
    if ca_pem:
        try:
            context.load_verify_locations(cadata=ca_pem)
        except (ssl.SSLError, ValueError) as exc:
            raise ValueError(f"ssl_ca does not hold a usable PEM certificate: {exc}") from None
    return context


def checked_tls(settings: EwsSettings) -> ssl.SSLContext:
    """The TLS context of ``settings``, once their endpoint is known to be usable too."""
    try:
        _ = settings.service_endpoint
        return tls_context(settings.ssl_enabled, settings.ssl_ca)
    except ValueError as exc:
        raise SourceError(f"Exchange Server settings: {exc}") from None
