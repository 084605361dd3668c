"""The HTTP side of EWS: TLS exactly as configured, and a protocol no other sync shares.

exchangelib picks its HTTP adapter from a class attribute
(``BaseProtocol.HTTP_ADAPTER_CLS``) and keeps one ``Protocol`` per
(endpoint, credentials) in a process-wide cache. Setting the class attribute
would change TLS for every EWS connection in the process, so instead:

* ``ScopedProtocol`` (a ``Protocol`` subclass) mounts this source's own
  adapter on every session it opens; nothing is changed at import time;
* ``ScopedCredentials`` compare and hash by identity, so the protocol cache
  entry of one source can never be handed to another one; the source removes
  the entry when it closes.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

import requests
from exchangelib import Credentials, FaultTolerance
from exchangelib.errors import ErrorInternalServerTransientError, UnauthorizedError
from exchangelib.protocol import Protocol
from exchangelib.util import is_xml
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

log = logging.getLogger(__name__)


class ScopedCredentials(Credentials):
    """NTLM credentials that are equal only to themselves (see the module docstring)."""

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.username!r}, '********')"


class BackOffOnThrottling(FaultTolerance):
    """Wait and retry when Exchange throttles; a refused sign-in is final.

    exchangelib's FaultTolerance reads HTTP 401 as "throttled" and retries it
    for up to ``max_wait`` seconds. A wrong password gets 401 too, and
    retrying it for minutes helps nobody (and can lock the account out).
    """

    def raise_response_errors(self, response: requests.Response) -> None:
        if response.status_code == 401:
            raise UnauthorizedError(f"HTTP 401 from {response.url}")
        if response.status_code in (502, 504) or (
            response.status_code == 500 and not is_xml(response.content or b"")
        ):
            # A proxy or load balancer in front of Exchange failing, not a SOAP
            # fault: as passing as the 503 exchangelib already retries.
            raise ErrorInternalServerTransientError(f"HTTP {response.status_code}")
        super().raise_response_errors(response)


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


class _UnverifiedHTTPSPool(HTTPSConnectionPool):
    """An HTTPS pool that does not warn on every request: the source warned once already."""

    def _validate_conn(self, conn: Any) -> None:
        HTTPConnectionPool._validate_conn(self, conn)
        if conn.is_closed:
            conn.connect()


class TlsAdapter(HTTPAdapter):
    """An adapter whose TLS settings win over ``verify=`` and ``REQUESTS_CA_BUNDLE``.

    requests lets the environment's CA bundle override a session's ``verify``;
    this adapter ignores both and uses only its own context, so ``ssl_ca`` is
    honoured exactly.
    """

    def __init__(self, context: ssl.SSLContext, verify: bool, **kwargs: Any) -> None:
        self._context = context
        self._verify = verify
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)
        if not self._verify:
            classes = dict(self.poolmanager.pool_classes_by_scheme)
            classes["https"] = _UnverifiedHTTPSPool
            self.poolmanager.pool_classes_by_scheme = classes

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["verify"] = self._verify
        return super().send(request, *args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, self._verify, cert)
        # The context already holds the trusted CAs; no bundle path on top.
        conn.ca_certs = None
        conn.ca_cert_dir = None


class ScopedProtocol(Protocol):
    """A Protocol whose sessions use this source's TLS adapter and timeout.

    exchangelib opens every session (the authenticated ones and the one that
    asks the server for its auth type) through ``self.raw_session(...)``, so an
    instance method here reaches all of them.
    """

    def __init__(
        self,
        *args: Any,
        tls: ssl.SSLContext,
        verify: bool,
        timeout: float,
        retry_wait: float,
        **kwargs: Any,
    ) -> None:
        self._tls = tls
        self._verify = verify
        super().__init__(*args, **kwargs)
        # Per instance; the class defaults stay untouched for everyone else.
        self.TIMEOUT = timeout
        self.RETRY_WAIT = retry_wait

    def raw_session(self, prefix: str, *args: Any, **kwargs: Any) -> requests.Session:
        session = super().raw_session(prefix, *args, **kwargs)
        # Replaces the adapter exchangelib mounted for the same URL prefix.
        session.mount(prefix, self._adapter())
        return session

    def _adapter(self) -> TlsAdapter:
        return TlsAdapter(
            self._tls,
            self._verify,
            pool_block=True,
            pool_connections=self.CONNECTIONS_PER_SESSION,
            pool_maxsize=self.CONNECTIONS_PER_SESSION,
            max_retries=0,
        )
