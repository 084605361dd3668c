"""HTTP to Microsoft Graph: authentication, paging, throttling and retries.

One ``httpx.Client`` (thread-safe, keep-alive) serves every thread of a
sync. Outlook allows 4 concurrent requests per application and mailbox, so
requests for one mailbox pass a per-mailbox semaphore; a throttled request
waits outside it, so other requests of the mailbox are not held up by the
sleep.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from ..base import SourceError
from ..proxies import environment_proxy
from ..retry import retry_after_seconds
from .auth import TokenProvider
from .errors import GraphError
from .settings import GraphSettings
from .tls import ssl_context

log = logging.getLogger(__name__)

T = TypeVar("T")

# Throttled, unavailable, gateway timeout; 500/502 are transient in practice too.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_CAP = 60.0
CONNECT_RETRIES = 3

PREFER_IMMUTABLE_IDS = 'IdType="ImmutableId"'
PREFER_TEXT_BODY = 'outlook.body-content-type="text"'


# How many times one request renews a refused token before the refusal stands.
TOKEN_RENEWALS = 3


def backoff_seconds(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Capped exponential back-off with jitter: about 1, 2, 4, ... 60 seconds."""
    ceiling = min(BACKOFF_CAP, 2.0**attempt)
    return ceiling * (0.5 + rand() / 2)


def _error_from(response: httpx.Response, what: str) -> GraphError:
    code, message = "", ""
    try:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            code = str(error.get("code") or "")
            message = str(error.get("message") or "")
    except ValueError:
        message = response.text[:200].strip()
    return GraphError(response.status_code, code, message, what)


class GraphClient:
    def __init__(
        self,
        settings: GraphSettings,
        tokens: TokenProvider,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._settings = settings
        self._tokens = tokens
        self._sleep = sleep
        self._rand = rand
        self._http = httpx.Client(
            verify=ssl_context(settings.ssl_ca),
            timeout=settings.request_timeout,
            transport=transport,
            headers={"Accept": "application/json"},
            trust_env=False,
            proxy=environment_proxy(settings.graph_url),
        )
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # -- URLs ---------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """An absolute Graph URL; a URL from elsewhere is refused so the token stays here."""
        if "://" not in path_or_url:
            return f"{self._settings.graph_url}/{path_or_url.lstrip('/')}"
        root = urlsplit(self._settings.graph_url)
        given = urlsplit(path_or_url)
        if (given.scheme, given.netloc.lower()) != (root.scheme, root.netloc.lower()):
            raise SourceError(
                f"refusing to send the Graph token to {given.scheme}://{given.netloc}"
            )
        return path_or_url

    # -- requests -----------------------------------------------------------

    def get_json(
        self,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        prefer: Sequence[str] = (),
        mailbox: str | None = None,
    ) -> dict[str, Any]:
        response = self._request(path_or_url, params, prefer, mailbox, _read_all)
        try:
            body = response.json()
        except ValueError:
            raise SourceError(f"{_what(path_or_url)}: the reply is not JSON") from None
        if not isinstance(body, dict):
            raise SourceError(f"{_what(path_or_url)}: the reply is not a JSON object")
        return body

    def pages(
        self,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        prefer: Sequence[str] = (),
        mailbox: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Each reply of a collection, following ``@odata.nextLink`` to the end."""
        url: str | None = path_or_url
        while url:
            body = self.get_json(url, params=params, prefer=prefer, mailbox=mailbox)
            yield body
            url = body.get("@odata.nextLink")
            params = None  # the next link carries the query

    def items(self, path_or_url: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        for body in self.pages(path_or_url, **kwargs):
            for item in body.get("value") or []:
                if isinstance(item, dict):
                    yield item

    def download(self, path_or_url: str, *, mailbox: str | None, limit: int) -> bytes:
        """The raw bytes of a resource (``.../$value``), refusing more than ``limit``."""

        def consume(response: httpx.Response) -> bytes:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise SourceError(f"{_what(path_or_url)}: {declared} bytes is over {limit}")
            chunks, total = [], 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > limit:
                    raise SourceError(f"{_what(path_or_url)}: more than {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks)

        return self._request(path_or_url, None, (), mailbox, consume)

    # -- the retry loop -----------------------------------------------------

    def _request(
        self,
        path_or_url: str,
        params: Mapping[str, str] | None,
        prefer: Sequence[str],
        mailbox: str | None,
        consume: Callable[[httpx.Response], T],
    ) -> T:
        url = self.url(path_or_url)
        what = _what(url)
        renewals = 0
        attempt = 0
        while True:
            token = self._tokens.token()
            try:
                with self._slot(mailbox):
                    outcome = self._send_once(url, params, prefer, token, what, consume)
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.ProxyError):  # the proxy answered: no retry helps
                    raise SourceError(
                        f"{what}: the proxy refused the connection ({exc}); "
                        "check HTTPS_PROXY and NO_PROXY"
                    ) from None
                if _is_untrusted_certificate(exc):
                    raise SourceError(
                        f"{what}: the server's certificate is not trusted "
                        "(ssl_ca must name the authority that signed it)"
                    ) from None
                outcome = _Retry(
                    None, type(exc).__name__, connect=isinstance(exc, httpx.ConnectError)
                )
            if not isinstance(outcome, _Retry):
                return outcome
            if outcome.status == 401 and renewals < TOKEN_RENEWALS:
                # An expired token: renew it and try again. A token refused right
                # after renewal is retried a few times (a token can reach a server
                # before that server accepts it); a revoked grant fails at sign-in.
                renewals += 1
                self._tokens.token(force_refresh=True)
                continue
            if outcome.error is not None and outcome.status not in RETRY_STATUSES:
                raise outcome.error
            # A server that refuses connections is more likely down or
            # misconfigured than busy: give up sooner than on throttling.
            budget = self._settings.max_retries
            if outcome.connect:
                budget = min(budget, CONNECT_RETRIES)
            if attempt >= budget:
                raise outcome.error or SourceError(f"{what}: {outcome.reason}, retries exhausted")
            wait = outcome.retry_after
            if wait is None:
                wait = backoff_seconds(attempt, self._rand)
            wait = min(wait, self._settings.max_retry_wait)
            log.warning("%s: %s, retrying in %.1f s", what, outcome.reason, wait)
            self._sleep(wait)
            attempt += 1

    def _send_once(
        self,
        url: str,
        params: Mapping[str, str] | None,
        prefer: Sequence[str],
        token: str,
        what: str,
        consume: Callable[[httpx.Response], T],
    ) -> T | _Retry:
        headers = {"Authorization": f"Bearer {token}"}
        preferences = [PREFER_IMMUTABLE_IDS, *prefer]
        headers["Prefer"] = ", ".join(preferences)
        request = self._http.build_request("GET", url, params=params, headers=headers)
        response = self._http.send(request, stream=True)
        try:
            if response.is_success:
                return consume(response)
            response.read()
            error = _error_from(response, what)
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            return _Retry(error, f"HTTP {response.status_code} {error.code}".strip(), retry_after)
        finally:
            response.close()

    def _slot(self, mailbox: str | None) -> AbstractContextManager[Any]:
        if mailbox is None:
            return nullcontext()
        with self._slots_lock:
            slot = self._slots.get(mailbox)
            if slot is None:
                slot = threading.BoundedSemaphore(self._settings.requests_per_mailbox)
                self._slots[mailbox] = slot
        return slot


class _Retry:
    """A failed attempt: the error if the server answered, and how long it asked us to wait."""

    def __init__(
        self,
        error: GraphError | None,
        reason: str,
        retry_after: float | None = None,
        *,
        connect: bool = False,
    ) -> None:
        self.error = error
        self.reason = reason
        self.retry_after = retry_after
        self.connect = connect

    @property
    def status(self) -> int | None:
        return self.error.status if self.error else None


def _is_untrusted_certificate(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _read_all(response: httpx.Response) -> httpx.Response:
    response.read()
    return response


def _what(url: str) -> str:
    """A short name of the request for messages: the path without the query."""
    return "GET " + urlsplit(url).path
