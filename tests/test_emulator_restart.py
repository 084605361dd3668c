"""A restarted server on a changed tenant folder: the connector's old cursors are refused,
and the next sync still ends equal to a fresh sync of the new folder."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.connector_run import cloud_config, export, server_config, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_mail, write_tenant

ALICE = "alice@contoso.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_changes_made_while_the_server_was_down_are_picked_up(tmp_path: Path) -> None:
    root = write_tenant(tmp_path / "tenant", [ALICE])
    for i in range(5):
        write_mail(root, ALICE, f"inbox/m{i}.eml", f"Mail {i}", f"words {i}")
    port = str(free_port())  # the service keeps its address across the restart
    with running_emulator(root, "--port", port) as emulator:
        cloud = cloud_config(tmp_path / "cloud.toml", emulator, tmp_path / "cloud.db")
        server = server_config(tmp_path / "server.toml", emulator, tmp_path / "server.db", [ALICE])
        assert sync_json(cloud)["errors"] == [] and sync_json(server)["errors"] == []

    (root / "mailboxes" / ALICE / "inbox" / "m1.eml").unlink()
    write_mail(root, ALICE, "inbox/m1b.eml", "Mail written while down", "new words")
    write_mail(root, ALICE, "inbox/m2.eml", "Mail 2 (edited while down)", "edited")

    with running_emulator(root, "--port", port) as emulator:
        # a new server certificate: the configurations trust the new authority
        cloud_config(tmp_path / "cloud.toml", emulator, tmp_path / "cloud.db")
        server_config(tmp_path / "server.toml", emulator, tmp_path / "server.db", [ALICE])
        for config in (tmp_path / "cloud.toml", tmp_path / "server.toml"):
            assert sync_json(config)["errors"] == [], config.name
        fresh_cloud = cloud_config(tmp_path / "fc.toml", emulator, tmp_path / "fc.db")
        fresh_server = server_config(tmp_path / "fs.toml", emulator, tmp_path / "fs.db", [ALICE])
        assert sync_json(fresh_cloud)["errors"] == [] and sync_json(fresh_server)["errors"] == []
        assert export(tmp_path / "cloud.toml") == export(fresh_cloud)
        assert export(tmp_path / "server.toml") == export(fresh_server)
    titles = sorted(d["title"] for d in export(fresh_cloud).values())
    assert titles == [
        "Mail 0",
        "Mail 2 (edited while down)",
        "Mail 3",
        "Mail 4",
        "Mail written while down",
    ]
