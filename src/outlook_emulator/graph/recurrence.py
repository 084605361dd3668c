"""iCalendar RRULEs as Graph's patternedRecurrence, and their occurrences.

"patternedRecurrence", "recurrencePattern" and "recurrenceRange" resource
types (learn.microsoft.com/graph/api/resources/patternedrecurrence): pattern
types daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly,
relativeYearly; range types endDate, noEnd, numbered.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from dateutil.rrule import rrulestr

from outlook_emulator.graph import timezones
from outlook_emulator.tenant.model import Event, Recurrence

_DAYS = {"MO": "monday", "TU": "tuesday", "WE": "wednesday", "TH": "thursday",
         "FR": "friday", "SA": "saturday", "SU": "sunday"}
_WEEKDAYS = list(_DAYS.values())
_INDEX = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def zone(name: str | None) -> tzinfo:
    """The zone named (IANA or Windows name); UTC for an unknown name."""
    return timezones.zone(name) or UTC


def _parts(rrule: str) -> dict[str, str]:
    out = {}
    for part in rrule.removeprefix("RRULE:").split(";"):
        key, _, value = part.partition("=")
        out[key.upper()] = value
    return out


def _split_day(value: str) -> tuple[int | None, str]:
    """'2TU' -> (2, 'tuesday'); 'TU' -> (None, 'tuesday')."""
    digits, code = value[:-2], value[-2:].upper()
    return (int(digits) if digits not in ("", "+") else None), _DAYS.get(code, "monday")


def pattern(event: Event, recurrence: Recurrence) -> dict[str, Any]:
    parts = _parts(recurrence.rrule)
    local = (event.start or datetime.now(UTC)).astimezone(zone(recurrence.timezone))
    freq = parts.get("FREQ", "DAILY")
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    setpos = int(parts["BYSETPOS"]) if parts.get("BYSETPOS", "").lstrip("-").isdigit() else None
    pat: dict[str, Any] = {
        "type": "daily", "interval": int(parts.get("INTERVAL", "1") or 1), "month": 0,
        "dayOfMonth": 0, "firstDayOfWeek": _DAYS.get(parts.get("WKST", "SU"), "sunday"),
        "index": "first",
    }
    if freq == "WEEKLY":
        pat["type"] = "weekly"
        pat["daysOfWeek"] = [_split_day(d)[1] for d in days] or [_WEEKDAYS[local.weekday()]]
    elif freq in ("MONTHLY", "YEARLY"):
        yearly = freq == "YEARLY"
        if yearly:
            pat["month"] = int(parts.get("BYMONTH", local.month) or local.month)
        index = _split_day(days[0])[0] if days else None
        if days and (index is not None or setpos is not None):
            pat["type"] = "relativeYearly" if yearly else "relativeMonthly"
            pat["daysOfWeek"] = [_split_day(d)[1] for d in days]
            pat["index"] = _INDEX.get(index if index is not None else setpos or 1, "first")
        else:
            pat["type"] = "absoluteYearly" if yearly else "absoluteMonthly"
            pat["dayOfMonth"] = int(parts.get("BYMONTHDAY", local.day) or local.day)
    return {"pattern": pat, "range": _range(parts, local, recurrence.timezone)}


def _range(parts: dict[str, str], local: datetime, tz: str) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "noEnd", "startDate": local.date().isoformat(),
                           "endDate": "0001-01-01", "recurrenceTimeZone": tz or "UTC",
                           "numberOfOccurrences": 0}
    if "COUNT" in parts:
        out["type"] = "numbered"
        out["numberOfOccurrences"] = int(parts["COUNT"])
    elif "UNTIL" in parts:
        out["type"] = "endDate"
        until = _parse_until(parts["UNTIL"], local.tzinfo or UTC)
        out["endDate"] = until.date().isoformat()
    return out


def _parse_until(value: str, tz: tzinfo) -> datetime:
    if len(value) == 8:
        return datetime.strptime(value, "%Y%m%d").replace(tzinfo=tz)
    parsed = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    return parsed.replace(tzinfo=UTC if value.endswith("Z") else tz).astimezone(tz)


def occurrences(
    event: Event, window_start: datetime, window_end: datetime, skip: set[datetime]
) -> list[datetime]:
    """Start times (UTC) of the series' occurrences that overlap the window.

    ``skip`` holds original starts (UTC) replaced by exceptions.
    """
    recurrence = event.recurrence
    if recurrence is None or event.start is None:
        return []
    duration = (event.end or event.start) - event.start
    local_start = event.start.astimezone(zone(recurrence.timezone))
    rule = _fit_until(recurrence.rrule.removeprefix("RRULE:"), local_start)
    excluded = {d.astimezone(UTC) for d in recurrence.exdates} | skip
    starts = rrulestr(rule, dtstart=local_start).between(
        window_start - duration, window_end, inc=True
    )
    out = []
    for start in starts:
        utc = start.astimezone(UTC)
        if utc in excluded or not (utc < window_end and utc + duration > window_start):
            continue
        out.append(utc)
    return out


def _fit_until(rule: str, dtstart: datetime) -> str:
    """dateutil wants UNTIL in UTC ('Z') when DTSTART is aware; make date-only UNTIL so."""
    parts = _parts(rule)
    until = parts.get("UNTIL")
    if until is None or until.endswith("Z"):
        return rule
    end = _parse_until(until, dtstart.tzinfo or UTC)
    if len(until) == 8:
        end = end.replace(hour=23, minute=59, second=59)
    parts["UNTIL"] = end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{k}={v}" for k, v in parts.items())
