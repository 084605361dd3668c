"""The control API over HTTP: PUT, DELETE, move and rename change the served tenant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.tenants import write_mail, write_tenant

from outlook_emulator.control import ControlApp
from outlook_emulator.http import EmulatorServer
from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import Tenant

BOX = "alice@contoso.example"
MAIL = b"From: bob@contoso.example\nSubject: Lisbon trip\nDate: Tue, 03 Sep 2024 10:00:00 +0000\n\nHi\n"


@pytest.fixture
def tenant(tmp_path: Path) -> Tenant:
    (tmp_path / "tenant.toml").write_text(f'[[users]]\nmail = "{BOX}"\n', encoding="utf-8")
    return load_tenant(tmp_path)


@pytest.fixture
def client(tenant: Tenant) -> Iterator[httpx.Client]:
    server = EmulatorServer([ControlApp(tenant)])
    server.start()
    try:
        with httpx.Client(base_url=f"{server.base_url}/_emulator/mailboxes/{BOX}") as http:
            yield http
    finally:
        server.stop()


def test_put_move_delete_round_trip(tenant: Tenant, client: httpx.Client) -> None:
    mailbox = tenant.mailboxes[BOX]
    created = client.put("/inbox/trip.eml", content=MAIL)
    assert created.status_code == 200
    item_id = created.json()["id"]
    found = mailbox.find_item(item_id)
    assert found is not None and found[0].well_known_name == "inbox"

    replaced = client.put("/inbox/trip.eml", content=MAIL.replace(b"Hi", b"Hello"))
    assert replaced.json() == {"id": item_id}

    moved = client.post("/move", json={"from": "inbox/trip.eml", "to": "archive/trip.eml"})
    assert moved.json() == {"id": item_id}
    found = mailbox.find_item(item_id)
    assert found is not None and found[0].well_known_name == "archive"

    deleted = client.delete("/archive/trip.eml")
    assert deleted.json() == {"id": item_id} and mailbox.find_item(item_id) is None


def test_errors_are_json_with_the_reason(client: httpx.Client) -> None:
    missing = client.delete("/inbox/none.eml")
    assert missing.status_code == 404 and "none.eml" in missing.json()["error"]["message"]
    assert client.put("/NoSuchFolder/a.eml", content=MAIL).status_code == 404
    unparsable = client.put("/inbox/empty.eml", content=b"")
    assert unparsable.status_code == 400 and "empty" in unparsable.json()["error"]["message"]
    bad_move = client.post("/move", content=b"{not json")
    assert bad_move.status_code == 400


def test_unknown_mailbox_is_404(tenant: Tenant) -> None:
    server = EmulatorServer([ControlApp(tenant)])
    server.start()
    try:
        url = f"{server.base_url}/_emulator/mailboxes/nobody@contoso.example/inbox/a.eml"
        answer = httpx.put(url, content=MAIL)
    finally:
        server.stop()
    assert answer.status_code == 404
    assert "nobody@contoso.example" in answer.json()["error"]["message"]


def test_a_folder_renamed_keeps_its_id_and_items_and_gets_a_new_change_key(
    tmp_path: Path,
) -> None:
    write_tenant(tmp_path, [BOX])
    write_mail(tmp_path, BOX, "Projects/Q3/plan.eml", "Q3 plan", "body")
    write_mail(tmp_path, BOX, "Done/old.eml", "Old", "body")
    tenant = load_tenant(tmp_path)
    mailbox = tenant.mailboxes[BOX]
    projects = mailbox.folder_by_path("Projects")
    assert projects is not None
    items, key = dict(projects.items), projects.changed_seq
    server = EmulatorServer([ControlApp(tenant)])
    server.start()
    try:
        with httpx.Client(base_url=f"{server.base_url}/_emulator/mailboxes/{BOX}") as http:
            renamed = http.post("/rename", json={"folder": "Projects", "name": "Old projects"})
            assert renamed.json() == {"id": projects.id}
            taken = http.post("/rename", json={"folder": "Done", "name": "old PROJECTS"})
            default = http.post("/rename", json={"folder": "inbox", "name": "Post"})
            missing = http.post("/rename", json={"folder": "Nowhere", "name": "X"})
            empty = http.post("/rename", json={"folder": "Done", "name": " "})
            shapeless = http.post("/rename", json={"folder": "Done"})
    finally:
        server.stop()
    assert projects.display_name == "Old projects" and projects.items == items
    assert projects.changed_seq > key and mailbox.folder_by_path("Projects") is projects
    assert taken.status_code == 409 and "Old projects" not in taken.text
    assert default.status_code == 400 and "default folder" in default.json()["error"]["message"]
    assert missing.status_code == 404 and "Nowhere" in missing.json()["error"]["message"]
    assert empty.status_code == 400 and shapeless.status_code == 400
    done = mailbox.folder_by_path("Done")
    assert done is not None and done.display_name == "Done"
