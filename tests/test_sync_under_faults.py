"""Whatever the servers do — throttle, fail, reset, stall, cut, forget cursors, expire tokens —
a sync ends with the same index as a sync of a well-behaved server."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.connector_run import cloud_config, export, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_mail, write_many_mails, write_tenant

USERS = ["alice@contoso.example", "bob@contoso.example", "carol@contoso.example"]
KINDS = ("throttle", "server_error", "reset", "slow", "truncate", "gone", "token_expiry")


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tenant(tmp_path_factory.mktemp("tenant"), USERS)
    for user in USERS:
        write_many_mails(root, user, "inbox", 40)
        write_many_mails(root, user, "sentitems", 15)
        write_mail(root, user, "archive/old.eml", "Archived", "old words")
    return root


def stats(emulator: dict[str, Any]) -> dict[str, Any]:
    tls = ssl.create_default_context(cafile=emulator["ca_cert"])
    return dict(httpx.get(f"{emulator['login_url']}/_emulator/stats", verify=tls).json())


@pytest.fixture(scope="module")
def reference(tenant: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("reference")
    with running_emulator(tenant) as emulator:
        config = cloud_config(tmp / "c.toml", emulator, tmp / "i.db", "page_size = 10")
        assert sync_json(config)["errors"] == []
        docs = export(config)
    assert len(docs) == len(USERS) * 56
    return docs


def faulty_sync(tenant: Path, tmp: Path, rates: dict[str, float], extra: str = ""):
    faults = json.dumps({**rates, "slow_seconds": 0.3, "retry_after_seconds": 1})
    with running_emulator(tenant, "--faults", faults, "--seed", "11") as emulator:
        config = cloud_config(tmp / "c.toml", emulator, tmp / "i.db", "page_size = 10\n" + extra)
        first = sync_json(config)
        # the incremental round after it meets the same faults
        second = sync_json(config)
        return first, second, export(config), stats(emulator)


@pytest.mark.parametrize("kind", KINDS)
def test_each_fault_leaves_the_same_index(
    kind: str, tenant: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    # A request gives up after its token was refused on four tries in a row,
    # renewed in between: a token refused again and again right after renewal
    # is not an expired one. At 15 % that happens once in 2,000 requests, so
    # now and then in this test; tokens are refused on 5 % of requests here.
    rate = 0.05 if kind == "token_expiry" else 0.15
    first, second, docs, seen = faulty_sync(tenant, tmp_path, {kind: rate})
    assert first["errors"] == [] and second["errors"] == [], (first["errors"], second["errors"])
    assert docs == reference
    if kind != "gone":  # only incremental requests can meet an expired cursor
        assert seen["faults"].get(kind, 0) >= 1, seen["faults"]
    assert max(seen["max_in_flight"].values()) <= 4


def test_all_faults_mixed_leave_the_same_index(
    tenant: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    rates = {
        "throttle": 0.08,
        "server_error": 0.05,
        "reset": 0.03,
        "slow": 0.03,
        "truncate": 0.03,
        "gone": 0.05,
        "token_expiry": 0.03,
    }
    first, second, docs, seen = faulty_sync(tenant, tmp_path, rates, "max_concurrent_mailboxes = 3")
    assert first["errors"] == [] and second["errors"] == []
    assert docs == reference
    assert sum(seen["faults"].values()) >= 5
    # Graph's documented limit: at most 4 requests at once per application and mailbox
    assert all(n <= 4 for n in seen["max_in_flight"].values()), seen["max_in_flight"]
