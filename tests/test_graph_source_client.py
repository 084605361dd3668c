"""The Graph HTTP client: retries, throttling, token renewal, paging, concurrency, limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from outlook_connector.sources.base import SourceError
from outlook_connector.sources.graph.auth import certificate_credential, sign_in_error
from outlook_connector.sources.graph.client import (
    TOKEN_RENEWALS,
    GraphClient,
    backoff_seconds,
    retry_after_seconds,
)
from outlook_connector.sources.graph.errors import GraphError
from outlook_connector.sources.graph.settings import GraphSettings
from outlook_connector.sources.graph.tls import CaBundleFile, ssl_context
from tests.certificates import make_ca_pem

GRAPH = "https://graph.test/v1.0"


class FakeTokens:
    def __init__(self) -> None:
        self.issued = 0
        self.forced = 0

    def token(self, *, force_refresh: bool = False) -> str:
        if force_refresh:
            self.forced += 1
            self.issued += 1
        return f"token-{self.issued}"


@dataclass
class Harness:
    client: GraphClient
    tokens: FakeTokens
    sleeps: list[float]
    requests: list[httpx.Request]


def harness(handler: Callable[[httpx.Request], httpx.Response], **settings: object) -> Harness:
    requests: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return handler(request)

    sleeps: list[float] = []
    tokens = FakeTokens()
    client = GraphClient(
        GraphSettings(tenant_id="t", client_id="c", graph_url=GRAPH, **settings),  # type: ignore
        tokens,  # type: ignore[arg-type]
        transport=httpx.MockTransport(recording),
        sleep=sleeps.append,
        rand=lambda: 1.0,
    )
    return Harness(client, tokens, sleeps, requests)


def replies(*responses: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(responses)
    return lambda request: queue.pop(0)


def error(status: int, code: str, message: str = "", **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "message": message}}, headers=headers
    )


def test_throttling_waits_as_long_as_retry_after_says() -> None:
    h = harness(
        replies(
            error(429, "TooManyRequests", **{"Retry-After": "7"}),
            httpx.Response(200, json={"ok": 1}),
        )
    )
    assert h.client.get_json("users") == {"ok": 1}
    assert h.sleeps == [7.0]


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert retry_after_seconds("garbage") is None
    assert retry_after_seconds("-5") == 0


def test_unavailable_backs_off_exponentially_then_gives_up_with_graphs_error() -> None:
    h = harness(lambda r: error(503, "ServiceUnavailable", "busy"), max_retries=3)
    with pytest.raises(GraphError) as caught:
        h.client.get_json("users")
    assert caught.value.status == 503 and caught.value.code == "ServiceUnavailable"
    assert "busy" in str(caught.value)
    assert h.sleeps == [1.0, 2.0, 4.0]  # rand() = 1: the top of each jitter range
    assert len(h.requests) == 4


def test_backoff_is_capped_and_jittered() -> None:
    assert backoff_seconds(20, lambda: 1.0) == 60.0
    assert backoff_seconds(3, lambda: 0.0) == 4.0


def test_a_dropped_connection_is_retried() -> None:
    calls = iter([httpx.ConnectError("reset"), httpx.Response(200, json={"v": 1})])

    def handler(request: httpx.Request) -> httpx.Response:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    h = harness(handler)
    assert h.client.get_json("users") == {"v": 1}
    assert len(h.sleeps) == 1


def test_401_forces_one_token_refresh_and_retries() -> None:
    h = harness(replies(error(401, "InvalidAuthenticationToken"), httpx.Response(200, json={})))
    h.client.get_json("users")
    assert h.tokens.forced == 1
    assert [r.headers["Authorization"] for r in h.requests] == ["Bearer token-0", "Bearer token-1"]


def test_a_token_still_refused_after_renewals_is_an_error() -> None:
    h = harness(lambda r: error(401, "InvalidAuthenticationToken", "expired"))
    with pytest.raises(GraphError) as caught:
        h.client.get_json("users")
    assert caught.value.status == 401
    assert h.tokens.forced == TOKEN_RENEWALS
    assert len(h.requests) == TOKEN_RENEWALS + 1


def test_two_refusals_in_a_row_are_renewed_through() -> None:
    answers = iter([error(401, "InvalidAuthenticationToken", "expired")] * 2)
    h = harness(lambda r: next(answers, httpx.Response(200, json={"value": []})))
    assert h.client.get_json("users") == {"value": []}
    assert h.tokens.forced == 2


def test_other_errors_are_not_retried() -> None:
    h = harness(lambda r: error(403, "ErrorAccessDenied", "Access is denied."))
    with pytest.raises(GraphError) as caught:
        h.client.get_json("users/x/messages")
    assert caught.value.is_access_denied
    assert len(h.requests) == 1


def test_every_request_prefers_immutable_ids() -> None:
    h = harness(lambda r: httpx.Response(200, json={}))
    h.client.get_json("users", prefer=['outlook.body-content-type="text"'])
    prefer = h.requests[0].headers["Prefer"]
    assert 'IdType="ImmutableId"' in prefer and 'outlook.body-content-type="text"' in prefer


def test_pages_follow_next_links_and_send_the_query_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "skip" in str(request.url):
            return httpx.Response(200, json={"value": [{"id": "2"}]})
        return httpx.Response(
            200, json={"value": [{"id": "1"}], "@odata.nextLink": f"{GRAPH}/users?$skiptoken=skip"}
        )

    h = harness(handler)
    items = list(h.client.items("users", params={"$select": "id"}))
    assert [i["id"] for i in items] == ["1", "2"]
    assert h.requests[0].url.params["$select"] == "id"
    assert "$select" not in h.requests[1].url.params


def test_a_link_to_another_host_is_refused() -> None:
    h = harness(lambda r: httpx.Response(200, json={}))
    with pytest.raises(SourceError, match="refusing"):
        h.client.get_json("https://evil.test/v1.0/users")
    assert h.requests == []


def test_no_more_than_four_requests_in_flight_per_mailbox() -> None:
    lock = threading.Lock()
    in_flight = {"now": 0, "max": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        time.sleep(0.05)
        with lock:
            in_flight["now"] -= 1
        return httpx.Response(200, json={})

    h = harness(handler)
    threads = [
        threading.Thread(
            target=h.client.get_json, args=("users/a/messages",), kwargs={"mailbox": "a"}
        )
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert in_flight["max"] == 4


def test_download_refuses_content_over_the_limit() -> None:
    h = harness(lambda r: httpx.Response(200, content=b"x" * 100))
    assert h.client.download("users/a/messages/m/attachments/1/$value", mailbox="a", limit=100) == (
        b"x" * 100
    )
    with pytest.raises(SourceError, match="over 10|more than 10"):
        h.client.download("users/a/messages/m/attachments/1/$value", mailbox="a", limit=10)


def test_sign_in_errors_name_the_problem_and_never_the_secret() -> None:
    settings = GraphSettings(
        tenant_id="contoso-id", client_id="app-id", client_secret="s3cr3t-value"
    )
    wrong_secret = sign_in_error(
        {
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided. Trace ID: 1",
            "error_codes": [7000215],
        },
        settings,
    )
    assert str(wrong_secret) == "sign-in failed: the client secret is wrong (AADSTS7000215)"
    tenant = sign_in_error({"error": "invalid_request", "error_codes": [90002]}, settings)
    assert str(tenant) == "sign-in failed: tenant 'contoso-id' not found (AADSTS90002)"
    app = sign_in_error(
        {"error": "unauthorized_client", "error_description": "AADSTS700016: x"}, settings
    )
    assert "application 'app-id' is not registered" in str(app)
    other = sign_in_error(
        {"error": "x", "error_description": "AADSTS1234: Odd.\r\nTrace"}, settings
    )
    assert str(other) == "sign-in failed: x: AADSTS1234: Odd. (AADSTS1234)"
    for exc in (wrong_secret, tenant, app, other):
        assert "s3cr3t" not in str(exc)


def test_settings_derive_scope_and_cloud_and_hide_the_secret() -> None:
    class Config:
        tenant_id = "t"
        client_id = "c"
        client_secret = "hidden-value"
        graph_url = "https://graph.microsoft.us/v1.0/"
        login_url = "https://login.microsoftonline.us"
        mailboxes = ["a@x"]
        page_size = 25

    settings = GraphSettings.from_config(Config())
    assert settings.scope == "https://graph.microsoft.us/.default"
    assert settings.authority == "https://login.microsoftonline.us/t"
    assert settings.is_known_cloud
    assert settings.mailboxes == ("a@x",) and settings.page_size == 25
    assert "hidden-value" not in repr(settings)
    assert settings.client_secret is not None and settings.client_secret.reveal() == "hidden-value"
    local = GraphSettings(tenant_id="t", client_id="c", login_url="https://127.0.0.1:5000")
    assert not local.is_known_cloud


def test_the_ca_bundle_holds_the_system_store_and_the_extra_ca(tmp_path: Path) -> None:
    extra = make_ca_pem("Extra Test CA")
    bundle = CaBundleFile(extra)
    text = Path(bundle.path).read_text()
    assert extra.strip() in text
    assert text.count("BEGIN CERTIFICATE") > 1  # the system's authorities are still there
    bundle.close()
    assert not Path(bundle.path).exists()
    context = ssl_context(extra)
    subjects = [dict(x[0] for x in c["subject"]) for c in context.get_ca_certs()]
    assert {"commonName": "Extra Test CA"} in subjects


def test_an_unreadable_certificate_is_reported_without_its_content(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n")
    key.write_text("-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SourceError) as caught:
        certificate_credential(str(cert), str(key))
    assert "not a valid" in str(caught.value) and "secret-key-material" not in str(caught.value)
    with pytest.raises(SourceError, match="cannot read"):
        certificate_credential(str(tmp_path / "missing.pem"), str(key))


def test_a_refused_connection_is_retried_a_few_times_only() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    h = harness(handler)
    with pytest.raises(SourceError, match="ConnectError, retries exhausted"):
        h.client.get_json("users")
    assert len(h.requests) == 4 and len(h.sleeps) == 3
