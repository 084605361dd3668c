"""Occurrences of recurring calendar items, for CalendarView.

A CalendarView returns single items, occurrences and exceptions that
overlap the window, never the recurring master (``calendarview.md``).
Occurrence ids name the master and the occurrence's original start, so
GetItem can answer for them without storing anything.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrule, rrulestr

from outlook_emulator.tenant.model import Event, Folder

OCCURRENCE_MARK = "~occ~"


def occurrence_id(master: Event, start: datetime) -> str:
    return f"{master.id}{OCCURRENCE_MARK}{start.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def split_occurrence_id(item_id: str) -> tuple[str, datetime] | None:
    master_id, mark, when = item_id.partition(OCCURRENCE_MARK)
    if not mark:
        return None
    try:
        start = datetime.strptime(when, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return master_id, start


def make_occurrence(master: Event, start: datetime) -> Event:
    """A copy of the master standing for one occurrence (CalendarItemType Occurrence)."""
    duration = (master.end - master.start) if master.end and master.start else timedelta(0)
    occ = copy.copy(master)
    occ.id = occurrence_id(master, start)
    occ.start = start
    occ.end = start + duration
    occ.original_start = start
    occ.series_master_id = master.id
    occ.recurrence = None
    occ.attachments = list(master.attachments)
    return occ


# Bounded series longer than this are cut short when summarised (a daily series over
# decades); Exchange itself limits expansion similarly.
MAX_EXPANSION = 5000


_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6})?Z?", re.IGNORECASE)


def series_rule(master: Event) -> rrule | None:
    """The series' rule anchored at its UTC start; None when the RRULE cannot be read.

    iCalendar allows a floating or date-only UNTIL, which dateutil refuses next to an
    aware start; such an UNTIL is read as UTC (a date as the end of that day).
    """
    assert master.recurrence is not None and master.start is not None
    start = master.start.astimezone(UTC)
    text = master.recurrence.rrule.removeprefix("RRULE:")
    for candidate in (text, _UNTIL.sub(_utc_until, text)):
        try:
            rule = rrulestr(candidate, dtstart=start)
        except (ValueError, TypeError):
            continue
        return rule if isinstance(rule, rrule) else None
    return None


def _utc_until(match: re.Match[str]) -> str:
    return f"UNTIL={match.group(1)}{match.group(2) or 'T235959'}Z"


def is_bounded(master: Event) -> bool:
    assert master.recurrence is not None
    rule = master.recurrence.rrule.upper()
    return "COUNT=" in rule or "UNTIL=" in rule


def series_starts(master: Event, limit: int = MAX_EXPANSION) -> list[datetime]:
    """The original starts of the series' occurrences, deleted ones left out."""
    assert master.recurrence is not None and master.start is not None
    rule = series_rule(master)
    if rule is None:
        return []
    excluded = {d.astimezone(UTC) for d in master.recurrence.exdates}
    out: list[datetime] = []
    for start in rule:
        if len(out) >= limit:
            break
        if start not in excluded:
            out.append(start)
    return out


def nth_start(master: Event, index: int) -> datetime | None:
    """The original start of occurrence ``index`` (1-based) of a series, deleted ones included."""
    assert master.recurrence is not None and master.start is not None
    rule = series_rule(master)
    if rule is None:
        return None
    for position, start in enumerate(rule, start=1):
        if position == index:
            return start
        if position > index:
            break
    return None


def is_deleted(master: Event, start: datetime) -> bool:
    assert master.recurrence is not None
    return start in {d.astimezone(UTC) for d in master.recurrence.exdates}


def expand(master: Event, window_start: datetime, window_end: datetime, limit: int) -> list[Event]:
    assert master.recurrence is not None and master.start is not None
    rule = series_rule(master)
    if rule is None:
        return []
    duration = (master.end - master.start) if master.end else timedelta(0)
    excluded = {d.astimezone(UTC) for d in master.recurrence.exdates}
    out: list[Event] = []
    for start in rule.xafter(window_start - duration, inc=True):
        if start >= window_end or len(out) >= limit:
            break
        if start in excluded or start + duration <= window_start:
            continue
        out.append(make_occurrence(master, start))
    return out


def calendar_view(
    folder: Folder, window_start: datetime, window_end: datetime, limit: int
) -> list[Event]:
    """Items overlapping the window: singles, occurrences (minus overridden ones), exceptions."""
    events = [i for i in folder.items.values() if isinstance(i, Event)]
    overridden = {
        (e.series_master_id, e.original_start.astimezone(UTC))
        for e in events
        if e.series_master_id and e.original_start
    }
    out: list[Event] = []
    for event in events:
        if event.start is None:
            continue
        if event.recurrence is None:
            end = event.end or event.start
            if event.start < window_end and end > window_start:
                out.append(event)
            continue
        for occ in expand(event, window_start, window_end, limit + len(overridden)):
            if (event.id, occ.start) not in overridden:
                out.append(occ)
    out.sort(key=lambda e: e.start)  # type: ignore[arg-type, return-value]
    return out
