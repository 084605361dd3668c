"""A series' recurrence in words, from exchangelib's pattern objects or straight from XML.

The words are exactly those the Graph source gives Graph's pattern:
"weekly on Monday, Wednesday until 2025-01-01", "every 2 days, 10 times",
"monthly on the last Friday", "yearly on February 14".

Element names: EWS reference, "Recurrence (RecurrenceType)",
"DailyRecurrence", "WeeklyRecurrence", "AbsoluteMonthlyRecurrence",
"RelativeMonthlyRecurrence", "AbsoluteYearlyRecurrence",
"RelativeYearlyRecurrence", "NoEndRecurrence", "EndDateRecurrence",
"NumberedRecurrence", "DaysOfWeek", "DayOfWeekIndex", "Month".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from outlook_connector.sources.ews.itemxml import T, UnreadableItem, text

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# EWS's DaysOfWeek values Day, Weekday and WeekendDay, as the days Graph lists for them.
_DAY_GROUPS: dict[int, tuple[str, ...]] = {
    8: _WEEKDAYS,
    9: _WEEKDAYS[:5],
    10: _WEEKDAYS[5:],
}
_ADVERBS = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
_WEEK_INDEX = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "last"}
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Pattern:
    """What the words of a pattern depend on; ``kind`` is exchangelib's class name."""

    kind: str
    interval: int | None = None
    weekdays: Any = None  # a day number, or a list of them (1 = Monday ... 10 = weekend day)
    day_of_month: int | None = None
    month: int | None = None
    week_number: int | None = None


def pattern_words(pattern: Pattern) -> str | None:
    interval = pattern.interval
    index = _WEEK_INDEX.get(pattern.week_number or 1, "first")
    kind = pattern.kind
    if kind == "DailyPattern":
        return _every("day", interval)
    if kind == "WeeklyPattern":
        return f"{_every('week', interval)} on {_days(pattern.weekdays)}"
    if kind == "AbsoluteMonthlyPattern":
        return f"{_every('month', interval)} on day {pattern.day_of_month}"
    if kind == "RelativeMonthlyPattern":
        return f"{_every('month', interval)} on the {index} {_days(pattern.weekdays)}"
    if kind == "AbsoluteYearlyPattern":
        return f"yearly on {_month(pattern.month)} {pattern.day_of_month}"
    if kind == "RelativeYearlyPattern":
        month = _month(pattern.month)
        days = _days(pattern.weekdays)
        return f"yearly on the {index} {days}" + (f" of {month}" if month else "")
    return None  # task regeneration patterns: not a calendar series


def series_words(pattern: str | None, end: Any, number: int | None) -> str | None:
    """The pattern's words and the series' end: a day, a number of times, or none."""
    if pattern is None:
        return None
    if end is not None:
        return f"{pattern} until {_day(end)}"
    if number:
        return f"{pattern}, {number} time{'s' if number != 1 else ''}"
    return pattern


def _day(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value.isoformat()) if hasattr(value, "isoformat") else str(value)


def _every(unit: str, interval: int | None) -> str:
    if not interval or interval == 1:
        return _ADVERBS[unit]
    return f"every {interval} {unit}s"


def _days(value: Any) -> str:
    """EWS day numbers (1 = Monday; 8 day, 9 weekday, 10 weekend day) as Graph lists them."""
    numbers = [value] if isinstance(value, int) else [int(d) for d in value or ()]
    names: list[str] = []
    for number in numbers:
        names.extend(_DAY_GROUPS.get(number, (_WEEKDAYS[(number - 1) % 7],)))
    return ", ".join(names)


def _month(value: int | None) -> str:
    return _MONTHS[(value - 1) % 12] if value else ""


# -- straight from GetItem's XML ---------------------------------------------------------

_PATTERNS = {
    f"{T}DailyRecurrence": "DailyPattern",
    f"{T}WeeklyRecurrence": "WeeklyPattern",
    f"{T}AbsoluteMonthlyRecurrence": "AbsoluteMonthlyPattern",
    f"{T}RelativeMonthlyRecurrence": "RelativeMonthlyPattern",
    f"{T}AbsoluteYearlyRecurrence": "AbsoluteYearlyPattern",
    f"{T}RelativeYearlyRecurrence": "RelativeYearlyPattern",
}
_BOUNDARIES = {f"{T}{n}" for n in ("NoEndRecurrence", "EndDateRecurrence", "NumberedRecurrence")}
_DAY_NAMES = (*_WEEKDAYS, "Day", "Weekday", "WeekendDay")
_WEEK_NUMBERS = ("First", "Second", "Third", "Fourth", "Last")
# An xs:date with a zone ("2025-01-01Z", "2025-01-01+02:00"): exchangelib reads the date as written.
_ZONED_DATE = re.compile(r"(\d{4}-\d\d-\d\d)(Z|[+-]\d\d:\d\d)")
_BARE_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_UTC_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def read_recurrence(elem: Any) -> str | None:
    """The words of a calendar item's ``t:Recurrence``; ``None`` without one."""
    found = elem.find(f"{T}Recurrence")
    if found is None:
        return None
    pattern: Pattern | None = None
    boundary: Any = None
    for child in found:
        if child.tag in _PATTERNS:
            pattern = _pattern(child, _PATTERNS[child.tag])
        elif child.tag in _BOUNDARIES:
            boundary = child
        else:
            raise UnreadableItem(f"a recurrence part {child.tag!r}")
    if pattern is None:
        return None
    # exchangelib's EndDatePattern has only an end, its NumberedPattern only a number.
    end = _end(boundary) if _is(boundary, "EndDateRecurrence") else None
    number = (
        _integer(boundary, "NumberOfOccurrences") if _is(boundary, "NumberedRecurrence") else None
    )
    return series_words(pattern_words(pattern), end, number)


def _is(elem: Any, name: str) -> bool:
    return elem is not None and bool(elem.tag == f"{T}{name}")


def _pattern(elem: Any, kind: str) -> Pattern:
    weekdays: Any = None
    days = text(elem, "DaysOfWeek")
    if days is not None:
        if kind == "WeeklyPattern":
            weekdays = [_enum(d, _WEEKDAYS, "DaysOfWeek") for d in days.split(" ")]
        else:
            weekdays = _enum(days, _DAY_NAMES, "DaysOfWeek")
    week = text(elem, "DayOfWeekIndex")
    month = text(elem, "Month")
    return Pattern(
        kind=kind,
        interval=_integer(elem, "Interval"),
        weekdays=weekdays,
        day_of_month=_integer(elem, "DayOfMonth"),
        month=_enum(month, _MONTHS, "Month") if month is not None else None,
        week_number=_enum(week, _WEEK_NUMBERS, "DayOfWeekIndex") if week is not None else None,
    )


def _enum(value: str, names: tuple[str, ...], name: str) -> int:
    """A name's 1-based position, as exchangelib's EnumField keeps it."""
    if value not in names:
        raise UnreadableItem(f"{name} {value!r} is not one of the documented values")
    return names.index(value) + 1


def _integer(elem: Any, name: str) -> int | None:
    value = text(elem, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise UnreadableItem(f"{name} {value!r} is not a number") from None


def _end(boundary: Any) -> dt.date | None:
    value = text(boundary, "EndDate")
    if value is None:
        return None
    zoned = _ZONED_DATE.fullmatch(value)
    if zoned:
        return dt.date.fromisoformat(zoned.group(1))
    if _UTC_INSTANT.fullmatch(value):
        return dt.datetime.fromisoformat(value).date()
    if _BARE_DATE.fullmatch(value):
        # The day as written. (exchangelib takes it for midnight in the machine's
        # zone and then the UTC date of that: the same day on a machine in UTC,
        # the day before on one east of it.)
        return dt.date.fromisoformat(value)
    raise UnreadableItem(f"EndDate {value!r} is not in a form read here")
