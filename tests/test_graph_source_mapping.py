"""Graph JSON → documents, with payloads shaped like Microsoft's documented examples."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outlook_connector.sources.graph import mapping
from outlook_connector.sources.graph.recurrence import describe
from outlook_connector.sources.graph.text import body_text
from outlook_connector.sources.graph.timezones import from_date_time_zone, parse_timestamp

# From "Get message" (v1.0), trimmed to the selected fields.
MESSAGE = {
    "id": "AAMkAGI1AAAoZCfHAAA=",
    "lastModifiedDateTime": "2017-08-30T20:01:08Z",
    "receivedDateTime": "2017-08-30T20:01:06Z",
    "sentDateTime": "2017-08-30T20:00:58Z",
    "hasAttachments": True,
    "internetMessageId": "<MWHPR1301MB2127@MWHPR1301MB2127.namprd13.prod.outlook.com>",
    "subject": "Welcome to Contoso",
    "importance": "High",
    "conversationId": "AAQkAGI1AAAQA8Y1Q==",
    "webLink": "https://outlook.office365.com/owa/?ItemID=AAMkAGI1AAAoZCfHAAA%3D",
    "categories": ["Red category"],
    "body": {"contentType": "text", "content": "Hello Megan,\r\nWelcome aboard.\r\n"},
    "sender": {"emailAddress": {"name": "Alex Wilber", "address": "AlexW@contoso.OnMicrosoft.com"}},
    "from": {"emailAddress": {"name": "Alex Wilber", "address": "AlexW@contoso.OnMicrosoft.com"}},
    "toRecipients": [
        {"emailAddress": {"name": "Megan Bowen", "address": "MeganB@contoso.OnMicrosoft.com"}},
        {"emailAddress": {"name": "No address"}},
    ],
    "ccRecipients": [{"emailAddress": {"address": "Lynne@contoso.com"}}],
    "bccRecipients": [],
}


def test_message_maps_every_field() -> None:
    doc = mapping.message_document(
        MESSAGE,
        mailbox="MeganB@contoso.OnMicrosoft.com",
        object_type="Inbox Mails",
        folder="Inbox",
        attachment_names=["menu.txt"],
    )
    assert doc == {
        "id": "AAMkAGI1AAAoZCfHAAA=",
        "type": "Inbox Mails",
        "title": "Welcome to Contoso",
        "mailbox": "meganb@contoso.onmicrosoft.com",
        "_timestamp": "2017-08-30T20:01:08Z",
        "url": "https://outlook.office365.com/owa/?ItemID=AAMkAGI1AAAoZCfHAAA%3D",
        "sender": "alexw@contoso.onmicrosoft.com",
        "to_recipients": ["meganb@contoso.onmicrosoft.com"],
        "cc_recipients": ["lynne@contoso.com"],
        "importance": "high",
        "categories": ["Red category"],
        "message": "Hello Megan,\r\nWelcome aboard.",
        "received_at": "2017-08-30T20:01:06Z",
        "sent_at": "2017-08-30T20:00:58Z",
        "conversation_id": "AAQkAGI1AAAQA8Y1Q==",
        "folder": "Inbox",
        "has_attachments": True,
        "internet_message_id": "<MWHPR1301MB2127@MWHPR1301MB2127.namprd13.prod.outlook.com>",
        "attachment_names": ["menu.txt"],
    }


def test_message_with_only_an_id_still_maps() -> None:
    doc = mapping.message_document(
        {"id": "x", "sender": None, "toRecipients": None, "body": None},
        mailbox="a@b.c",
        object_type="Sent Mails",
        folder=None,
    )
    assert doc == {
        "id": "x",
        "type": "Sent Mails",
        "title": "",
        "mailbox": "a@b.c",
        "has_attachments": False,
    }


@pytest.mark.parametrize("item", [None, "text", {}, {"id": ""}, {"id": 5}])
def test_an_item_without_an_id_is_malformed(item: object) -> None:
    with pytest.raises(mapping.MalformedItem):
        mapping.item_id(item)


# From "Get contact" (v1.0).
CONTACT = {
    "id": "AAMkAGI2THk0AAA=",
    "lastModifiedDateTime": "2017-06-19T21:45:13Z",
    "birthday": "1974-07-22T11:00:00Z",
    "displayName": "Pavel Bansky",
    "givenName": "Pavel",
    "surname": "Bansky",
    "jobTitle": "Engineer",
    "companyName": "Contoso",
    "department": "R&D",
    "businessPhones": ["+1 732 555 0102"],
    "homePhones": [],
    "mobilePhone": "+1 206 555 0110",
    "personalNotes": "",
    "categories": [],
    "emailAddresses": [
        {"address": "Pavelb@contoso.onmicrosoft.com", "name": "Pavel Bansky"},
        {"name": "no address"},
    ],
}


def test_contact_maps_names_addresses_numbers_and_birthday() -> None:
    doc = mapping.contact_document(CONTACT, mailbox="megan@contoso.com")
    assert doc["type"] == "Contact"
    assert doc["name"] == doc["title"] == "Pavel Bansky"
    assert doc["email_addresses"] == ["pavelb@contoso.onmicrosoft.com"]
    assert doc["contact_numbers"] == ["+1 732 555 0102", "+1 206 555 0110"]
    assert doc["company_name"] == "Contoso"
    assert doc["birthday"] == "1974-07-22"
    assert doc["job_title"] == "Engineer"
    assert doc["department"] == "R&D"
    assert "notes" not in doc and "categories" not in doc


def test_contact_without_display_name_uses_given_and_surname() -> None:
    doc = mapping.contact_document({"id": "c", "givenName": "Ann", "surname": "Lee"}, mailbox="m@x")
    assert doc["name"] == "Ann Lee"


# From "Get event" (v1.0): a weekly series in a Windows time zone.
EVENT = {
    "id": "AAMkAGIAAAoZDOFAAA=",
    "lastModifiedDateTime": "2017-04-21T10:00:00Z",
    "subject": "Orientation",
    "type": "seriesMaster",
    "isAllDay": False,
    "webLink": "https://outlook.office365.com/owa/?itemid=AAMkAGIAAAoZDOFAAA%3D",
    "body": {
        "contentType": "html",
        "content": "<html><body><p>Dana, this is the time</p></body></html>",
    },
    "start": {"dateTime": "2017-04-21T10:00:00.0000000", "timeZone": "Pacific Standard Time"},
    "end": {"dateTime": "2017-04-21T12:00:00.0000000", "timeZone": "Pacific Standard Time"},
    "location": {"displayName": "Assembly Hall"},
    "recurrence": {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"]},
        "range": {"type": "endDate", "startDate": "2017-04-21", "endDate": "2025-01-01"},
    },
    "attendees": [
        {"type": "required", "emailAddress": {"name": "Dana", "address": "DanaS@contoso.com"}},
        {"type": "optional", "emailAddress": {"name": "Alex", "address": "alexw@contoso.com"}},
    ],
    "organizer": {"emailAddress": {"name": "Megan", "address": "MeganB@contoso.com"}},
}


def test_event_maps_times_to_utc_and_describes_the_series() -> None:
    doc = mapping.event_document(EVENT, mailbox="meganb@contoso.com", calendar="Calendar")
    assert doc["title"] == "Orientation"
    assert doc["meeting_type"] == "recurring series"
    assert doc["organizer"] == "meganb@contoso.com"
    assert doc["attendees"] == ["danas@contoso.com", "alexw@contoso.com"]
    # 10:00 Pacific daylight time (UTC-7) in April.
    assert doc["start_date"] == "2017-04-21T17:00:00Z"
    assert doc["end_date"] == "2017-04-21T19:00:00Z"
    assert doc["location"] == "Assembly Hall"
    assert doc["content"] == "Dana, this is the time"
    assert doc["recurrence"] == "weekly on Monday, Wednesday until 2025-01-01"
    assert doc["calendar"] == "Calendar"
    assert doc["is_all_day"] is False


def test_single_event_has_no_recurrence() -> None:
    item = {**EVENT, "type": "singleInstance", "recurrence": None}
    doc = mapping.event_document(item, mailbox="m@x", calendar=None)
    assert doc["meeting_type"] == "single"
    assert "recurrence" not in doc


@pytest.mark.parametrize(
    ("recurrence", "text"),
    [
        ({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "noEnd"}}, "daily"),
        ({"pattern": {"type": "daily", "interval": 3}, "range": {}}, "every 3 days"),
        (
            {
                "pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["friday"]},
                "range": {"type": "numbered", "numberOfOccurrences": 10},
            },
            "every 2 weeks on Friday, 10 times",
        ),
        (
            {"pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 15}},
            "monthly on day 15",
        ),
        (
            {
                "pattern": {
                    "type": "relativeMonthly",
                    "interval": 1,
                    "daysOfWeek": ["thursday"],
                    "index": "last",
                }
            },
            "monthly on the last Thursday",
        ),
        (
            {"pattern": {"type": "absoluteYearly", "interval": 1, "month": 3, "dayOfMonth": 3}},
            "yearly on March 3",
        ),
        (
            {
                "pattern": {
                    "type": "relativeYearly",
                    "interval": 1,
                    "month": 11,
                    "daysOfWeek": ["thursday"],
                    "index": "fourth",
                }
            },
            "yearly on the fourth Thursday of November",
        ),
        ({"pattern": {"type": "unknown"}}, None),
        (None, None),
    ],
)
def test_recurrence_in_words(recurrence: object, text: str | None) -> None:
    assert describe(recurrence) == text


# From "Get todoTask" (v1.0).
TASK = {
    "id": "AlMKXwbQAAAJws6wcAAAA=",
    "importance": "low",
    "status": "notStarted",
    "title": "Shop for dinner",
    "categories": ["Errand"],
    "lastModifiedDateTime": "2020-07-08T23:00:00.6123459Z",
    "body": {"content": "<p>Milk</p><p>Eggs</p>", "contentType": "html"},
    "dueDateTime": {"dateTime": "2020-08-25T04:00:00.0000000", "timeZone": "UTC"},
    "startDateTime": {
        "dateTime": "2020-08-24T09:00:00.0000000",
        "timeZone": "W. Europe Standard Time",
    },
    "completedDateTime": {"dateTime": "2020-08-26T00:00:00.0000000", "timeZone": "Europe/Paris"},
    "hasAttachments": False,
}


def test_task_maps_status_dates_and_owner() -> None:
    doc = mapping.task_document(TASK, mailbox="Megan@contoso.com", task_list="Tasks")
    assert doc["title"] == "Shop for dinner"
    assert doc["status"] == "notStarted"
    assert doc["importance"] == "low"
    assert doc["categories"] == ["Errand"]
    assert doc["due_date"] == "2020-08-25T04:00:00Z"
    assert doc["start_date"] == "2020-08-24T07:00:00Z"  # Berlin summer time, UTC+2
    assert doc["complete_date"] == "2020-08-25T22:00:00Z"
    assert doc["content"] == "Milk\n\nEggs"
    assert doc["owner"] == "megan@contoso.com"
    assert doc["task_list"] == "Tasks"
    assert doc["_timestamp"] == "2020-07-08T23:00:00Z"


def test_timestamps_with_seven_fraction_digits_and_offsets() -> None:
    assert parse_timestamp("2020-07-08T23:00:00.6123459Z") == datetime(
        2020, 7, 8, 23, 0, 0, 612345, tzinfo=UTC
    )
    assert parse_timestamp("2020-07-08T23:00:00+02:00") == datetime(2020, 7, 8, 21, tzinfo=UTC)
    assert parse_timestamp("not a date") is None
    assert parse_timestamp(None) is None


def test_unknown_zone_is_taken_as_utc_and_junk_is_none() -> None:
    value = {"dateTime": "2024-01-01T10:00:00", "timeZone": "Nowhere Standard Time"}
    assert from_date_time_zone(value) == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert from_date_time_zone({"dateTime": "junk", "timeZone": "UTC"}) is None
    assert from_date_time_zone("2024-01-01") is None


def test_body_text_handles_html_text_and_empty() -> None:
    html = {"contentType": "html", "content": "<style>p{}</style><p>a&amp;b</p><br>c"}
    assert body_text(html) == "a&b\n\nc"
    assert body_text({"contentType": "text", "content": "  plain  "}) == "plain"
    assert body_text({"contentType": "text", "content": ""}) is None
    assert body_text(None) is None


def test_attachment_kind_from_odata_type() -> None:
    assert mapping.attachment_kind({"@odata.type": "#microsoft.graph.itemAttachment"}) == "item"
    assert (
        mapping.attachment_kind({"@odata.type": "#microsoft.graph.referenceAttachment"})
        == "reference"
    )
    assert mapping.attachment_kind({}) == "file"
