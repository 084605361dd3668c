"""Throttling and fault injection in front of the emulator's protocol apps."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from lxml import etree
from tests.emulators import shared_dir

from outlook_emulator.faults import FaultInjector, FaultRates, Limits
from outlook_emulator.http import EmulatorServer, Request, Response


class SlowApp:
    """Answers every Graph or EWS path after a pause, or once a gate opens, so requests overlap."""

    def __init__(self, pause: float = 0.0, gate: threading.Event | None = None) -> None:
        self.pause = pause
        self.gate = gate
        self.arrived = 0
        self._lock = threading.Lock()

    def handles(self, request: Request) -> bool:
        return True

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.arrived += 1
        if self.gate is not None:
            self.gate.wait(30)
        time.sleep(self.pause)
        return Response.json({"value": [], "path": request.path})


@pytest.fixture
def serve() -> Iterator[callable]:
    servers: list[EmulatorServer] = []

    def start(injector: FaultInjector, pause: float = 0.0, app: SlowApp | None = None) -> str:
        server = EmulatorServer([app or SlowApp(pause)], middleware=[injector])
        server.start()
        servers.append(server)
        return server.base_url

    yield start
    for server in servers:
        server.stop()


def test_fifth_concurrent_request_per_mailbox_is_throttled(serve) -> None:
    injector = FaultInjector(limits=Limits(graph_concurrency=4))
    # Requests are held until all have arrived, so they overlap however slowly threads start.
    gate = threading.Event()
    app = SlowApp(gate=gate)
    base = serve(injector, app=app)
    statuses: list[int] = []
    bodies: list[dict] = []

    def call(user: str) -> None:
        r = httpx.get(f"{base}/v1.0/users/{user}/messages", timeout=30)
        statuses.append(r.status_code)
        bodies.append(r.json())

    threads = [threading.Thread(target=call, args=("alice",)) for _ in range(6)]
    threads += [threading.Thread(target=call, args=("bob",)) for _ in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while (app.arrived < 7 or len(statuses) < 2) and time.monotonic() < deadline:
        time.sleep(0.01)  # 4 of alice's and bob's 3 held, alice's other 2 answered
    gate.set()
    for t in threads:
        t.join()
    assert statuses.count(429) == 2  # alice's 5th and 6th; bob is not affected
    refused = [b for b in bodies if "error" in b]
    assert all(b["error"]["code"] == "ApplicationThrottled" for b in refused)
    assert "MailboxConcurrency" in refused[0]["error"]["message"]
    assert injector.stats.max_in_flight["graph:alice"] == 4
    assert injector.stats.max_in_flight["graph:bob"] == 3


def test_request_rate_limit_answers_retry_after_and_counts_batch_parts(serve) -> None:
    injector = FaultInjector(limits=Limits(graph_requests=5, graph_window_seconds=60))
    base = serve(injector)
    for _ in range(5):
        assert httpx.get(f"{base}/v1.0/users/alice/messages").status_code == 200
    refused = httpx.get(f"{base}/v1.0/users/alice/messages")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 61
    batch = {"requests": [{"id": str(i), "method": "GET", "url": "/me"} for i in range(3)]}
    assert httpx.post(f"{base}/v1.0/$batch", json=batch).status_code == 200
    assert injector.stats.requests["graph:-"] == 3


def test_faults_are_reproducible_for_a_seed(serve) -> None:
    rates = FaultRates(throttle=0.2, server_error=0.2, token_expiry=0.1, gone=0.1)

    def sequence() -> list[int]:
        base = serve(FaultInjector(rates=rates, seed=7))
        return [
            httpx.get(f"{base}/v1.0/users/a/messages/delta?$deltatoken=x").status_code
            for _ in range(30)
        ]

    first, second = sequence(), sequence()
    assert first == second
    assert {429, 401, 410} <= set(first) and 200 in first
    assert set(first) & {500, 503, 504}


def test_reset_and_truncate_break_the_connection(serve) -> None:
    base = serve(FaultInjector(rates=FaultRates(reset=1.0)))
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/v1.0/users/a/messages")
    base = serve(FaultInjector(rates=FaultRates(truncate=1.0)))
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/v1.0/users/a/messages")


def test_faults_are_set_and_read_over_http(serve) -> None:
    injector = FaultInjector()
    base = serve(injector)
    r = httpx.put(f"{base}/_emulator/faults", json={"throttle": 1.0})
    assert r.status_code == 200
    assert httpx.get(f"{base}/v1.0/users/a/messages").status_code == 429
    assert httpx.put(f"{base}/_emulator/faults", json={"throtle": 1}).status_code == 400
    assert httpx.put(f"{base}/_emulator/faults", json={"throttle": 2}).status_code == 400
    stats = httpx.get(f"{base}/_emulator/stats").json()
    assert stats["faults"] == {"throttle": 1} and stats["retry_after_total"] >= 1


def test_ews_busy_and_invalid_sync_state(serve) -> None:
    base = serve(FaultInjector(rates=FaultRates(throttle=1.0, retry_after_seconds=2)))
    signed_in = {"Authorization": "Basic c3ZjOnB3"}  # EWS answers only signed-in requests
    unsigned = httpx.post(f"{base}/EWS/Exchange.asmx", content=b"<x/>")
    assert unsigned.status_code == 200  # a handshake leg never meets an EWS error
    r = httpx.post(
        f"{base}/EWS/Exchange.asmx",
        content=b"<x/>",
        headers={"X-AnchorMailbox": "a@b", **signed_in},
    )
    assert r.status_code == 500
    doc = etree.fromstring(r.content)
    ns = {
        "t": "http://schemas.microsoft.com/exchange/services/2006/types",
        "e": "http://schemas.microsoft.com/exchange/services/2006/errors",
    }
    assert doc.findtext(".//e:ResponseCode", namespaces=ns) == "ErrorServerBusy"
    assert doc.findtext(".//t:Value[@Name='BackOffMilliseconds']", namespaces=ns) == "2000"

    base = serve(FaultInjector(rates=FaultRates(gone=1.0)))
    body = b"<m:SyncFolderItems><m:SyncState>abc</m:SyncState></m:SyncFolderItems>"
    r = httpx.post(f"{base}/EWS/Exchange.asmx", content=body, headers=signed_in)
    envelope = etree.fromstring(r.content)
    response = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
    schema_file = shared_dir() / "reference" / "schemas" / "ews" / "messages.xsd"
    if schema_file.exists():
        schema = etree.XMLSchema(etree.parse(str(schema_file)))
        assert schema.validate(response), schema.error_log.last_error
    assert b"ErrorInvalidSyncStateData" in r.content


GET_ITEM = b"""<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
    xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
  <s:Body><m:GetItem>
    <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
    <m:ItemIds><t:ItemId Id="AAA="/><t:ItemId Id="BBB="/></m:ItemIds>
  </m:GetItem></s:Body>
</s:Envelope>"""


def test_ews_operations_and_the_items_getitem_asked_for_are_counted(serve) -> None:
    base = serve(FaultInjector())
    signed_in = {"Authorization": "Basic c3ZjOnB3"}
    httpx.post(f"{base}/EWS/Exchange.asmx", content=GET_ITEM)  # a handshake leg: not counted
    httpx.post(f"{base}/EWS/Exchange.asmx", content=GET_ITEM, headers=signed_in)
    sync = GET_ITEM.replace(b"GetItem", b"SyncFolderItems")
    httpx.post(f"{base}/EWS/Exchange.asmx", content=sync, headers=signed_in)
    httpx.post(f"{base}/EWS/Exchange.asmx", content=b"not xml", headers=signed_in)
    stats = httpx.get(f"{base}/_emulator/stats").json()
    assert stats["operations"] == {"GetItem": 1, "SyncFolderItems": 1}
    assert stats["items_read"] == {"AAA=": 1, "BBB=": 1}  # SyncFolderItems reads no items


def test_ews_requests_are_counted_by_operation_and_folder(serve) -> None:
    base = serve(FaultInjector())
    sync = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        b'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
        b'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body>'
        b'<m:SyncFolderItems><m:SyncFolderId><t:FolderId Id="AAMk1" ChangeKey="x"/>'
        b"</m:SyncFolderId></m:SyncFolderItems></s:Body></s:Envelope>"
    )
    find = sync.replace(b"SyncFolderItems", b"FindFolder").replace(
        b'<t:FolderId Id="AAMk1" ChangeKey="x"/>', b'<t:DistinguishedFolderId Id="msgfolderroot"/>'
    )
    signed_in = {"Authorization": "Basic c3ZjOnB3"}
    for body in (sync, sync, find, b"not xml"):
        httpx.post(f"{base}/EWS/Exchange.asmx", content=body, headers=signed_in)
    operations = httpx.get(f"{base}/_emulator/stats").json()["folder_operations"]
    assert operations == {"SyncFolderItems AAMk1": 2, "FindFolder msgfolderroot": 1}
