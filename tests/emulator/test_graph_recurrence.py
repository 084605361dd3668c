"""RRULEs shown as Graph's patternedRecurrence, and expanded into calendar view occurrences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outlook_emulator.graph.recurrence import occurrences, pattern
from outlook_emulator.tenant.model import Event, Recurrence


def _event(start: datetime, rrule: str, tz: str = "UTC", exdates=()) -> Event:
    return Event(
        id="e1", path="calendar/e.ics", folder_id="f", created=start, last_modified=start,
        start=start, end=start.replace(hour=start.hour + 1),
        recurrence=Recurrence(rrule=rrule, exdates=list(exdates), timezone=tz),
    )


def test_weekly_series_keeps_local_time_across_daylight_saving():
    event = _event(datetime(2025, 1, 6, 9, tzinfo=UTC),  # 10:00 in Berlin, winter time
                   "FREQ=WEEKLY;BYDAY=MO;UNTIL=20250801T000000Z", "W. Europe Standard Time")
    starts = occurrences(event, datetime(2025, 3, 20, tzinfo=UTC),
                         datetime(2025, 4, 10, tzinfo=UTC), set())
    assert [s.strftime("%m-%d %H:%M") for s in starts] == ["03-24 09:00", "03-31 08:00",
                                                          "04-07 08:00"]
    rec = pattern(event, event.recurrence)
    assert rec["pattern"]["type"] == "weekly" and rec["pattern"]["daysOfWeek"] == ["monday"]
    assert rec["range"] == {"type": "endDate", "startDate": "2025-01-06",
                            "endDate": "2025-08-01",
                            "recurrenceTimeZone": "W. Europe Standard Time",
                            "numberOfOccurrences": 0}


def test_exdates_and_exceptions_are_not_occurrences():
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    event = _event(start, "FREQ=DAILY;COUNT=4", exdates=[datetime(2024, 1, 2, 8, tzinfo=UTC)])
    moved = {datetime(2024, 1, 3, 8, tzinfo=UTC)}
    starts = occurrences(event, start, datetime(2024, 2, 1, tzinfo=UTC), moved)
    assert [s.day for s in starts] == [1, 4]
    assert pattern(event, event.recurrence)["range"]["numberOfOccurrences"] == 4


@pytest.mark.parametrize(("rrule", "expected"), [
    ("FREQ=MONTHLY;BYDAY=2TU", {"type": "relativeMonthly", "daysOfWeek": ["tuesday"],
                                "index": "second"}),
    ("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1", {"type": "relativeMonthly", "index": "last"}),
    ("FREQ=MONTHLY;BYMONTHDAY=15", {"type": "absoluteMonthly", "dayOfMonth": 15}),
    ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1", {"type": "absoluteYearly", "month": 3,
                                            "dayOfMonth": 1}),
    ("FREQ=DAILY;INTERVAL=2", {"type": "daily", "interval": 2}),
])
def test_patterns(rrule, expected):
    event = _event(datetime(2024, 1, 9, 9, tzinfo=UTC), rrule)
    rec = pattern(event, event.recurrence)
    assert {k: rec["pattern"][k] for k in expected} == expected
    assert rec["range"]["type"] == "noEnd"
