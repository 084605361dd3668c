"""A folder renamed between two syncs: its mails carry its new path, on both sources."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.connector_run import cloud_config, export, server_config, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_mail, write_tenant

ALICE = "alice@contoso.example"


@pytest.mark.parametrize("source", ["cloud", "server"])
def test_a_renamed_folder_gives_its_mails_and_its_subfolders_mails_the_new_path(
    source: str, tmp_path: Path
) -> None:
    tenant = tmp_path / "tenant"
    write_tenant(tenant, [ALICE])
    write_mail(tenant, ALICE, "inbox/m0.eml", "Inbox one", "body")
    write_mail(tenant, ALICE, "Projects/m0.eml", "Roadmap", "body")
    write_mail(tenant, ALICE, "Projects/Q3/m0.eml", "Q3 plan", "body")
    with running_emulator(tenant) as info:
        extra = '[advanced_rules]\nfolders = "all"\n'
        index = tmp_path / "index.db"
        if source == "cloud":
            config = cloud_config(tmp_path / "c.toml", info, index, extra)
        else:
            config = server_config(tmp_path / "c.toml", info, index, [ALICE], extra)
        assert sync_json(config)["errors"] == []
        before = {doc["title"]: doc for doc in export(config).values()}
        assert before["Q3 plan"]["folder"] == "Projects/Q3"

        _rename(info, "Projects", "Archive 2024")
        assert sync_json(config)["errors"] == []  # an incremental sync
        after = {doc["title"]: doc for doc in export(config).values()}

    assert sorted(after) == sorted(before)
    assert after["Roadmap"]["folder"] == "Archive 2024"
    assert after["Q3 plan"]["folder"] == "Archive 2024/Q3"
    assert after["Inbox one"] == before["Inbox one"]
    assert after["Q3 plan"]["id"] == before["Q3 plan"]["id"]


def _rename(info: dict[str, Any], folder: str, name: str) -> None:
    tls = ssl.create_default_context(cafile=info["ca_cert"])
    with httpx.Client(base_url=info["login_url"], verify=tls) as control:
        answer = control.post(
            f"/_emulator/mailboxes/{ALICE}/rename", json={"folder": folder, "name": name}
        )
    assert answer.status_code == 200, answer.text
