"""The command line against the Exchange Online emulator: results, exit codes, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.connector_run import cloud_config, connector
from tests.emulators import running_emulator
from tests.tenants import CLIENT_SECRET, TENANT_ID, write_mail, write_tenant

USERS = ["alice@contoso.example", "bob@contoso.example"]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = write_tenant(tmp_path_factory.mktemp("tenant"), USERS)
    write_mail(
        root,
        USERS[0],
        "inbox/kayak.eml",
        "Kayak order for Lisbon",
        "Twelve kayaks, invoice attached.",
    )
    write_mail(root, USERS[1], "sentitems/tent.eml", "Tent prices", "The tent costs 300 EUR.")
    with running_emulator(root) as info:
        yield info


@pytest.fixture(scope="module")
def limited_emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An app registration that was not granted Mail.Read."""
    root = write_tenant(
        tmp_path_factory.mktemp("limited"),
        USERS[:1],
        permissions=[
            "User.Read.All",
            "MailboxSettings.Read",
            "Contacts.Read",
            "Calendars.Read",
            "Tasks.Read.All",
        ],
    )
    write_mail(root, USERS[0], "inbox/a.eml", "Hello", "world")
    with running_emulator(root) as info:
        yield info


def no_secret_in(*outputs: str) -> None:
    for output in outputs:
        assert CLIENT_SECRET not in output


def test_sync_search_export_status(emulator: dict[str, Any], tmp_path: Path) -> None:
    config = cloud_config(tmp_path / "c.toml", emulator, tmp_path / "i.db")
    sync = connector("sync", "--config", str(config), "--json")
    assert sync.returncode == 0, sync.stderr
    summary = json.loads(sync.stdout)
    assert summary["mailboxes"] == 2 and summary["errors"] == []
    assert summary["by_type"] == {"Inbox Mails": 1, "Sent Mails": 1}

    hits = json.loads(connector("search", "kayak", "--config", str(config), "--json").stdout)
    assert [h["title"] for h in hits] == ["Kayak order for Lisbon"]
    assert set(hits[0]) == {"id", "type", "title", "mailbox", "score", "snippet"}
    assert "[Kayak]" in hits[0]["snippet"] or "[kayak]" in hits[0]["snippet"].lower()
    typed = json.loads(
        connector(
            "search", "tent", "--type", "Inbox Mails", "--config", str(config), "--json"
        ).stdout
    )
    assert typed == []
    by_mailbox = json.loads(
        connector("search", "tent", "--mailbox", USERS[1], "--config", str(config), "--json").stdout
    )
    assert [h["mailbox"] for h in by_mailbox] == [USERS[1]]

    lines = connector("export", "--config", str(config)).stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["_timestamp"].endswith("Z") for line in lines)

    status = json.loads(connector("status", "--config", str(config), "--json").stdout)
    assert {row["mailbox"] for row in status} == set(USERS)
    assert all(row["ok"] for row in status)
    inbox = next(r for r in status if r["mailbox"] == USERS[0] and r["type"] == "Inbox Mails")
    assert inbox["documents"] == 1 and inbox["last_synced"]
    no_secret_in(sync.stdout, sync.stderr)


def test_wrong_secret_is_a_clear_error_without_the_secret(
    emulator: dict[str, Any], tmp_path: Path
) -> None:
    config = cloud_config(tmp_path / "c.toml", emulator, tmp_path / "i.db")
    config.write_text(config.read_text().replace(CLIENT_SECRET, "wrong-secret-value-123"))
    for command in ("check", "sync"):
        result = connector(command, "--config", str(config))
        assert result.returncode == 1
        said = result.stdout + result.stderr
        assert "AADSTS7000215" in said and "secret is wrong" in said
        assert "wrong-secret-value-123" not in result.stdout + result.stderr


def test_unknown_tenant_is_named(emulator: dict[str, Any], tmp_path: Path) -> None:
    config = cloud_config(tmp_path / "c.toml", emulator, tmp_path / "i.db")
    config.write_text(config.read_text().replace(TENANT_ID, "00000000-0000-0000-0000-000000000001"))
    result = connector("sync", "--config", str(config))
    assert result.returncode == 1
    assert "tenant '00000000-0000-0000-0000-000000000001' not found" in result.stderr
    no_secret_in(result.stdout, result.stderr)


def test_missing_permission_is_named(limited_emulator: dict[str, Any], tmp_path: Path) -> None:
    config = cloud_config(tmp_path / "c.toml", limited_emulator, tmp_path / "i.db")
    check = connector("check", "--config", str(config))
    assert check.returncode == 1
    assert "Mail.Read" in check.stdout + check.stderr
    sync = connector("sync", "--config", str(config), "--json")
    assert sync.returncode == 1
    errors = json.loads(sync.stdout)["errors"]
    assert errors and all("Mail.Read" in e["error"] for e in errors)
    no_secret_in(check.stdout, check.stderr, sync.stdout, sync.stderr)


def test_bad_configuration_exits_2_naming_every_problem(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        f'client_id = "x"\nclient_secret = "{CLIENT_SECRET}"\nmailbox = ["a@b.example"]\n'
    )
    result = connector("sync", "--config", str(config))
    assert result.returncode == 2
    assert "tenant_id: required" in result.stderr
    assert "mailbox: unknown setting (did you mean 'mailboxes'?)" in result.stderr
    no_secret_in(result.stdout, result.stderr)
    assert connector("sync", "--config", str(tmp_path / "missing.toml")).returncode == 2
    assert connector("frobnicate").returncode == 2


def test_reading_commands_need_only_the_index(emulator: dict[str, Any], tmp_path: Path) -> None:
    config = cloud_config(tmp_path / "c.toml", emulator, tmp_path / "i.db")
    for command in ("search", "export", "status"):
        args = [command, "kayak"] if command == "search" else [command]
        result = connector(*args, "--config", str(config))
        assert result.returncode == 2 and "no index at" in result.stderr
        assert not (tmp_path / "i.db").exists()  # reading never creates an index
    assert connector("sync", "--config", str(config)).returncode == 0
    # the certificate file moved away: the index can still be searched
    config.write_text(config.read_text().replace(emulator["ca_cert"], str(tmp_path / "gone.pem")))
    result = connector("search", "kayak", "--config", str(config), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)
