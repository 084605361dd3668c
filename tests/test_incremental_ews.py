"""Exchange Server path: after changes of every kind, an incremental sync equals a fresh full sync."""

from __future__ import annotations

from pathlib import Path

from tests.connector_run import export, server_config, sync_json
from tests.emulators import running_emulator
from tests.test_incremental_graph import ALICE, BOB, Control, change_everything, tenant_folder

GROUP = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:{name}\r\n"
    "MEMBER:mailto:joana@lisboa.example\r\nMEMBER:mailto:{member}\r\nEND:VCARD\r\n"
)


def test_incremental_sync_equals_a_fresh_full_sync(tmp_path: Path) -> None:
    root = tenant_folder(tmp_path / "tenant")
    (root / "mailboxes" / ALICE / "contacts" / "team.vcf").write_text(
        GROUP.format(name="Paddle team", member="tom@berg.example")
    )
    with running_emulator(root) as emulator:
        config = server_config(tmp_path / "inc.toml", emulator, tmp_path / "inc.db", [ALICE, BOB])
        assert sync_json(config)["errors"] == []
        before = export(config)
        assert any(d["type"] == "Distribution List" for d in before.values())

        again = sync_json(config)
        assert again["indexed"] == 0 and again["deleted"] == 0  # nothing changed

        control = Control(emulator)
        change_everything(control)
        control.put(
            ALICE, "contacts/team.vcf", GROUP.format(name="Paddle team", member="ana@lima.example")
        )
        summary = sync_json(config)
        assert summary["errors"] == []
        after = export(config)

        fresh = server_config(
            tmp_path / "fresh.toml", emulator, tmp_path / "fresh.db", [ALICE, BOB]
        )
        assert sync_json(fresh)["errors"] == []
        assert after == export(fresh)

    group = next(d for d in after.values() if d["type"] == "Distribution List")
    assert "ana@lima.example" in group["email_addresses"]
    assert "tom@berg.example" not in group["email_addresses"]
    titles = {d["title"] for d in after.values()}
    assert {"Brand new mail", "Inbox mail 0 (edited)", "Ana Lima", "Launch", "Ship"} <= titles
    assert not {"Inbox mail 2", "Tom Berg", "Review", "Call Joana", "prices.txt"} & titles
    moved = [d for d in after.values() if d["title"] == "Inbox mail 1"]
    assert len(moved) == 1 and moved[0]["type"] == "Archive Mails"
