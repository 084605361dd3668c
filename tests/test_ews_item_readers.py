"""Contacts, distribution lists, events and tasks read straight from GetItem's XML give
exactly the documents and attachment references exchangelib's item objects give.

Checked on every such item of the shared real-world corpus as the EWS emulator
serves it, and on hand-made answers for the shapes the corpus may not hold;
whatever the fast readers do not read is read the general way.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from exchangelib.items import CalendarItem, Contact, DistributionList, Task
from lxml import etree

from outlook_connector import documents
from outlook_connector.sources.base import Mailbox
from outlook_connector.sources.ews import EwsSource, mapping
from outlook_connector.sources.ews.attachments import attachment_refs
from outlook_connector.sources.ews.contacts import (
    ContactFacts,
    DistributionListFacts,
    read_contact,
    read_distribution_list,
)
from outlook_connector.sources.ews.events import EventFacts, read_event
from outlook_connector.sources.ews.itemxml import UnreadableItem
from outlook_connector.sources.ews.messages import MessageFacts
from outlook_connector.sources.ews.services import TextGetItem, general_item
from outlook_connector.sources.ews.tasks import TaskFacts, read_task
from tests.ews_offline import offline_source
from tests.test_ews_messages import BOX, T, item_elements
from tests.test_ews_messages import corpus_source as corpus_source  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's zone is UTC, as on the servers the sync runs on.

    exchangelib reads a recurrence's bare end date in the machine's zone (see
    ``test_a_bare_end_date_is_the_day_written_whatever_the_machine``); the
    general way is compared with in UTC, where it gives the day written.
    """
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# -- reading an element both ways --------------------------------------------------------


def _contact_doc(item: Any) -> dict[str, Any]:
    if isinstance(item, (DistributionListFacts, DistributionList)):
        return mapping.distribution_list_document(item, mailbox=BOX)
    return mapping.contact_document(item, mailbox=BOX)


KINDS: dict[str, dict[str, Any]] = {
    "Contact": {
        "read": read_contact,
        "facts": mapping.contact_facts,
        "document": _contact_doc,
        "label": None,
    },
    "DistributionList": {
        "read": read_distribution_list,
        "facts": mapping.distribution_list_facts,
        "document": _contact_doc,
        "label": None,
    },
    "CalendarItem": {
        "read": read_event,
        "facts": mapping.event_facts,
        "document": lambda i: mapping.event_document(i, mailbox=BOX, calendar="Calendar"),
        "label": documents.CALENDAR_ATTACHMENT,
    },
    "Task": {
        "read": read_task,
        "facts": mapping.task_facts,
        "document": lambda i: mapping.task_document(i, mailbox=BOX, task_list="Tasks"),
        "label": documents.TASK_ATTACHMENT,
    },
}


def refs(source: EwsSource, item: Any, label: str | None) -> list[tuple[Any, ...]]:
    """Attachment references as the sync lists them, with how each would be fetched."""
    if label is None:
        return []
    found = attachment_refs(source.connection, item, BOX, label)
    # AttachmentRef equality leaves out fetch and batch: compare what they would ask for.
    return [
        (r, r.batch.id if r.batch else None, r.batch.key[2] if r.batch else None) for r in found
    ]


def both_ways(elem: Any, source: EwsSource) -> tuple[Any, Any]:
    """(the fast reader's facts, the general way's exchangelib item) of one element."""
    kind = KINDS[etree.QName(elem).localname]
    fast = kind["read"](copy.deepcopy(elem))
    general = general_item(copy.deepcopy(elem), source.connection.account(BOX))
    return fast, general


def assert_same_both_ways(elem: Any, source: EwsSource) -> Any:
    kind = KINDS[etree.QName(elem).localname]
    fast, general = both_ways(elem, source)
    label = fast.id
    assert fast == kind["facts"](general), label
    assert kind["document"](fast) == kind["document"](general), label
    assert refs(source, fast, kind["label"]) == refs(source, general, kind["label"]), label
    return fast


# -- the shared corpus ------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "least"), [("contacts", 20), ("calendar", 100), ("tasks", 5)])
def test_every_corpus_item_reads_the_same_both_ways(
    corpus_source: EwsSource,
    kind: str,
    least: int,
) -> None:
    elements = item_elements(corpus_source, kind)
    assert len(elements) >= least, len(elements)
    read = [assert_same_both_ways(elem, corpus_source) for elem in elements]
    if kind == "calendar":
        # The corpus has the shapes that matter, so they were compared, not only their absence.
        assert sum(1 for e in read if e.recurrence) >= 5
        assert sum(1 for e in read if e.is_all_day) >= 5
        assert sum(1 for e in read if e.attendees) >= 5
    if kind == "contacts":
        assert sum(1 for c in read if len(c.email_addresses) > 1) >= 3
        assert sum(1 for c in read if c.birthday) >= 3
    if kind == "tasks":
        assert sum(1 for t in read if t.due_date or t.complete_date) >= 3


def test_the_sync_reads_these_kinds_the_fast_way(
    corpus_source: EwsSource,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, list[str]] = {}
    original = TextGetItem._elem_to_obj

    def recording(self: TextGetItem, elem: Any) -> Any:
        item = original(self, elem)
        seen.setdefault(etree.QName(elem).localname, []).append(type(item).__name__)
        return item

    monkeypatch.setattr(TextGetItem, "_elem_to_obj", recording)
    mailbox = Mailbox(BOX)
    for collection in corpus_source.collections(mailbox):
        if collection.key.startswith("mail:"):
            continue
        for page in corpus_source.changes(mailbox, collection, None):
            assert not page.skipped
    assert set(seen.get("Contact", [])) == {"ContactFacts"}
    assert set(seen.get("CalendarItem", [])) == {"EventFacts"}
    assert set(seen.get("Task", [])) == {"TaskFacts"}
    assert set(seen.get("DistributionList", ["DistributionListFacts"])) == {"DistributionListFacts"}


# -- hand-made answers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def offline() -> Iterator[EwsSource]:
    # Nothing here reaches the network: the account is only built, never used.
    source = offline_source(mailboxes=(BOX,))
    yield source
    source.close()


def element(tag: str, inner: str) -> Any:
    return etree.fromstring(
        f'<t:{tag} xmlns:t="{T}"><t:ItemId Id="I1" ChangeKey="C"/>{inner}</t:{tag}>'
    )


BERLIN_ALL_DAY = (
    "<t:Subject>Holiday</t:Subject><t:Start>2024-04-30T22:00:00Z</t:Start>"
    "<t:End>2024-05-01T22:00:00Z</t:End><t:IsAllDayEvent>true</t:IsAllDayEvent>"
    "<t:CalendarItemType>Single</t:CalendarItemType>"
    '<t:StartTimeZone Id="W. Europe Standard Time"/><t:EndTimeZone Id="W. Europe Standard Time"/>'
)
ATTENDEES = (
    "<t:Organizer><t:Mailbox><t:Name>Org</t:Name><t:EmailAddress>org@x.example</t:EmailAddress>"
    "</t:Mailbox></t:Organizer>"
    "<t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>a@x.example</t:EmailAddress>"
    "</t:Mailbox></t:Attendee><t:Attendee><t:Mailbox><t:Name>No address</t:Name></t:Mailbox>"
    "</t:Attendee></t:RequiredAttendees>"
    "<t:OptionalAttendees><t:Attendee><t:Mailbox><t:EmailAddress>B@x.example</t:EmailAddress>"
    "</t:Mailbox></t:Attendee></t:OptionalAttendees>"
    "<t:Resources><t:Attendee><t:Mailbox><t:EmailAddress>room@x.example</t:EmailAddress>"
    "</t:Mailbox></t:Attendee></t:Resources>"
    "<t:Location>  Room 1  </t:Location>"
    "<t:Start>2024-05-01T11:00:00+02:00</t:Start><t:End>2024-05-01T10:00:00Z</t:End>"
    "<t:LastModifiedTime>2024-04-01T08:00:00Z</t:LastModifiedTime>"
    "<t:Categories><t:String>Red</t:String></t:Categories>"
    '<t:Body BodyType="Text">  Agenda  </t:Body>'
)
ATTACHMENTS = (
    "<t:Attachments>"
    '<t:ItemAttachment><t:AttachmentId Id="A2"/><t:Name>fwd</t:Name>'
    "<t:LastModifiedTime>2024-05-01T10:00:00Z</t:LastModifiedTime></t:ItemAttachment>"
    '<t:FileAttachment><t:AttachmentId Id="A1"/><t:Name>a.pdf</t:Name>'
    "<t:ContentType>application/pdf</t:ContentType><t:Size>1234</t:Size>"
    "<t:IsInline>true</t:IsInline></t:FileAttachment>"
    "</t:Attachments><t:HasAttachments>true</t:HasAttachments>"
)


def series(pattern: str, boundary: str) -> str:
    return (
        "<t:Subject>Series</t:Subject><t:CalendarItemType>RecurringMaster</t:CalendarItemType>"
        "<t:Start>2024-01-01T09:00:00Z</t:Start><t:End>2024-01-01T10:00:00Z</t:End>"
        f"<t:Recurrence>{pattern}{boundary}</t:Recurrence>"
    )


NO_END = "<t:NoEndRecurrence><t:StartDate>2024-01-01Z</t:StartDate></t:NoEndRecurrence>"
UNTIL = (
    "<t:EndDateRecurrence><t:StartDate>2024-01-01Z</t:StartDate>"
    "<t:EndDate>2025-01-01+02:00</t:EndDate></t:EndDateRecurrence>"
)
TEN_TIMES = (
    "<t:NumberedRecurrence><t:StartDate>2024-01-01Z</t:StartDate>"
    "<t:NumberOfOccurrences>10</t:NumberOfOccurrences></t:NumberedRecurrence>"
)
# Each pattern the mapping words, with the words the Graph source gives the same series.
SERIES = {
    "daily": (
        "<t:DailyRecurrence><t:Interval>2</t:Interval></t:DailyRecurrence>",
        NO_END,
        "every 2 days",
    ),
    "weekly": (
        "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Wednesday</t:DaysOfWeek>"
        "<t:FirstDayOfWeek>Sunday</t:FirstDayOfWeek></t:WeeklyRecurrence>",
        UNTIL,
        "weekly on Monday, Wednesday until 2025-01-01",
    ),
    "absolute monthly": (
        "<t:AbsoluteMonthlyRecurrence><t:Interval>3</t:Interval><t:DayOfMonth>15</t:DayOfMonth>"
        "</t:AbsoluteMonthlyRecurrence>",
        TEN_TIMES,
        "every 3 months on day 15, 10 times",
    ),
    "relative monthly": (
        "<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek>"
        "<t:DayOfWeekIndex>Last</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>",
        NO_END,
        "monthly on the last Monday, Tuesday, Wednesday, Thursday, Friday",
    ),
    "absolute yearly": (
        "<t:AbsoluteYearlyRecurrence><t:DayOfMonth>14</t:DayOfMonth><t:Month>February</t:Month>"
        "</t:AbsoluteYearlyRecurrence>",
        NO_END,
        "yearly on February 14",
    ),
    "relative yearly": (
        "<t:RelativeYearlyRecurrence><t:DaysOfWeek>Thursday</t:DaysOfWeek>"
        "<t:DayOfWeekIndex>Fourth</t:DayOfWeekIndex><t:Month>November</t:Month>"
        "</t:RelativeYearlyRecurrence>",
        "<t:EndDateRecurrence><t:StartDate>2024-01-01Z</t:StartDate>"
        "<t:EndDate>2030-12-31Z</t:EndDate></t:EndDateRecurrence>",
        "yearly on the fourth Thursday of November until 2030-12-31",
    ),
}


@pytest.mark.parametrize("name", sorted(SERIES))
def test_each_recurrence_pattern_reads_the_same_both_ways(name: str, offline: EwsSource) -> None:
    pattern, boundary, words = SERIES[name]
    facts = assert_same_both_ways(element("CalendarItem", series(pattern, boundary)), offline)
    assert facts.recurrence == words
    doc = mapping.event_document(facts, mailbox=BOX, calendar=None)
    assert doc["meeting_type"] == "recurring series" and doc["recurrence"] == words


BARE_END = series(
    "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>",
    "<t:EndDateRecurrence><t:StartDate>2024-01-01</t:StartDate>"
    "<t:EndDate>2025-01-01</t:EndDate></t:EndDateRecurrence>",
)


def test_a_bare_end_date_reads_the_same_both_ways(offline: EwsSource) -> None:
    facts = assert_same_both_ways(element("CalendarItem", BARE_END), offline)
    assert facts.recurrence == "daily until 2025-01-01"


def test_a_bare_end_date_is_the_day_written_whatever_the_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    assert read_event(element("CalendarItem", BARE_END)).recurrence == "daily until 2025-01-01"


def test_an_all_day_event_keeps_its_day_in_its_zone(offline: EwsSource) -> None:
    facts = assert_same_both_ways(element("CalendarItem", BERLIN_ALL_DAY), offline)
    doc = mapping.event_document(facts, mailbox=BOX, calendar=None)
    assert doc["is_all_day"] is True
    # Midnight in Berlin is 22:00 UTC the day before; the day meant is kept.
    assert (doc["start_date"], doc["end_date"]) == ("2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z")


def test_an_all_day_event_without_a_zone_reads_the_same_both_ways(offline: EwsSource) -> None:
    inner = BERLIN_ALL_DAY.split("<t:StartTimeZone")[0]
    facts = assert_same_both_ways(element("CalendarItem", inner), offline)
    assert facts.start_zone is None and facts.is_all_day


def test_a_meeting_with_attendees_and_attachments_reads_the_same_both_ways(
    offline: EwsSource,
) -> None:
    facts = assert_same_both_ways(element("CalendarItem", ATTENDEES + ATTACHMENTS), offline)
    doc = mapping.event_document(facts, mailbox=BOX, calendar=None)
    assert doc["organizer"] == "org@x.example"
    assert doc["attendees"] == ["a@x.example", "b@x.example", "room@x.example"]
    assert doc["location"] == "Room 1"
    # The server's order: the attached item first, as it sent them.
    assert [r[0].name for r in refs(offline, facts, documents.CALENDAR_ATTACHMENT)] == [
        "fwd",
        "a.pdf",
    ]


CONTACT = (
    "<t:Subject>Dana</t:Subject><t:DisplayName>Dana Scully</t:DisplayName>"
    "<t:GivenName>Dana</t:GivenName><t:Surname>Scully</t:Surname>"
    "<t:EmailAddresses>"
    '<t:Entry Key="EmailAddress1">dana@fbi.example</t:Entry>'
    '<t:Entry Key="EmailAddress2" Name="Dana.Home@x.example"/>'
    '<t:Entry Key="EmailAddress3">DANA@fbi.example</t:Entry>'
    "</t:EmailAddresses>"
    "<t:PhoneNumbers>"
    '<t:Entry Key="BusinessPhone">+1 202 555 0100</t:Entry><t:Entry Key="HomePhone"/>'
    '<t:Entry Key="MobilePhone">+1 202 555 0199</t:Entry>'
    "</t:PhoneNumbers>"
    "<t:CompanyName>FBI</t:CompanyName><t:JobTitle>Agent</t:JobTitle>"
    "<t:Department>X-Files</t:Department><t:Birthday>1964-02-23T11:59:00Z</t:Birthday>"
    '<t:Body BodyType="Text">Trust no one</t:Body>'
    "<t:Categories><t:String>Work</t:String></t:Categories>"
    "<t:LastModifiedTime>2024-05-01T09:30:00Z</t:LastModifiedTime>"
)


def test_a_contact_with_several_addresses_and_phones_reads_the_same_both_ways(
    offline: EwsSource,
) -> None:
    facts = assert_same_both_ways(element("Contact", CONTACT), offline)
    doc = mapping.contact_document(facts, mailbox=BOX)
    assert doc["email_addresses"] == ["dana@fbi.example", "dana.home@x.example"]
    assert doc["contact_numbers"] == ["+1 202 555 0100", "+1 202 555 0199"]
    assert doc["birthday"] == "1964-02-23"


@pytest.mark.parametrize(
    "birthday",
    ["1964-02-23T11:59:00Z", "1964-02-23T00:00:00+02:00", "1964-02-22T23:00:00-05:00"],
)
def test_birthdays_read_the_same_both_ways(birthday: str, offline: EwsSource) -> None:
    assert_same_both_ways(element("Contact", f"<t:Birthday>{birthday}</t:Birthday>"), offline)


def test_a_contact_named_only_by_its_parts_reads_the_same_both_ways(offline: EwsSource) -> None:
    facts = assert_same_both_ways(
        element("Contact", "<t:GivenName>Fox</t:GivenName><t:Surname>Mulder</t:Surname>"), offline
    )
    assert mapping.contact_document(facts, mailbox=BOX)["name"] == "Fox Mulder"


def test_a_distribution_list_reads_the_same_both_ways(offline: EwsSource) -> None:
    members = "".join(
        f"<t:Member><t:Mailbox><t:EmailAddress>{a}</t:EmailAddress></t:Mailbox></t:Member>"
        for a in ("a@x.example", "B@x.example", "a@x.example")
    )
    inner = (
        "<t:Subject>Team</t:Subject><t:DisplayName>Team</t:DisplayName>"
        f"<t:Members>{members}<t:Member><t:Status>Normal</t:Status></t:Member></t:Members>"
    )
    facts = assert_same_both_ways(element("DistributionList", inner), offline)
    doc = mapping.distribution_list_document(facts, mailbox=BOX)
    assert doc["name"] == "Team" and doc["email_addresses"] == ["a@x.example", "b@x.example"]


TASK = (
    "<t:Subject>File taxes</t:Subject><t:Status>InProgress</t:Status>"
    "<t:Importance>High</t:Importance>"
    # Midnight in Berlin sent in UTC: the day meant is the next one.
    "<t:StartDate>2024-03-31T22:00:00Z</t:StartDate><t:DueDate>2024-04-15T00:00:00+02:00</t:DueDate>"
    "<t:CompleteDate>2024-04-10T15:30:00Z</t:CompleteDate>"
    '<t:Body BodyType="Text">Receipts in the drawer</t:Body>'
    "<t:LastModifiedTime>2024-04-10T15:30:00Z</t:LastModifiedTime>"
)


def test_a_task_with_its_dates_reads_the_same_both_ways(offline: EwsSource) -> None:
    facts = assert_same_both_ways(element("Task", TASK + ATTACHMENTS), offline)
    doc = mapping.task_document(facts, mailbox=BOX, task_list="Tasks")
    assert doc["status"] == "inProgress" and doc["importance"] == "high"
    assert doc["start_date"] == "2024-04-01T00:00:00Z"
    assert doc["due_date"] == "2024-04-15T00:00:00Z"
    assert doc["complete_date"] == "2024-04-10T15:30:00Z"
    assert doc["attachment_names"] == ["fwd", "a.pdf"]


@pytest.mark.parametrize("tag", sorted(KINDS))
def test_items_with_nothing_but_an_id_read_the_same_both_ways(tag: str, offline: EwsSource) -> None:
    assert_same_both_ways(element(tag, ""), offline)


# -- what the fast readers leave to exchangelib -------------------------------------------

# Each is read by exchangelib in a way of its own (a zone guessed from the account, a value
# dropped with a warning...): the item is read the general way instead of guessed at here.
UNREAD: dict[str, tuple[str, str, type]] = {
    "a time without a zone": (
        "CalendarItem",
        "<t:Start>2024-05-01T09:30:00</t:Start>",
        CalendarItem,
    ),
    "fractions of a second": (
        "Task",
        "<t:CompleteDate>2024-05-01T09:30:00.5Z</t:CompleteDate>",
        Task,
    ),
    "an unknown time zone": (
        "CalendarItem",
        '<t:StartTimeZone Id="Atlantis Standard Time"/>',
        CalendarItem,
    ),
    "a boolean spelt otherwise": (
        "CalendarItem",
        "<t:IsAllDayEvent>1</t:IsAllDayEvent>",
        CalendarItem,
    ),
    "a task regeneration in an event": (
        "CalendarItem",
        series("<t:DailyRegeneration><t:Interval>2</t:Interval></t:DailyRegeneration>", NO_END),
        CalendarItem,
    ),
    "an unknown weekday": (
        "CalendarItem",
        series(
            "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Funday</t:DaysOfWeek>"
            "</t:WeeklyRecurrence>",
            NO_END,
        ),
        CalendarItem,
    ),
    "a contact's unreadable date": (
        "Contact",
        "<t:LastModifiedTime>yesterday</t:LastModifiedTime>",
        Contact,
    ),
    "a member list's unreadable date": (
        "DistributionList",
        "<t:LastModifiedTime>2024-05-01</t:LastModifiedTime>",
        DistributionList,
    ),
}
KIND_OF = {"CalendarItem": "calendar", "Task": "tasks", "Contact": "contacts"}


@pytest.mark.filterwarnings("ignore:Cannot convert value")  # exchangelib's, of the unknown zone
@pytest.mark.parametrize("name", sorted(UNREAD))
def test_a_value_the_fast_readers_do_not_know_is_read_the_general_way(
    name: str, offline: EwsSource
) -> None:
    tag, inner, model = UNREAD[name]
    elem = element(tag, inner)
    with pytest.raises(UnreadableItem):
        KINDS[tag]["read"](copy.deepcopy(elem))
    account = offline.connection.account(BOX)
    item = TextGetItem(account=account, kind=KIND_OF.get(tag, "contacts"))._elem_to_obj(elem)
    assert type(item) is model
    # ...and the document is the one exchangelib's object gives, as before.
    KINDS[tag]["document"](item)


def test_the_sync_reads_a_folders_own_kind_fast_and_other_items_as_before(
    offline: EwsSource,
) -> None:
    account = offline.connection.account(BOX)
    event = element("CalendarItem", BERLIN_ALL_DAY)
    read: Callable[[str | None], Any] = lambda kind: TextGetItem(  # noqa: E731
        account=account, kind=kind
    )._elem_to_obj(copy.deepcopy(event))
    assert isinstance(read("calendar"), EventFacts)
    # An event in a mail folder becomes a mail document from exchangelib's object, as it did.
    assert isinstance(read("mail"), CalendarItem)
    assert isinstance(read(None), CalendarItem)
    assert isinstance(
        TextGetItem(account=account, kind="contacts")._elem_to_obj(element("Contact", CONTACT)),
        ContactFacts,
    )
    assert isinstance(
        TextGetItem(account=account, kind="tasks")._elem_to_obj(element("Task", TASK)), TaskFacts
    )
    message = element("Message", "<t:Subject>Hi</t:Subject>")
    # Mails are read fast in every folder, as before.
    assert isinstance(
        TextGetItem(account=account, kind="tasks")._elem_to_obj(message), MessageFacts
    )


def test_instants_are_utc() -> None:
    facts = read_event(element("CalendarItem", ATTENDEES))
    assert facts.start == dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)
    assert facts.start is not None and facts.start.utcoffset() == dt.timedelta(0)
