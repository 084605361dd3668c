"""The Graph app's middleware hook: every Graph request, including each request of a
``$batch``, passes it with the mailbox it is about (as throttling needs)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from outlook_emulator.graph import GraphApp
from outlook_emulator.graph.routing import mailbox_key
from outlook_emulator.http import EmulatorServer, Request, Response
from outlook_emulator.identity import TokenService
from outlook_emulator.tenant.loader import load_tenant

TOML = """
tenant_id = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
domain = "hook.example"
netbios_name = "HOOK"

[[applications]]
client_id = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
client_secret = "hook-secret"
permissions = ["Mail.Read"]

[[users]]
mail = "dana@hook.example"

[[users]]
mail = "eli@hook.example"
"""


class Limiter:
    """Counts per mailbox and answers 429 for the mailboxes it is told to refuse."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.refuse: set[str] = set()

    def __call__(self, request: Request, call_next: Callable[[Request], Response]) -> Response:
        key = mailbox_key(request.path) or "-"
        self.seen[key] += 1
        if key in self.refuse:
            return Response.json({"error": {"code": "ApplicationThrottled",
                                            "message": "Too many requests."}},
                                 status=429, headers={"Retry-After": "1"})
        return call_next(request)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[httpx.Client, Limiter]]:
    (tmp_path / "tenant.toml").write_text(TOML)
    tenant = load_tenant(tmp_path)
    tokens = TokenService(tenant.tenant_id)
    limiter = Limiter()
    server = EmulatorServer([GraphApp(tenant, tokens, middleware=[limiter])])
    server.start()
    token = tokens.issue(tenant.applications[0], "https://graph.microsoft.com", "secret")
    client = httpx.Client(base_url=f"{server.base_url}/v1.0", trust_env=False,
                          headers={"Authorization": f"Bearer {token}"})
    try:
        yield client, limiter
    finally:
        client.close()
        server.stop()


def test_requests_are_counted_per_mailbox(served):
    client, limiter = served
    assert client.get("/users/dana@hook.example/mailFolders/inbox").status_code == 200
    assert client.get("/users/DANA@hook.example/mailFolders/inbox/messages/delta()"
                      ).status_code == 200
    assert limiter.seen == {"dana@hook.example": 2}


def test_batch_requests_pass_the_middleware_one_by_one(served):
    client, limiter = served
    limiter.refuse.add("eli@hook.example")
    body = {"requests": [
        {"id": "1", "method": "GET", "url": "/users/dana@hook.example/mailFolders/inbox"},
        {"id": "2", "method": "GET", "url": "/users/eli@hook.example/mailFolders/inbox"},
    ]}
    answers = {r["id"]: r for r in client.post("/$batch", json=body).json()["responses"]}
    assert answers["1"]["status"] == 200
    assert answers["2"]["status"] == 429 and answers["2"]["headers"]["Retry-After"] == "1"
    assert limiter.seen == {"dana@hook.example": 1, "eli@hook.example": 1}
