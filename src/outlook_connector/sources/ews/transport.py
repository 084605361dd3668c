"""The HTTP side of EWS: TLS exactly as configured, and a protocol no other sync shares.

exchangelib picks its HTTP adapter from a class attribute
(``BaseProtocol.HTTP_ADAPTER_CLS``) and keeps one ``Protocol`` per
(endpoint, credentials) in a process-wide cache. Setting the class attribute
would change TLS for every EWS connection in the process, so instead:

* ``ScopedProtocol`` (a ``Protocol`` subclass) mounts this source's own
  adapter on every session it opens; nothing is changed at import time;
* ``ScopedCredentials`` compare and hash by identity, so the protocol cache
  entry of one source can never be handed to another one; the source removes
  the entry when it closes;
* ``ReportFailures`` (the retry policy) makes exchangelib report failures
  instead of waiting on a back-off shared by every thread; the protocol
  never shrinks its pool on throttling, and its NTLM (``NtlmAuth``) starts
  a handshake over when the connection drops half-way through it.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

import requests
from exchangelib import Credentials
from exchangelib.errors import ErrorInternalServerTransientError, UnauthorizedError
from exchangelib.protocol import FailFast, Protocol
from exchangelib.util import is_xml
from requests.adapters import HTTPAdapter
from requests_ntlm import HttpNtlmAuth
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from outlook_connector.sources.proxies import environment_proxies
from outlook_connector.sources.retry import retry_after_seconds

log = logging.getLogger(__name__)


class ScopedCredentials(Credentials):
    """NTLM credentials that are equal only to themselves (see the module docstring)."""

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.username!r}, '********')"


class ServerFailure(ErrorInternalServerTransientError):
    """An HTTP 5xx that is not a SOAP answer: a failing Exchange, proxy or load balancer."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class ReportFailures(FailFast):
    """exchangelib reports every failure at once; the source decides whether to try again.

    exchangelib's ``FaultTolerance`` keeps one back-off deadline for the whole
    protocol, which every thread (every mailbox) then sleeps out, and it grows
    its own waits far beyond what the server asked for. With this policy
    nothing is waited for or shared inside exchangelib: ``EwsConnection.call``
    waits in the calling thread only, exactly as long as the server asked.

    A 401 is a refused sign-in, never "throttled" (retrying a wrong password
    for minutes helps nobody and can lock the account out), and an HTTP 5xx
    that is not a SOAP fault is a ``ServerFailure`` worth another try.
    """

    def raise_response_errors(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 401:
            raise UnauthorizedError(f"HTTP 401 from {response.url}")
        if status in (502, 503, 504) or (status == 500 and not is_xml(response.content or b"")):
            raise ServerFailure(status, retry_after_seconds(response.headers.get("Retry-After")))
        super().raise_response_errors(response)


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
        # The context already holds the trusted CAs: no bundle path to look up
        # on disk (requests would check it exists on every request).
        conn.cert_reqs = "CERT_REQUIRED" if self._verify else "CERT_NONE"
        conn.ca_certs = None
        conn.ca_cert_dir = None

    def build_response(self, req: Any, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        # Which connection answered: NTLM needs to know (see ``NtlmAuth``).
        setattr(response, _SOCKET, getattr(getattr(resp, "connection", None), "sock", None))
        return response


# The socket a response came on, kept on the response by ``TlsAdapter``.
_SOCKET = "_ews_socket"
# How often one request starts its NTLM handshake over after a dropped connection.
HANDSHAKE_RESTARTS = 3


def _answered_elsewhere(response: requests.Response) -> bool:
    """Was this 401 the answer to an NTLM authenticate message sent on another connection
    than the one the server's challenge came on?"""
    if response.status_code != 401 or len(response.history) < 2:
        return False
    challenge_on = getattr(response.history[-1], _SOCKET, None)
    answered_on = getattr(response, _SOCKET, None)
    return challenge_on is not None and answered_on is not challenge_on


class NtlmAuth(HttpNtlmAuth):
    """NTLM whose handshake starts over when the connection drops half-way through it.

    NTLM authenticates a connection: the server's challenge and the client's
    answer must travel on the same one. When the connection is closed after
    the challenge (reset, or a response cut short), requests sends the answer
    on a new connection, where the server never issued that challenge and
    answers 401. That is not a refused password, so the handshake is made
    again on the new connection (at most ``HANDSHAKE_RESTARTS`` times). A 401
    to an answer sent on the challenge's own connection is a refusal and is
    returned at once.
    """

    def retry_using_http_NTLM_auth(
        self,
        auth_header_field: str,
        auth_header: str,
        response: requests.Response,
        auth_type: str,
        args: Any,
    ) -> requests.Response:
        final = super().retry_using_http_NTLM_auth(
            auth_header_field, auth_header, response, auth_type, args
        )
        for _ in range(HANDSHAKE_RESTARTS):
            if not _answered_elsewhere(final):
                break
            log.debug("the connection closed during the NTLM handshake; starting it again")
            request = final.request.copy()
            request.headers.pop(auth_header, None)
            _ = final.content  # read it, so the connection can be used again
            final.raw.release_conn()
            first = final.connection.send(request, **args)
            if first.status_code != 401:
                return first
            final = super().retry_using_http_NTLM_auth(
                auth_header_field, auth_header, first, auth_type, args
            )
        return final


class ScopedProtocol(Protocol):
    """A Protocol whose sessions use this source's TLS adapter, timeout and NTLM.

    exchangelib opens every session (the authenticated ones and the one that
    asks the server for its auth type) through ``self.raw_session(...)``, so an
    instance method here reaches all of them.
    """

    def __init__(
        self, *args: Any, tls: ssl.SSLContext, verify: bool, timeout: float, **kwargs: Any
    ) -> None:
        self._tls = tls
        self._verify = verify
        super().__init__(*args, **kwargs)
        # Per instance; the class defaults stay untouched for everyone else.
        self.TIMEOUT = timeout

    def raw_session(self, prefix: str, *args: Any, **kwargs: Any) -> requests.Session:
        session = super().raw_session(prefix, *args, **kwargs)
        # Replaces the adapter exchangelib mounted for the same URL prefix.
        session.mount(prefix, self._adapter())
        # The proxy variables (HTTPS_PROXY, NO_PROXY, ...) are read once, here:
        # with trust_env on, requests reads the whole environment again on every
        # request, a tenth of the CPU an EWS call costs. The CA bundle variables
        # do not matter (``TlsAdapter``), nor does .netrc (the session signs in).
        session.proxies.update(environment_proxies(prefix))
        session.trust_env = False
        return session

    def create_session(self) -> Any:
        session = super().create_session()
        if type(session.auth) is HttpNtlmAuth:
            session.auth = NtlmAuth(session.auth.username, session.auth.password)
        return session

    def decrease_poolsize(self) -> None:
        """Never: one throttled mailbox waits by itself; the others keep their connections."""

    def _adapter(self) -> TlsAdapter:
        return TlsAdapter(
            self._tls,
            self._verify,
            pool_block=True,
            pool_connections=self.CONNECTIONS_PER_SESSION,
            pool_maxsize=self.CONNECTIONS_PER_SESSION,
            max_retries=0,
        )
