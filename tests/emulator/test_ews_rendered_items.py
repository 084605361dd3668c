"""Items served again come from serialised copies: never stale, and never unlike a fresh render.

The EWS emulator keeps each item's serialised element per way of asking
(``outlook_emulator.ews.rendered``). These tests go through the SOAP interface
a client uses: after a change, deletion or move through the change API the
next answer shows the item as it is now; and an answer served from kept copies
is byte for byte the one a fresh server writes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree
from test_ews_exchangelib import ALICE, EVENTS, bulk_mail, write_tenant
from test_ews_protocol import NS, Ews, codes, serve

from outlook_emulator.ews.rendered import RenderedItems
from outlook_emulator.tenant.changes import delete_file, move_file, put_file
from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import Event, Tenant

SHAPE = (
    "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:BodyType>Text</t:BodyType>"
    "<t:AdditionalProperties><t:FieldURI FieldURI=\"item:Subject\"/>"
    "<t:FieldURI FieldURI=\"item:ParentFolderId\"/><t:FieldURI FieldURI=\"item:Body\"/>"
    "</t:AdditionalProperties></m:ItemShape>"
)


@pytest.fixture
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    # Each test changes the store: a tenant of its own.
    return load_tenant(write_tenant(tmp_path_factory.mktemp("tenant")))


@pytest.fixture
def ews(tenant: Tenant) -> Iterator[Ews]:
    yield from serve(tenant)


def item_id(tenant: Tenant, path: str) -> str:
    ((_, item),) = tenant.mailboxes[ALICE].items_at(path)
    return item.id


def get_item(ids: list[str], shape: str = SHAPE) -> str:
    refs = "".join(f'<t:ItemId Id="{i}"/>' for i in ids)
    return f"<m:GetItem>{shape}<m:ItemIds>{refs}</m:ItemIds></m:GetItem>"


def sync(folder: str, state: str | None = None) -> str:
    state_el = f"<m:SyncState>{state}</m:SyncState>" if state else ""
    return (
        "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
        f'<m:SyncFolderId><t:FolderId Id="{folder}"/></m:SyncFolderId>{state_el}'
        "<m:MaxChangesReturned>512</m:MaxChangesReturned></m:SyncFolderItems>"
    )


def folder_id(tenant: Tenant, path: str) -> str:
    folder = tenant.mailboxes[ALICE].folder_by_path(path)
    assert folder is not None
    return folder.id


def test_an_item_asked_for_again_is_the_same_bytes(ews: Ews, tenant: Tenant) -> None:
    ids = [item_id(tenant, f"Bulk/m{n:03d}.eml") for n in range(20)]
    ids += [item_id(tenant, "inbox/report.eml"), item_id(tenant, "inbox/invite.eml")]
    ids += [item.id for _, item in tenant.mailboxes[ALICE].items_at("calendar/events.ics")]
    for shape in (SHAPE, "<m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>"):
        first = ews.post(get_item(ids, shape)).content
        assert ews.post(get_item(ids, shape)).content == first
        # The same items one at a time and in another order: each is its own serialised copy.
        (alone,) = etree.fromstring(ews.post(get_item(ids[3:4], shape)).content).iterfind(
            ".//m:Items/*", NS
        )
        written = etree.fromstring(first).findall(".//m:Items/*", NS)
        assert etree.tostring(alone) == etree.tostring(written[3])


def test_a_changed_item_is_served_as_it_is_now(ews: Ews, tenant: Tenant) -> None:
    target = item_id(tenant, "Bulk/m000.eml")
    before = ews.call(get_item([target]))
    assert before.findtext(".//t:Subject", namespaces=NS) == "Bulk 000"
    put_file(tenant, ALICE, "Bulk/m000.eml", bulk_mail(0).replace(b"Bulk 000", b"Bulk zero"))
    after = ews.call(get_item([target]))
    assert after.findtext(".//t:Subject", namespaces=NS) == "Bulk zero"
    key = after.find(".//t:ItemId", NS).get("ChangeKey")  # type: ignore[union-attr]
    assert key != before.find(".//t:ItemId", NS).get("ChangeKey")  # type: ignore[union-attr]


def test_a_deleted_item_is_not_found(ews: Ews, tenant: Tenant) -> None:
    target = item_id(tenant, "Bulk/m001.eml")
    assert codes(ews.call(get_item([target]))) == ["NoError"]
    delete_file(tenant, ALICE, "Bulk/m001.eml")
    assert codes(ews.call(get_item([target]))) == ["ErrorItemNotFound"]


def test_a_moved_item_shows_its_new_folder(ews: Ews, tenant: Tenant) -> None:
    target = item_id(tenant, "Bulk/m007.eml")
    bulk, inbox = folder_id(tenant, "Bulk"), folder_id(tenant, "inbox")
    parent = ews.call(get_item([target])).find(".//t:ParentFolderId", NS)
    assert parent is not None and parent.get("Id") == bulk
    inbox_state = ews.call(sync(inbox)).findtext(".//m:SyncState", namespaces=NS)
    bulk_state = ews.call(sync(bulk)).findtext(".//m:SyncState", namespaces=NS)

    move_file(tenant, ALICE, "Bulk/m007.eml", "inbox/m007.eml")

    parent = ews.call(get_item([target])).find(".//t:ParentFolderId", NS)
    assert parent is not None and parent.get("Id") == inbox
    created = ews.call(sync(inbox, inbox_state)).findall(".//m:Changes/t:Create//t:ItemId", NS)
    assert [el.get("Id") for el in created] == [target]
    deleted = ews.call(sync(bulk, bulk_state)).findall(".//m:Changes/t:Delete/t:ItemId", NS)
    assert [el.get("Id") for el in deleted] == [target]


def test_a_series_shows_its_changed_exception(ews: Ews, tenant: Tenant) -> None:
    (master,) = (
        item
        for _, item in tenant.mailboxes[ALICE].items_at("calendar/events.ics")
        if isinstance(item, Event) and item.recurrence is not None
    )
    shape = (
        "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="calendar:ModifiedOccurrences"/></t:AdditionalProperties>'
        "</m:ItemShape>"
    )

    def modified_start() -> str | None:
        return ews.call(get_item([master.id], shape)).findtext(
            ".//t:ModifiedOccurrences/t:Occurrence/t:Start", namespaces=NS
        )

    assert modified_start() == "2024-09-04T10:00:00Z"
    # Only the exception changes: it moves from 10:00 to 11:00.
    changed = EVENTS.replace("DTSTART:20240904T100000Z", "DTSTART:20240904T110000Z")
    assert changed != EVENTS
    put_file(tenant, ALICE, "calendar/events.ics", changed.encode())
    assert modified_start() == "2024-09-04T11:00:00Z"


def test_kept_items_stay_within_their_byte_budget() -> None:
    store = RenderedItems(max_bytes=1000)
    for n in range(50):
        store.put("shape", f"item{n}", 1, b"x" * 100)
    assert store.size <= 1000
    assert len(store) == 10
    assert store.find("shape", "item0", 1) is None  # the least recently used went first
    assert store.find("shape", "item49", 1) == b"x" * 100
    # A changed item replaces its copy; a copy for other inputs is never returned.
    store.put("shape", "item49", 2, b"y" * 10)
    assert store.find("shape", "item49", 1) is None
    assert store.find("shape", "item49", 2) == b"y" * 10
    assert store.size == 9 * 100 + 10
