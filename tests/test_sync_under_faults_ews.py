"""The Exchange Server path under injected faults ends with the same index as without.

Each fault kind fires (the emulator's counters say so) and is waited out
honestly: a throttled request waits the BackOffMilliseconds asked for, in its
own mailbox's thread, and other failures a short, capped back-off.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.connector_run import export, server_config, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_mail, write_many_mails, write_tenant
from tests.test_sync_under_faults import USERS, stats

EWS_KINDS = ("throttle", "server_error", "reset", "slow", "truncate", "gone")


@pytest.fixture(scope="module")
def ews_tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tenant(tmp_path_factory.mktemp("ews-tenant"), USERS)
    for user in USERS:
        write_many_mails(root, user, "inbox", 40)
        write_many_mails(root, user, "sentitems", 15)
        write_mail(root, user, "archive/old.eml", "Archived", "old words")
    return root


@pytest.fixture(scope="module")
def server_reference(ews_tenant: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("server-reference")
    with running_emulator(ews_tenant) as emulator:
        config = server_config(tmp / "c.toml", emulator, tmp / "i.db", USERS, "page_size = 10")
        assert sync_json(config)["errors"] == []
        return export(config)


@pytest.mark.parametrize("kind", EWS_KINDS)
def test_each_fault_leaves_the_same_index_on_exchange_server(
    kind: str, ews_tenant: Path, server_reference: dict[str, Any], tmp_path: Path
) -> None:
    faults = json.dumps({kind: 0.1, "slow_seconds": 0.3, "retry_after_seconds": 1})
    with running_emulator(ews_tenant, "--faults", faults, "--seed", "5") as emulator:
        config = server_config(
            tmp_path / "c.toml", emulator, tmp_path / "i.db", USERS, "page_size = 10"
        )
        started = time.monotonic()
        first, second = sync_json(config), sync_json(config)
        elapsed = time.monotonic() - started
        seen = stats(emulator)
    assert first["errors"] == [] and second["errors"] == [], (first["errors"], second["errors"])
    assert export(config) == server_reference
    # Every kind fires; "gone" only on SyncFolderItems with a sync state (later
    # pages of the first sync and the whole second one).
    assert seen["faults"].get(kind, 0) >= 1, seen["faults"]
    if kind == "throttle":
        # The waits asked for, spread over the mailboxes waiting at once, and
        # no more: a back-off shared by every mailbox, or one growing past
        # BackOffMilliseconds, would take many times this long.
        asked = seen["retry_after_total"]
        assert elapsed < 20 + asked, (elapsed, asked)
