"""The requests of a sync page, written as text, are exchangelib's requests.

The source writes its SyncFolderItems, GetItem and GetAttachment requests as
text (``sources.ews.envelope``) rather than through exchangelib's element
trees. What reaches the server must not change: the envelope, its headers and
the payload are compared here with what exchangelib's own services write for
the same account and ids.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from exchangelib.attachments import AttachmentId
from exchangelib.properties import FolderId
from exchangelib.services import GetAttachment, GetItem, SyncFolderItems
from lxml import etree

from outlook_connector.sources.ews import EwsSource
from outlook_connector.sources.ews.fields import item_fields
from outlook_connector.sources.ews.services import (
    _RECEIVED,
    ChunkedGetAttachment,
    SyncPage,
    TextGetItem,
)
from tests.ews_offline import offline_source

T = "http://schemas.microsoft.com/exchange/services/2006/types"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
ODD = "o&d<d>\"'@contoso.example"  # every character XML escapes


@pytest.fixture
def source() -> Iterator[EwsSource]:
    # Nothing here reaches the network: accounts are only built, never used.
    made = offline_source()
    yield made
    made.close()


def theirs_get_item(
    source: EwsSource, address: str, items: list[tuple[str, str | None]], kind: str
) -> bytes:
    """exchangelib's GetItem request with the text body type the source asks for."""
    service = GetItem(account=source.connection.account(address))
    payload = service.get_payload(items=items, additional_fields=item_fields(kind), shape="IdOnly")
    body_type = etree.Element(f"{{{T}}}BodyType")
    body_type.text = "Text"
    payload[0].insert(1, body_type)
    return bytes(service.wrap(content=payload, api_version="Exchange2013_SP1"))


def ours_get_item(
    source: EwsSource,
    address: str,
    items: list[tuple[str, str | None]],
    kind: str,
    shapes: dict | None = None,
) -> bytes:
    service = TextGetItem(account=source.connection.account(address), shapes=shapes)
    payload = service.get_payload(items=items, additional_fields=item_fields(kind), shape="IdOnly")
    return service.wrap(content=payload, api_version="Exchange2013_SP1")


@pytest.mark.parametrize("kind", ["mail", "contacts", "calendar", "tasks"])
def test_getitem_is_exchangelibs_request_byte_for_byte(source: EwsSource, kind: str) -> None:
    items = [("X1", None), ("X2", "CK2"), ("X3", None)]
    address = "alice@contoso.example"
    assert ours_get_item(source, address, items, kind) == theirs_get_item(
        source, address, items, kind
    )


def test_the_cached_shape_serves_every_request(source: EwsSource) -> None:
    shapes: dict = {}
    address = "alice@contoso.example"
    first = ours_get_item(source, address, [("X1", None)], "mail", shapes)
    second = ours_get_item(source, address, [("X2", "C2"), ("X3", None)], "mail", shapes)
    assert len(shapes) == 1
    assert first == theirs_get_item(source, address, [("X1", None)], "mail")
    assert second == theirs_get_item(source, address, [("X2", "C2"), ("X3", None)], "mail")


@pytest.mark.parametrize("is_item", [False, True])
def test_getattachment_is_exchangelibs_request_byte_for_byte(
    source: EwsSource, is_item: bool
) -> None:
    account = source.connection.account("alice@contoso.example")
    options = {
        "include_mime_content": is_item,
        "body_type": "Text" if is_item else None,
        "filter_html_content": None,
        "additional_fields": None,
    }
    ours = ChunkedGetAttachment(account=account)
    theirs = GetAttachment(account=account)
    ours_bytes = ours.wrap(ours.get_payload(items=["A1", "A2"], **options), "Exchange2013_SP1")
    theirs_payload = theirs.get_payload(
        items=[AttachmentId(id="A1"), AttachmentId(id="A2")], **options
    )
    assert ours_bytes == theirs.wrap(theirs_payload, "Exchange2013_SP1")


def test_ids_and_addresses_are_escaped(source: EwsSource) -> None:
    items = [(ODD, ODD), ("plain", None)]
    request = etree.fromstring(ours_get_item(source, ODD, items, "mail"))
    assert request.findtext(f".//{{{T}}}PrimarySmtpAddress") == ODD
    ids = request.findall(f".//{{{M}}}ItemIds/{{{T}}}ItemId")
    assert [(i.get("Id"), i.get("ChangeKey")) for i in ids] == items
    assert ours_get_item(source, ODD, items, "mail") == theirs_get_item(source, ODD, items, "mail")


def test_getitem_refuses_ids_it_cannot_write(source: EwsSource) -> None:
    service = TextGetItem(account=source.connection.account("alice@contoso.example"))
    with pytest.raises(TypeError):
        service.get_payload(items=["X1"], additional_fields=None, shape="IdOnly")


@pytest.mark.parametrize("received", [False, True])
@pytest.mark.parametrize("state", [None, "H4sI<&>"])
def test_syncfolderitems_is_exchangelibs_request_byte_for_byte(
    source: EwsSource, received: bool, state: str | None
) -> None:
    account = source.connection.account("alice@contoso.example")
    options = {
        "folder": FolderId(id="F&1", changekey="CK" if received else None),
        "shape": "IdOnly",
        "additional_fields": _RECEIVED if received else None,
        "sync_state": state,
        "ignore": None,
        "max_changes_returned": 100,
        "sync_scope": "NormalItems",
    }
    ours = SyncPage(account=account)
    theirs = SyncFolderItems(account=account)
    assert ours.wrap(ours.get_payload(**options), "Exchange2013_SP1") == theirs.wrap(
        theirs.get_payload(**options), "Exchange2013_SP1"
    )
