"""One sign-in to one Exchange server: accounts for mailboxes, and calls with clear errors.

Everything exchangelib raises is turned into the source's exceptions here:
``MailboxUnavailable`` for a mailbox that cannot be opened, ``SourceError``
(with a message for the user, never the password) for everything else;
``ErrorInvalidSyncStateData`` passes through for the caller to expire its
cursor. Calls are reads, so a call that failed on a dropped connection is
simply made again.
"""

from __future__ import annotations

import logging
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import TypeVar

from exchangelib import IMPERSONATION, NTLM, UTC, Account, Configuration
from exchangelib import errors as ews_errors
from exchangelib.protocol import Protocol
from exchangelib.transport import get_service_authtype
from exchangelib.util import ParseError
from exchangelib.version import EXCHANGE_2013_SP1, Version

from outlook_connector.sources.base import MailboxUnavailable, SourceError
from outlook_connector.sources.ews import redaction
from outlook_connector.sources.ews.settings import EwsSettings
from outlook_connector.sources.ews.transport import (
    ReportFailures,
    ScopedCredentials,
    ScopedProtocol,
    ServerFailure,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors that mean "this mailbox cannot be opened", not "the server is broken".
MAILBOX_ERRORS: tuple[type[Exception], ...] = (
    ews_errors.ErrorNonExistentMailbox,
    ews_errors.ErrorImpersonateUserDenied,
    ews_errors.ErrorImpersonationFailed,
    ews_errors.ErrorAccessDenied,
    ews_errors.ErrorMailboxStoreUnavailable,
    ews_errors.ErrorMailboxMoveInProgress,
    ews_errors.ErrorNonPrimarySmtpAddress,
)
# Worth another try after a wait of our own: a dropped or cut connection, an
# NTLM handshake broken off, a failing proxy, a busy mailbox database.
_TRANSIENT: tuple[type[Exception], ...] = (
    ews_errors.ErrorTimeoutExpired,
    ews_errors.ErrorInternalServerTransientError,
    ews_errors.ErrorTooManyObjectsOpened,
    ews_errors.ErrorExceededConnectionCount,
)
# Retries of one call on failures the server gave no wait for.
MAX_RETRIES = 8
# Longest wait of our own between two tries (the server's BackOffMilliseconds may be longer).
BACKOFF_CAP = 30.0


def _unreachable(exc: BaseException) -> bool:
    """Was the connection refused, or the host name unknown (anywhere in the cause chain)?"""
    for seen in _chain(exc):
        if isinstance(seen, ConnectionRefusedError | socket.gaierror):
            return True
        text = str(seen)
        if "Connection refused" in text or "Name or service not known" in text:
            return True
    return False


_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (4\d\d[^'\")]*)")


def _proxy_refusal(exc: BaseException) -> str | None:
    """The proxy's answer when it refused to open the tunnel (403, 407: no retry helps)."""
    for seen in _chain(exc):
        found = _TUNNEL_REFUSED.search(str(seen))
        if found:
            return found.group(1).strip()
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """An exception and those it was raised from or while handling."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _dropped(exc: BaseException) -> bool:
    """Did the server close a TLS connection mid-exchange (anywhere in the cause chain)?

    exchangelib reports every TLS error as a ``TransportError`` not worth
    retrying, which is right for a certificate that fails verification but
    not for a connection cut off halfway through an answer (an EOF).
    """
    for seen in _chain(exc):
        if isinstance(seen, ssl.SSLCertVerificationError):
            return False
        if isinstance(seen, ssl.SSLEOFError | ssl.SSLZeroReturnError):
            return True
        text = str(seen)
        if "EOF occurred in violation of protocol" in text or "UNEXPECTED_EOF" in text:
            return True
    return False


def _cut_short(exc: ews_errors.SOAPError) -> bool:
    """An answer that is not well-formed XML: a response cut off on the way."""
    return isinstance(exc.__context__, ParseError)


class _Again(Exception):
    """One try failed in a way worth another; ``wait`` is what the server asked for, if anything."""

    def __init__(self, cause: Exception, wait: float | None = None, busy: bool = False) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.wait = wait
        self.busy = busy


class RetryBudget:
    """How long one call may keep trying, and how long to wait before the next try.

    The server's wait (``ErrorServerBusy`` BackOffMilliseconds, ``Retry-After``
    on a 503) is taken exactly; without one, capped exponential back-off with
    jitter: about ``first``, 2 × ``first``, 4 × ``first``, ... ``cap`` seconds.
    The call gives up when its waits would pass ``max_wait`` seconds in all, or
    after ``max_retries`` failures the server gave no wait for.
    """

    def __init__(
        self,
        first: float,
        max_wait: float,
        max_retries: int = MAX_RETRIES,
        cap: float = BACKOFF_CAP,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.first, self.max_wait, self.max_retries, self.cap = first, max_wait, max_retries, cap
        self.rand = rand
        self.waited = 0.0
        self.failures = 0  # without a wait from the server

    def next_wait(self, asked: float | None) -> float | None:
        """Seconds to wait before the next try, or None when the budget is spent."""
        if asked is None:
            if self.failures >= self.max_retries:
                return None
            ceiling = min(self.cap, self.first * 2.0**self.failures)
            self.failures += 1
            wait = ceiling * (0.5 + self.rand() / 2)
        else:
            wait = max(0.0, asked)
        if self.waited + wait > self.max_wait:
            return None
        self.waited += wait
        return wait


class EwsConnection:
    """The service account's connection to one EWS endpoint, shared by all mailboxes.

    exchangelib sends each request once (``ReportFailures``, ``SingleRequest``);
    ``call`` waits and tries again in the calling thread, so a throttled
    mailbox never holds up the others and no connection is given up for it.
    """

    def __init__(self, settings: EwsSettings, tls: ssl.SSLContext) -> None:
        """``settings`` already checked by ``checked_tls``, which made ``tls`` from them."""
        self.settings = settings
        redaction.install()
        self.endpoint = settings.service_endpoint
        self._tls = tls
        if not settings.ssl_enabled:
            log.warning(
                "ssl_enabled is false: the certificate of %s is not verified", self.endpoint
            )
        self._lock = threading.Lock()
        self._config: Configuration | None = None
        self._protocol: ScopedProtocol | None = None
        self._auth_checked = False
        self._reached = False  # has the server ever answered?
        self._sleep: Callable[[float], None] = time.sleep

    def _connect(self) -> tuple[Configuration, ScopedProtocol]:
        with self._lock:
            if self._config is None or self._protocol is None:
                self._config = Configuration(
                    service_endpoint=self.endpoint,
                    credentials=ScopedCredentials(
                        self.settings.ntlm_username, self.settings.secret
                    ),
                    auth_type=NTLM,
                    # Exchange 2013 SP1 and every later version accept this
                    # RequestServerVersion, so no version probe is needed.
                    version=Version(build=EXCHANGE_2013_SP1),
                    retry_policy=ReportFailures(),
                    max_connections=max(1, self.settings.max_concurrent_mailboxes),
                )
                # Registered in exchangelib's protocol cache under credentials that
                # equal only themselves: every Account made here finds it there.
                self._protocol = ScopedProtocol(
                    config=self._config,
                    tls=self._tls,
                    verify=self.settings.ssl_enabled,
                    timeout=self.settings.request_timeout,
                )
            return self._config, self._protocol

    def account(self, address: str) -> Account:
        """The mailbox ``address``, opened by impersonation. Cheap: nothing is sent yet."""
        config, protocol = self._connect()
        account = Account(
            address,
            access_type=IMPERSONATION,
            autodiscover=False,
            config=config,
            locale="en_US",
            # Instants are converted from the offsets the server sends; UTC is
            # the zone exchangelib falls back on, never the machine's.
            default_timezone=UTC,
        )
        if account.protocol is not protocol:  # exchangelib's cache was cleared meanwhile
            account.protocol = protocol
        return account

    def call(self, call: Callable[[], T], mailbox: str | None = None) -> T:
        """Run one EWS exchange (a read: safe to repeat), with the source's errors.

        Throttling (``ErrorServerBusy``) is waited out exactly as long as the
        server asked, in this thread only; 5xx answers, dropped, reset or cut
        connections and broken-off NTLM handshakes are tried again after a
        capped, jittered exponential back-off, within ``RetryBudget``.
        """
        budget = RetryBudget(self.settings.retry_wait, self.settings.max_retry_wait)
        while True:
            try:
                result = self._translated(call, mailbox)
                self._reached = True
                return result
            except _Again as again:
                # Nothing listening, or no such host, before anything ever
                # answered: a wrong exchange_server, not an outage to wait out.
                if not self._reached and _unreachable(again.cause):
                    raise SourceError(
                        f"cannot talk to Exchange at {self.endpoint}: {again.cause}"
                    ) from None
                refusal = _proxy_refusal(again.cause)
                if refusal is not None:
                    raise SourceError(
                        f"the proxy refused the connection to Exchange at {self.endpoint}"
                        f" ({refusal}); check HTTPS_PROXY and NO_PROXY"
                    ) from None
                wait = budget.next_wait(again.wait)
                if wait is None:
                    if again.busy:
                        raise SourceError(
                            f"Exchange kept throttling requests for {mailbox or 'the service account'}"
                            f" ({budget.waited:.0f} s waited)"
                        ) from None
                    raise SourceError(
                        f"cannot talk to Exchange at {self.endpoint}: {again.cause}"
                    ) from None
                self._reached = self._reached or again.busy
                log.info(
                    "%s: %s; trying again in %.2f s",
                    mailbox or self.endpoint,
                    "Exchange is busy"
                    if again.busy
                    else f"{type(again.cause).__name__}: {again.cause}",
                    wait,
                )
                self._sleep(wait)

    def _translated(self, call: Callable[[], T], mailbox: str | None) -> T:
        try:
            return call()
        except ews_errors.ErrorServerBusy as exc:
            # BackOffMilliseconds, when the server gave one, is the wait.
            raise _Again(exc, wait=exc.back_off, busy=True) from None
        except ServerFailure as exc:
            raise _Again(exc, wait=exc.retry_after) from None
        except _TRANSIENT as exc:
            raise _Again(exc) from None
        except PermissionError as exc:
            # requests_ntlm: the answer to the NTLM negotiate message carried no
            # challenge (a proxy or a failing server answered it).
            raise _Again(exc) from None
        except ews_errors.UnauthorizedError:
            if self._switch_auth_type():
                return self._translated(call, mailbox)
            raise SourceError(
                f"Exchange at {self.endpoint} refused the sign-in of "
                f"{self.settings.ntlm_username}: check username, password and domain"
            ) from None
        except MAILBOX_ERRORS as exc:
            raise MailboxUnavailable(
                f"mailbox {mailbox or '?'} cannot be opened: {type(exc).__name__}: {exc}"
            ) from None
        except ews_errors.ErrorInvalidSyncStateData:
            raise
        except ews_errors.SOAPError as exc:
            if _cut_short(exc):
                raise _Again(exc) from None
            raise SourceError(f"Exchange answered {type(exc).__name__}: {exc}") from None
        except ews_errors.RateLimitError as exc:
            raise SourceError(f"Exchange kept throttling requests: {exc}") from None
        except ews_errors.TransportError as exc:
            if _dropped(exc):
                raise _Again(exc) from None
            raise SourceError(f"cannot talk to Exchange at {self.endpoint}: {exc}") from None
        except ews_errors.EWSError as exc:
            raise SourceError(f"Exchange answered {type(exc).__name__}: {exc}") from None

    def _switch_auth_type(self) -> bool:
        """After a refused NTLM sign-in: use what the server offers if that is not NTLM."""
        with self._lock:
            if self._auth_checked or self._protocol is None or self._config is None:
                return False
            self._auth_checked = True
            config, protocol = self._config, self._protocol
        try:
            offered = get_service_authtype(protocol)
        except ews_errors.EWSError as exc:
            log.debug("could not ask %s for its authentication types: %s", self.endpoint, exc)
            return False
        if offered in (None, NTLM):
            return False
        log.info("%s does not offer NTLM; signing in with %s", self.endpoint, offered)
        config.auth_type = offered
        protocol.close()  # pooled sessions still carry the NTLM handshake
        return True

    def close(self) -> None:
        """Close the connections and leave nothing of this sign-in in exchangelib's cache."""
        with self._lock:
            config, protocol = self._config, self._protocol
            self._config = self._protocol = None
        if config is None or protocol is None:
            return
        with suppress(KeyError):
            del Protocol[config]
        protocol.close()
