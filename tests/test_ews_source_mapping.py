"""EWS items → documents, without a server: the values users search on."""

from __future__ import annotations

import datetime as dt

import pytest
from exchangelib import EWSDate, EWSDateTime, EWSTimeZone, HTMLBody
from exchangelib.indexed_properties import EmailAddress, PhoneNumber
from exchangelib.items import CalendarItem, Contact, DistributionList, Message, Task
from exchangelib.properties import Attendee, ConversationId, Mailbox, Member
from exchangelib.recurrence import (
    AbsoluteYearlyPattern,
    DailyPattern,
    EndDatePattern,
    NoEndPattern,
    NumberedPattern,
    Recurrence,
    RelativeMonthlyPattern,
    WeeklyPattern,
)

from outlook_connector.sources.ews import mapping
from outlook_connector.sources.ews.services import nearest_day

UTC = EWSTimeZone("UTC")
BERLIN = EWSTimeZone("Europe/Berlin")
NEW_YORK = EWSTimeZone("America/New_York")


def ews_utc(*args: int) -> EWSDateTime:
    return EWSDateTime(*args, tzinfo=UTC)


def test_mail_fields_match_the_graph_document_shape() -> None:
    item = Message(
        id="AAMkMSG1",
        subject="Quarterly report",
        sender=Mailbox(email_address="Bob@Contoso.Example", name="Bob"),
        to_recipients=[Mailbox(email_address="Alice@contoso.example"), Mailbox(name="no address")],
        cc_recipients=[Mailbox(email_address="carol@contoso.example")],
        bcc_recipients=[],
        importance="High",
        categories=["Finance"],
        body="Numbers are up.",
        datetime_received=EWSDateTime(2024, 5, 1, 10, 0, tzinfo=BERLIN),
        datetime_sent=ews_utc(2024, 5, 1, 7, 59, 30),
        last_modified_time=ews_utc(2024, 5, 2, 0, 0),
        conversation_id=ConversationId(id="CONV1"),
        has_attachments=True,
        message_id="<abc@contoso.example>",
    )
    doc = mapping.mail_document(
        item, mailbox="Alice@contoso.example", object_type="Inbox Mails", folder="Inbox"
    )
    assert doc == {
        "id": "AAMkMSG1",
        "type": "Inbox Mails",
        "title": "Quarterly report",
        "mailbox": "alice@contoso.example",
        "_timestamp": "2024-05-02T00:00:00Z",
        "sender": "bob@contoso.example",
        "to_recipients": ["alice@contoso.example"],
        "cc_recipients": ["carol@contoso.example"],
        "importance": "high",
        "categories": ["Finance"],
        "message": "Numbers are up.",
        "received_at": "2024-05-01T08:00:00Z",  # 10:00 in Berlin (summer time) is 08:00 UTC
        "sent_at": "2024-05-01T07:59:30Z",
        "conversation_id": "CONV1",
        "folder": "Inbox",
        "has_attachments": True,
        "internet_message_id": "<abc@contoso.example>",
    }


def test_html_body_is_indexed_as_text() -> None:
    item = Message(id="M2", body=HTMLBody("<html><body><p>Hello <b>there</b></p></body></html>"))
    doc = mapping.mail_document(item, mailbox="a@x.example", object_type="Sent Mails", folder=None)
    assert doc["message"].split() == ["Hello", "there"]
    assert "<" not in doc["message"]


def test_contact_keeps_every_address_and_number() -> None:
    item = Contact(
        id="C1",
        display_name="Dana Doe",
        email_addresses=[
            EmailAddress(email="Dana@Example.com", label="EmailAddress1"),
            EmailAddress(email="dana.doe@example.org", label="EmailAddress2"),
        ],
        phone_numbers=[
            PhoneNumber(phone_number="+1 555 0100", label="BusinessPhone"),
            PhoneNumber(phone_number="+1 555 0199", label="MobilePhone"),
        ],
        company_name="Fabrikam",
        birthday=EWSDate(1990, 5, 1),
        job_title="Buyer",
        last_modified_time=ews_utc(2024, 1, 1),
    )
    doc = mapping.contact_document(item, mailbox="alice@contoso.example")
    assert doc["type"] == "Contact"
    assert doc["name"] == "Dana Doe"
    assert doc["email_addresses"] == ["dana@example.com", "dana.doe@example.org"]
    assert doc["contact_numbers"] == ["+1 555 0100", "+1 555 0199"]
    assert doc["company_name"] == "Fabrikam"
    assert doc["birthday"] == "1990-05-01"
    assert doc["job_title"] == "Buyer"


def test_distribution_list_lists_member_addresses() -> None:
    item = DistributionList(
        id="DL1",
        display_name="Team",
        members=[
            Member(mailbox=Mailbox(email_address="A@x.example")),
            Member(mailbox=Mailbox(name="nested group without address")),
        ],
        last_modified_time=ews_utc(2024, 1, 1),
    )
    doc = mapping.distribution_list_document(item, mailbox="alice@contoso.example")
    assert doc["type"] == "Distribution List"
    assert doc["name"] == "Team"
    assert doc["email_addresses"] == ["a@x.example"]


def test_event_in_utc_with_attendees_and_recurrence() -> None:
    item = CalendarItem(
        id="E1",
        subject="Stand-up",
        type="RecurringMaster",
        organizer=Mailbox(email_address="Bob@contoso.example"),
        required_attendees=[Attendee(mailbox=Mailbox(email_address="alice@contoso.example"))],
        optional_attendees=[Attendee(mailbox=Mailbox(email_address="carol@contoso.example"))],
        start=EWSDateTime(2024, 3, 4, 9, 0, tzinfo=NEW_YORK),
        end=EWSDateTime(2024, 3, 4, 9, 15, tzinfo=NEW_YORK),
        is_all_day=False,
        location="Room 1",
        body="Daily sync",
        recurrence=Recurrence(
            pattern=WeeklyPattern(interval=1, weekdays=[1, 3]),
            boundary=EndDatePattern(start=EWSDate(2024, 3, 4), end=EWSDate(2024, 6, 30)),
        ),
        last_modified_time=ews_utc(2024, 3, 1),
    )
    doc = mapping.event_document(item, mailbox="alice@contoso.example", calendar="Calendar")
    assert doc["meeting_type"] == "recurring series"
    assert doc["organizer"] == "bob@contoso.example"
    assert doc["attendees"] == ["alice@contoso.example", "carol@contoso.example"]
    assert doc["start_date"] == "2024-03-04T14:00:00Z"
    assert doc["end_date"] == "2024-03-04T14:15:00Z"
    assert doc["is_all_day"] is False
    assert doc["location"] == "Room 1"
    assert doc["content"] == "Daily sync"
    assert doc["recurrence"] == "weekly on Monday, Wednesday until 2024-06-30"
    assert doc["calendar"] == "Calendar"


def test_all_day_event_is_the_day_at_midnight_utc_whatever_its_zone() -> None:
    # 1 May in Berlin: EWS sends midnight Berlin time, i.e. 22:00 UTC the day before.
    item = CalendarItem(
        id="E2",
        subject="Holiday",
        type="Single",
        is_all_day=True,
        start=ews_utc(2024, 4, 30, 22, 0),
        end=ews_utc(2024, 5, 1, 22, 0),
        last_modified_time=ews_utc(2024, 3, 1),
    )
    item._start_timezone = BERLIN
    item._end_timezone = BERLIN
    doc = mapping.event_document(item, mailbox="alice@contoso.example", calendar=None)
    assert doc["meeting_type"] == "single"
    assert doc["is_all_day"] is True
    assert (doc["start_date"], doc["end_date"]) == ("2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z")
    # Without the zone the nearest midnight is the day meant.
    item._start_timezone = item._end_timezone = None
    doc = mapping.event_document(item, mailbox="alice@contoso.example", calendar=None)
    assert (doc["start_date"], doc["end_date"]) == ("2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z")


def test_meeting_types() -> None:
    assert mapping.MEETING_TYPES == {
        "Single": "single",
        "RecurringMaster": "recurring series",
        "Exception": "occurrence exception",
        "Occurrence": "occurrence",
    }


def test_task_fields() -> None:
    item = Task(
        id="T1",
        subject="File taxes",
        status="InProgress",
        importance="Low",
        categories=["Home"],
        start_date=EWSDate(2024, 4, 1),
        due_date=EWSDate(2024, 4, 15),
        complete_date=None,
        body="Receipts in the drawer",
        owner="Alice Example",
        last_modified_time=ews_utc(2024, 4, 2),
    )
    doc = mapping.task_document(item, mailbox="alice@contoso.example", task_list="Tasks")
    assert doc["type"] == "Task"
    assert doc["status"] == "inProgress"
    assert doc["importance"] == "low"
    assert doc["start_date"] == "2024-04-01T00:00:00Z"
    assert doc["due_date"] == "2024-04-15T00:00:00Z"
    assert "complete_date" not in doc
    assert doc["content"] == "Receipts in the drawer"
    assert doc["owner"] == "alice@contoso.example"  # the mailbox, as the Graph source writes
    assert doc["task_list"] == "Tasks"


def test_task_dates_sent_as_utc_instants_are_the_users_day() -> None:
    assert nearest_day("2024-04-30T22:00:00Z") == dt.date(2024, 5, 1)  # Berlin midnight
    assert nearest_day("2024-05-01T04:00:00Z") == dt.date(2024, 5, 1)  # New York midnight
    assert nearest_day("2024-05-01T00:00:00+02:00") == dt.date(2024, 5, 1)
    assert nearest_day("garbage") is None


def test_recurrence_in_the_graph_sources_words() -> None:
    def text(pattern: object, boundary: object) -> str | None:
        return mapping.recurrence_text(Recurrence(pattern=pattern, boundary=boundary))

    start = EWSDate(2024, 1, 1)
    assert text(DailyPattern(interval=2), NoEndPattern(start=start)) == "every 2 days"
    assert (
        text(
            RelativeMonthlyPattern(interval=1, weekday=5, week_number=5),
            NumberedPattern(start=start, number=10),
        )
        == "monthly on the last Friday, 10 times"
    )
    assert (
        text(
            RelativeMonthlyPattern(interval=3, weekday=9, week_number=1), NoEndPattern(start=start)
        )
        == "every 3 months on the first Monday, Tuesday, Wednesday, Thursday, Friday"
    )
    assert (
        text(AbsoluteYearlyPattern(day_of_month=14, month=2), NoEndPattern(start=start))
        == "yearly on February 14"
    )
    assert mapping.recurrence_text(None) is None


def test_times_never_depend_on_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        assert mapping.utc(ews_utc(2024, 1, 1, 0, 0)) == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        assert mapping.all_day_bound(ews_utc(2024, 4, 30, 22, 0), None) == dt.datetime(
            2024, 5, 1, tzinfo=dt.UTC
        )
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
