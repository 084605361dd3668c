"""Odd items never stop a sync: each is mapped if it can be, else skipped with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from exchangelib.errors import ErrorItemNotFound
from exchangelib.items import Contact, Message, PostItem
from exchangelib.properties import Mailbox as EwsMailbox
from lxml import etree

from outlook_connector.sources.base import Collection, Mailbox, Page
from outlook_connector.sources.ews import EwsSource
from outlook_connector.sources.ews.services import SyncPage, TextGetItem, UnknownItem
from tests.ews_offline import offline_source

ALICE = Mailbox("alice@contoso.example")
INBOX = Collection("mail:inbox", "Inbox Mails", "Inbox", "F1")
CALENDAR = Collection("calendar:F2", "Calendar", "Calendar", "F2")
T = "http://schemas.microsoft.com/exchange/services/2006/types"


@pytest.fixture
def source() -> Iterator[EwsSource]:
    # Nothing here reaches the network: accounts are only built, never used.
    made = offline_source()
    yield made
    made.close()


def add(source: EwsSource, collection: Collection, item: object) -> Page:
    page = Page()
    kind = collection.key.split(":")[0]
    source.reader._add_item(page, ALICE, collection, kind, "ITEM-1", item)
    return page


def test_a_post_in_a_mail_folder_is_indexed_as_a_mail(source: EwsSource) -> None:
    post = PostItem(id="P1", subject="Notice", sender=EwsMailbox(email_address="Ops@x.example"))
    page = add(source, INBOX, post)
    assert page.skipped == []
    assert page.upserts[0]["title"] == "Notice"
    assert page.upserts[0]["sender"] == "ops@x.example"


def test_an_item_of_an_unknown_type_is_skipped_with_its_type(source: EwsSource) -> None:
    page = add(source, INBOX, UnknownItem(item_id="ITEM-1", tag="Persona"))
    assert page.upserts == []
    assert page.skipped == [
        ("ITEM-1", "UnknownItem could not be mapped: UnmappableItem: unknown item type Persona")
    ]


def test_an_item_gone_before_it_was_read_is_skipped(source: EwsSource) -> None:
    page = add(source, INBOX, ErrorItemNotFound("The specified object was not found"))
    assert page.upserts == []
    assert "ErrorItemNotFound" in page.skipped[0][1]


def test_an_item_that_does_not_belong_in_the_folder_is_skipped(source: EwsSource) -> None:
    page = add(source, CALENDAR, Contact(id="C1", display_name="Misfiled"))
    assert page.upserts == []
    assert "Contact is not expected in a calendar folder" in page.skipped[0][1]


def test_a_mapping_failure_skips_only_that_item(source: EwsSource) -> None:
    broken = Message(id="M1", subject="Broken")
    broken.to_recipients = 42  # not a list: the mapping fails
    page = add(source, INBOX, broken)
    assert page.upserts == []
    assert page.skipped[0][0] == "ITEM-1"
    assert "Message could not be mapped: TypeError" in page.skipped[0][1]


def test_getitem_answers_of_unknown_types_become_unknown_items(source: EwsSource) -> None:
    account = source.connection.account(ALICE.address)
    elem = etree.fromstring(
        f'<t:Persona xmlns:t="{T}"><t:ItemId Id="X1" ChangeKey="C"/></t:Persona>'
    )
    assert TextGetItem(account=account)._elem_to_obj(elem) == UnknownItem("X1", "Persona")


def test_read_flag_changes_are_ignored(source: EwsSource) -> None:
    account = source.connection.account(ALICE.address)
    change = etree.fromstring(
        f'<t:ReadFlagChange xmlns:t="{T}"><t:ItemId Id="X1" ChangeKey="C"/><t:IsRead>true</t:IsRead></t:ReadFlagChange>'
    )
    assert SyncPage(account=account)._elem_to_obj(change) is None


def _get_item(source: EwsSource, xml: str) -> object:
    elem = etree.fromstring(xml.encode())
    return TextGetItem(account=source.connection.account(ALICE.address))._elem_to_obj(elem)


def test_attachments_keep_the_servers_order(source: EwsSource) -> None:
    item = _get_item(
        source,
        f'<t:Message xmlns:t="{T}"><t:ItemId Id="M1"/><t:Attachments>'
        '<t:FileAttachment><t:AttachmentId Id="A1"/><t:Name>q3.csv</t:Name></t:FileAttachment>'
        '<t:ItemAttachment><t:AttachmentId Id="A2"/><t:Name>fwd.eml</t:Name></t:ItemAttachment>'
        '<t:FileAttachment><t:AttachmentId Id="A3"/><t:Name>z.txt</t:Name></t:FileAttachment>'
        "</t:Attachments></t:Message>",
    )
    assert [a.name for a in item.attachments] == ["q3.csv", "fwd.eml", "z.txt"]  # type: ignore[attr-defined]


def test_task_dates_sent_as_utc_midnight_elsewhere_keep_their_day(source: EwsSource) -> None:
    task = _get_item(
        source,
        f'<t:Task xmlns:t="{T}"><t:ItemId Id="T1"/>'
        "<t:DueDate>2024-04-30T22:00:00Z</t:DueDate><t:StartDate>2024-04-01T04:00:00Z</t:StartDate>"
        "</t:Task>",
    )
    assert task.due_date == dt.date(2024, 5, 1)  # type: ignore[attr-defined]  # midnight in Berlin
    assert task.start_date == dt.date(2024, 4, 1)  # type: ignore[attr-defined]  # midnight in New York


def test_utc_instants_are_read_as_exchangelib_reads_them() -> None:
    from exchangelib.ewsdatetime import EWSDateTime

    from outlook_connector.sources.ews.services import utc_instant

    for text in ("2024-05-01T09:30:00Z", "1999-12-31T23:59:59Z", "2024-02-29T00:00:00Z"):
        ours, theirs = utc_instant(text), EWSDateTime.from_string(text)
        assert ours == theirs and type(ours) is type(theirs) and ours.tzinfo == theirs.tzinfo
    for text in ("2024-05-01T09:30:00+02:00", "2024-05-01T09:30:00.5Z", "2024-13-01T09:30:00Z", ""):
        assert utc_instant(text) is None
