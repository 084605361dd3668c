"""iCalendar details: Outlook time zones, durations, floating times, components in the wrong
folder, attachments by value and by reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outlook_emulator.tenant import ical
from outlook_emulator.tenant.common import ItemContext, UnrepresentableFile
from outlook_emulator.tenant.ical import parse_calendar
from outlook_emulator.tenant.model import Event, Task

CTX = ItemContext("a@contoso.example", "calendar/x.ics", "F", datetime(2024, 1, 1, tzinfo=UTC))

OUTLOOK_ZONE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


def ics(*components: str) -> bytes:
    return ("BEGIN:VCALENDAR\nVERSION:2.0\n" + "".join(components) + "END:VCALENDAR\n").encode()


def event(*lines: str) -> str:
    return "BEGIN:VEVENT\n" + "".join(f"{line}\n" for line in lines) + "END:VEVENT\n"


def only_event(data: bytes) -> Event:
    items, notes = parse_calendar(data, CTX, "calendar")
    assert notes == [] and len(items) == 1
    assert isinstance(items[0], Event)
    return items[0]


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [("20240115", 9), ("20240715", 8)],  # winter: UTC+1, summer: UTC+2
)
def test_outlook_windows_time_zones_convert_to_utc(day: str, utc_hour: int) -> None:
    found = only_event(
        ics(
            OUTLOOK_ZONE,
            event(
                "UID:w",
                f"DTSTART;TZID=W. Europe Standard Time:{day}T100000",
                f"DTEND;TZID=W. Europe Standard Time:{day}T110000",
                "SUMMARY:Sync",
            ),
        )
    )
    assert found.start is not None and found.start.hour == utc_hour
    assert found.start.tzinfo == UTC and found.start_timezone == "W. Europe Standard Time"


def test_iana_zone_without_definition_duration_and_online_meeting() -> None:
    found = only_event(
        ics(
            event(
                "UID:d",
                "DTSTART;TZID=America/New_York:20240110T090000",
                "DURATION:PT1H30M",
                "SUMMARY:Call",
                "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.example/l/x",
                "X-MICROSOFT-CDO-BUSYSTATUS:OOF",
                "PRIORITY:1",
            )
        )
    )
    assert found.start == datetime(2024, 1, 10, 14, 0, tzinfo=UTC)
    assert found.end == found.start + timedelta(minutes=90)
    assert found.is_online_meeting and found.online_meeting_url == "https://teams.example/l/x"
    assert found.show_as == "oof" and found.importance == "high"


def test_floating_times_are_taken_as_utc() -> None:
    found = only_event(ics(event("UID:f", "DTSTART:20240110T090000", "SUMMARY:Floating")))
    assert found.start == datetime(2024, 1, 10, 9, 0, tzinfo=UTC) and found.end == found.start


def test_attachments_by_value_only() -> None:
    found = only_event(
        ics(
            event(
                "UID:a",
                "DTSTART:20240110T090000Z",
                "SUMMARY:With files",
                "ATTACH;FMTTYPE=text/csv;ENCODING=BASE64;VALUE=BINARY;FILENAME=a.csv:YSxiCjEsMgo=",
                "ATTACH:https://files.example/agenda.pdf",
            )
        )
    )
    assert [(a.name, a.content_type, a.content) for a in found.attachments] == [
        ("a.csv", "text/csv", b"a,b\n1,2\n")
    ]


def test_components_in_the_wrong_folder_are_skipped_with_a_reason() -> None:
    mixed = ics(
        event("UID:e", "DTSTART:20240110T090000Z", "SUMMARY:E"),
        "BEGIN:VTODO\nUID:t\nSUMMARY:T\nEND:VTODO\n",
    )
    events, notes = parse_calendar(mixed, CTX, "calendar")
    assert [type(i) for i in events] == [Event]
    assert notes and "VTODO" in notes[0] and "tasks/" in notes[0]
    tasks, notes = parse_calendar(mixed, CTX, "tasks")
    assert [type(i) for i in tasks] == [Task]
    assert notes and "VEVENT" in notes[0]
    with pytest.raises(UnrepresentableFile, match="no VTODO"):
        parse_calendar(ics(event("UID:e", "DTSTART:20240110T090000Z")), CTX, "tasks")


def test_an_event_without_a_start_costs_only_itself() -> None:
    data = ics(
        event("UID:1", "SUMMARY:No start"),
        event("UID:2", "DTSTART:20240110T090000Z", "SUMMARY:Fine"),
    )
    items, notes = parse_calendar(data, CTX, "calendar")
    assert [i.subject for i in items if isinstance(i, Event)] == ["Fine"]
    assert items[0].path == "calendar/x.ics#1"
    assert notes == ["VEVENT 1: no DTSTART"]


def test_not_icalendar_at_all() -> None:
    with pytest.raises(UnrepresentableFile):
        parse_calendar(b"\x89PNG\r\n\x1a\n", CTX, "calendar")
    with pytest.raises(UnrepresentableFile, match="empty"):
        parse_calendar(b"  \n", CTX, "calendar")


@pytest.mark.parametrize("reader", ["fast", "icalendar"])
def test_a_broken_end_counts_as_absent_on_either_reader(
    reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if reader == "icalendar":
        monkeypatch.setattr(ical, "read_simple", lambda data: None)
    found = only_event(
        ics(
            event(
                "UID:b", "DTSTART:20240110T090000Z", "DTEND:2024011O-garbage", "SUMMARY:Broken end"
            )
        )
    )
    assert found.start == datetime(2024, 1, 10, 9, 0, tzinfo=UTC) and found.end == found.start


def test_an_unreadable_recurrence_rule_is_cleaned_or_dropped() -> None:
    from outlook_emulator.tenant.ical import _valid_rrule

    assert _valid_rrule("FREQ=DAILY;INTERVAL=1\\") == "FREQ=DAILY;INTERVAL=1"
    assert _valid_rrule("FREQ=DAILY;UNTIL=20250101") == "FREQ=DAILY;UNTIL=20250101"
    assert _valid_rrule("FREQ=WEEKLY;UNTIL=20250101T000000Z") == "FREQ=WEEKLY;UNTIL=20250101T000000Z"
    assert _valid_rrule("FREQ=SOMETIMES") is None
