"""Throttling and injected faults, as Exchange Online and Exchange Server produce them.

A middleware in front of the Graph and EWS front ends that:

- enforces Microsoft's documented Outlook limits on Graph, per application
  and mailbox: 4 concurrent requests (the next gets ``429`` with
  ``ApplicationThrottled`` / "MailboxConcurrency"), and 10,000 requests per
  10 minutes (then ``429`` with ``Retry-After``); ``$batch`` sub-requests
  count individually. See "Microsoft Graph service-specific throttling
  limits", Outlook service limits.
- on EWS, answers ``ErrorServerBusy`` with ``BackOffMilliseconds`` when more
  requests than allowed run at once for one account ("EWS throttling in
  Exchange").
- injects faults at configured rates, reproducibly for a seed: throttling,
  5xx, connection resets, slow and truncated responses, expired delta links /
  sync states, expired tokens.
- counts what it saw, so tests can assert that a client stayed in its limits,
  and on EWS which operations were called and which items GetItem was asked
  for (requests IIS sent back for authentication are not counted).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from email.utils import formatdate
from typing import Any

from lxml import etree

from outlook_emulator.ews import auth as ews_auth
from outlook_emulator.ews import soap
from outlook_emulator.http import Request, Response

Next = Callable[[Request], Response]

FAULT_KINDS = ("throttle", "server_error", "reset", "slow", "truncate", "gone", "token_expiry")

_USER_SEGMENT = re.compile(r"^/v1\.0/users/([^/?]+)")


@dataclass
class FaultRates:
    """Fraction of requests (0..1) that get each fault."""

    throttle: float = 0.0
    server_error: float = 0.0
    reset: float = 0.0
    slow: float = 0.0
    truncate: float = 0.0
    gone: float = 0.0
    token_expiry: float = 0.0
    slow_seconds: float = 2.0
    retry_after_seconds: int = 1

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> FaultRates:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(payload) - known)
        if unknown:
            raise ValueError(
                f"unknown fault kinds: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
            )
        rates = cls(**{k: float(v) for k, v in payload.items()})  # type: ignore[arg-type]
        for kind in FAULT_KINDS:
            if not 0.0 <= getattr(rates, kind) <= 1.0:
                raise ValueError(f"{kind}: a fraction between 0 and 1 is expected")
        rates.retry_after_seconds = int(rates.retry_after_seconds)
        return rates


@dataclass
class Limits:
    graph_concurrency: int = 4  # per application and mailbox
    graph_requests: int = 10_000  # per application and mailbox per window
    graph_window_seconds: float = 600.0
    ews_concurrency: int = 0  # per account; 0 = unlimited


@dataclass
class Stats:
    requests: Counter[str] = field(default_factory=Counter)  # by mailbox
    paths: Counter[str] = field(default_factory=Counter)  # by request path (no query)
    max_in_flight: Counter[str] = field(default_factory=Counter)  # by mailbox
    throttled: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    retry_after_total: float = 0.0  # seconds clients were asked to wait
    # EWS has one path, so its requests are counted by what they ask: by operation,
    # by operation and each folder named ("SyncFolderItems <folder id>",
    # "FindFolder msgfolderroot"), and the item ids GetItem was asked for.
    operations: Counter[str] = field(default_factory=Counter)
    folder_operations: Counter[str] = field(default_factory=Counter)
    items_read: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "paths": dict(self.paths),
            "max_in_flight": dict(self.max_in_flight),
            "throttled": self.throttled,
            "faults": dict(self.faults),
            "retry_after_total": self.retry_after_total,
            "operations": dict(self.operations),
            "folder_operations": dict(self.folder_operations),
            "items_read": dict(self.items_read),
        }


class FaultInjector:
    """The middleware. Thread-safe; all randomness comes from one seeded generator."""

    def __init__(
        self, rates: FaultRates | None = None, limits: Limits | None = None, seed: int | None = None
    ) -> None:
        self.rates = rates or FaultRates()
        self.limits = limits or Limits()
        self.stats = Stats()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self._recent: dict[str, deque[float]] = {}

    def __call__(self, request: Request, call_next: Next) -> Response:
        if request.path.startswith("/_emulator/"):
            return self._control(request) or call_next(request)
        protocol = _protocol(request)
        if protocol is None:
            return call_next(request)
        key = _mailbox_key(request, protocol)
        cost = _batch_size(request) if protocol == "graph" else 1
        counted = protocol == "ews" and _ews_signed_in(request)
        if counted:
            self._count_operation(request)
        refusal = self._admit(protocol, key, cost, request.path)
        if refusal is not None:
            return refusal
        try:
            response = self._maybe_fault(request, protocol, call_next)
            if protocol == "ews" and not counted and _ntlm_completed(request, response):
                # The handshake's last leg carries the request, and Exchange runs it.
                self._count_operation(request)
            return response
        finally:
            with self._lock:
                self._in_flight[key] -= 1

    def _count_operation(self, request: Request) -> None:
        operation, folders, item_ids = _ews_request(request.body)
        if operation is None:
            return
        with self._lock:
            self.stats.operations[operation] += 1
            self.stats.folder_operations.update([f"{operation} {f}" for f in folders] or [operation])
            self.stats.items_read.update(item_ids)

    # -- limits ------------------------------------------------------------------

    def _admit(self, protocol: str, key: str, cost: int, path: str) -> Response | None:
        now = time.monotonic()
        with self._lock:
            self.stats.requests[key] += cost
            self.stats.paths[path] += 1
            limit = (
                self.limits.graph_concurrency
                if protocol == "graph"
                else self.limits.ews_concurrency
            )
            if limit and self._in_flight[key] >= limit:
                self.stats.throttled += 1
                return self._concurrency_refusal(protocol)
            if protocol == "graph":
                window = self._recent.setdefault(key, deque())
                while window and now - window[0] > self.limits.graph_window_seconds:
                    window.popleft()
                if len(window) + cost > self.limits.graph_requests:
                    self.stats.throttled += 1
                    wait = max(1, int(self.limits.graph_window_seconds - (now - window[0])) + 1)
                    self.stats.retry_after_total += wait
                    return _graph_429(wait, "Application is over its MailboxRequestRate limit.")
                window.extend([now] * cost)
            self._in_flight[key] += 1
            self.stats.max_in_flight[key] = max(self.stats.max_in_flight[key], self._in_flight[key])
            return None

    def _concurrency_refusal(self, protocol: str) -> Response:
        wait = self.rates.retry_after_seconds
        self.stats.retry_after_total += wait
        if protocol == "graph":
            return _graph_429(wait, "Application is over its MailboxConcurrency limit.")
        return _ews_server_busy(wait * 1000)

    # -- injected faults ---------------------------------------------------------

    def _draw(self) -> str | None:
        with self._lock:
            roll = self._random.random()
        threshold = 0.0
        for kind in FAULT_KINDS:
            threshold += getattr(self.rates, kind)
            if roll < threshold:
                return kind
        return None

    def _maybe_fault(self, request: Request, protocol: str, call_next: Next) -> Response:
        kind = self._draw()
        if kind == "gone" and not _is_incremental(request, protocol):
            kind = None
        if kind == "token_expiry" and protocol == "ews":
            kind = None  # NTLM authenticates the connection; there is no token to expire
        if kind in ("throttle", "gone") and protocol == "ews" and not _ews_signed_in(request):
            kind = None  # IIS authenticates before Exchange sees a request: no EWS answers before
        if kind is None:
            return call_next(request)
        with self._lock:
            self.stats.faults[kind] += 1
        if kind == "slow":
            time.sleep(self.rates.slow_seconds)
            return call_next(request)
        if kind == "truncate":
            response = call_next(request)
            response.truncate_at = len(response.body) // 2
            return response
        if kind == "reset":
            return Response(reset=True)
        return self._fault_response(kind, protocol)

    def _fault_response(self, kind: str, protocol: str) -> Response:
        if kind == "throttle":
            wait = self.rates.retry_after_seconds
            with self._lock:
                self.stats.retry_after_total += wait
                as_date = self._random.random() < 0.5
            if protocol == "ews":
                return _ews_server_busy(wait * 1000)
            # Retry-After comes as seconds or as an HTTP date; both occur.
            retry_after = formatdate(time.time() + wait, usegmt=True) if as_date else str(wait)
            return _graph_429(
                wait, "Application is over its MailboxConcurrency limit.", retry_after
            )
        if kind == "server_error":
            with self._lock:
                status = self._random.choice((500, 503, 504))
            if protocol == "ews":
                return _iis_error(status)
            return Response.json(
                {
                    "error": {
                        "code": "ServiceUnavailable" if status != 500 else "InternalServerError",
                        "message": "The service is temporarily unavailable.",
                    }
                },
                status=status,
                headers={"Retry-After": "1"} if status == 503 else None,
            )
        if kind == "gone":
            if protocol == "ews":
                return _ews_error(
                    "ErrorInvalidSyncStateData",
                    "Synchronization state data is corrupt or otherwise invalid.",
                )
            return Response.json(
                {
                    "error": {
                        "code": "syncStateNotFound",
                        "message": "The sync state generation is not found.",
                    }
                },
                status=410,
            )
        # token_expiry
        if protocol == "ews":
            return Response(
                status=401, headers={"WWW-Authenticate": 'Bearer, NTLM, Basic realm=""'}
            )
        return Response.json(
            {
                "error": {
                    "code": "InvalidAuthenticationToken",
                    "message": "Lifetime validation failed, the token is expired.",
                }
            },
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm=""'},
        )

    # -- control API ---------------------------------------------------------------

    def _control(self, request: Request) -> Response | None:
        if request.path == "/_emulator/faults" and request.method == "PUT":
            try:
                rates = FaultRates.from_json(request.json() or {})
            except (ValueError, TypeError) as exc:
                return Response.json({"error": str(exc)}, status=400)
            with self._lock:
                self.rates = rates
            return Response.json({"faults": rates.__dict__})
        if request.path == "/_emulator/faults" and request.method == "GET":
            return Response.json({"faults": self.rates.__dict__})
        if request.path == "/_emulator/stats" and request.method == "GET":
            with self._lock:
                return Response.json(self.stats.as_json())
        if request.path == "/_emulator/stats" and request.method == "DELETE":
            with self._lock:
                self.stats = Stats()
            return Response(status=204)
        return None


def _protocol(request: Request) -> str | None:
    if request.path.startswith("/v1.0/"):
        return "graph"
    if request.path.lower().startswith("/ews/"):
        return "ews"
    return None


def _mailbox_key(request: Request, protocol: str) -> str:
    if protocol == "graph":
        match = _USER_SEGMENT.match(request.path)
        return f"graph:{match.group(1).lower()}" if match else "graph:-"
    anchor = request.header("x-anchormailbox")
    if anchor:
        return f"ews:{anchor.lower()}"
    return "ews:-"


def _batch_size(request: Request) -> int:
    """``$batch`` sub-requests count individually against the limits."""
    if request.path != "/v1.0/$batch" or request.method != "POST":
        return 1
    try:
        return max(1, len(json.loads(request.body or b"{}").get("requests", [])))
    except (ValueError, AttributeError):
        return 1


def _ews_signed_in(request: Request) -> bool:
    """Whether Exchange itself would see this request: Basic credentials, or a connection
    NTLM has already authenticated (not a leg of the handshake)."""
    header = (request.header("authorization") or "").strip().lower()
    if header.startswith("basic "):
        return True
    return not header and ews_auth.connection_user(request.connection) is not None


def _ntlm_completed(request: Request, response: Response) -> bool:
    """Whether this request was the NTLM handshake's last leg and it signed the connection in."""
    header = (request.header("authorization") or "").strip().lower()
    return (
        header.startswith("ntlm ")
        and response.status != 401
        and ews_auth.connection_user(request.connection) is not None
    )


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser: lxml parsers are not shared between threads, nor made per request."""
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=True
        )
    return parser


def _ews_request(body: bytes) -> tuple[str | None, list[str], list[str]]:
    """A SOAP request's operation, the folders it names, and the items if it is GetItem."""
    if not body:
        return None, [], []
    parser = _parser()
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None, [], []
    operation = root.find(f"{soap.S}Body/*")
    if operation is None or not isinstance(operation.tag, str):
        return None, [], []
    name = etree.QName(operation).localname
    folders = [
        str(folder.get("Id"))
        for folder in operation.iter(f"{soap.T}FolderId", f"{soap.T}DistinguishedFolderId")
        if folder.get("Id")
    ]
    items: list[str] = []
    if name == "GetItem":
        items = [el.get("Id", "") for el in operation.iterfind(f"{soap.M}ItemIds/{soap.T}ItemId")]
    return name, folders, items


def _is_incremental(request: Request, protocol: str) -> bool:
    if protocol == "graph":
        return "deltatoken" in request.target.lower() or "skiptoken" in request.target.lower()
    return b"SyncFolderItems" in request.body and b"SyncState>" in request.body


def _iis_error(status: int) -> Response:
    """What IIS in front of Exchange answers when the server fails: its HTML error page."""
    reason = {500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}
    body = (
        f"<!DOCTYPE html><html><head><title>{status} - {reason[status]}</title></head>"
        f"<body><h1>Server Error</h1><h2>{status} - {reason[status]}</h2></body></html>"
    ).encode()
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if status == 503:
        headers["Retry-After"] = "1"
    return Response(status=status, body=body, headers=headers)


def _graph_429(wait: int, message: str, retry_after: str | None = None) -> Response:
    return Response.json(
        {"error": {"code": "ApplicationThrottled", "message": message}},
        status=429,
        headers={"Retry-After": retry_after or str(wait)},
    )


def _ews_envelope(build_body: Callable[[etree._Element], None]) -> bytes:
    envelope = etree.Element(soap.S + "Envelope", nsmap=soap.NSMAP)
    header = etree.SubElement(envelope, soap.S + "Header")
    etree.SubElement(header, soap.T + "ServerVersionInfo", soap.SERVER_VERSION)
    build_body(etree.SubElement(envelope, soap.S + "Body"))
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _ews_server_busy(back_off_ms: int) -> Response:
    """ErrorServerBusy as a SOAP fault carrying BackOffMilliseconds ("EWS throttling in Exchange")."""
    message = "The server cannot service this request right now. Try again later."

    def body(parent: etree._Element) -> None:
        fault = etree.SubElement(parent, soap.S + "Fault")
        faultcode = etree.SubElement(fault, "faultcode", nsmap={"a": soap.T_NS})
        faultcode.text = "a:ErrorServerBusy"
        etree.SubElement(fault, "faultstring").text = message
        detail = etree.SubElement(fault, "detail")
        e = {"e": soap.E_NS}
        etree.SubElement(detail, f"{{{soap.E_NS}}}ResponseCode", nsmap=e).text = "ErrorServerBusy"
        etree.SubElement(detail, f"{{{soap.E_NS}}}Message", nsmap=e).text = message
        xml = etree.SubElement(detail, soap.T + "MessageXml")
        value = etree.SubElement(xml, soap.T + "Value", {"Name": "BackOffMilliseconds"})
        value.text = str(back_off_ms)

    return Response.xml(_ews_envelope(body), status=500)


def _ews_error(code: str, message: str) -> Response:
    """A SyncFolderItems error response message (the sync state is refused, not the request)."""

    def body(parent: etree._Element) -> None:
        response = etree.SubElement(parent, soap.M + "SyncFolderItemsResponse")
        messages = etree.SubElement(response, soap.M + "ResponseMessages")
        item = etree.SubElement(
            messages, soap.M + "SyncFolderItemsResponseMessage", {"ResponseClass": "Error"}
        )
        etree.SubElement(item, soap.M + "MessageText").text = message
        etree.SubElement(item, soap.M + "ResponseCode").text = code
        etree.SubElement(item, soap.M + "DescriptiveLinkKey").text = "0"

    return Response.xml(_ews_envelope(body), status=200)
