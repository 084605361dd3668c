"""iCalendar RRULE → EWS ``Recurrence`` (a pattern plus a range).

References: ``recurrence-recurrencetype.md``, ``weeklyrecurrence.md``,
``absolutemonthlyrecurrence.md``, ``relativemonthlyrecurrence.md``,
``absoluteyearlyrecurrence.md``, ``relativeyearlyrecurrence.md``,
``dailyrecurrence.md``, ``noendrecurrence.md``, ``enddaterecurrence.md``,
``numberedrecurrence.md``. EWS patterns are coarser than RRULE: a rule EWS
cannot express (BYSETPOS lists, several BYMONTHDAYs) is rendered with the
nearest pattern, as Outlook does when it imports such a rule.
"""

from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from outlook_emulator.ews.soap import T, sub

_DAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_INDEX = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", -1: "Last", 5: "Last"}
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def parse_rrule(rrule: str) -> dict[str, str]:
    parts = (p.partition("=") for p in rrule.removeprefix("RRULE:").split(";") if p)
    return {key.upper(): value for key, _, value in parts}


def _split_byday(value: str) -> tuple[int | None, str]:
    """ "2TU" → (2, "TU"); "-1FR" → (-1, "FR"); "MO" → (None, "MO")."""
    code = value[-2:].upper()
    prefix = value[:-2]
    return (int(prefix) if prefix else None), code


def write_recurrence(parent: etree._Element, rrule: str, start: datetime) -> None:
    """Append ``t:Recurrence`` for ``rrule`` whose series starts at ``start``."""
    rule = parse_rrule(rrule)
    rec = sub(parent, T + "Recurrence")
    _write_pattern(rec, rule, start)
    _write_range(rec, rule, start.date())


def _write_pattern(rec: etree._Element, rule: dict[str, str], start: datetime) -> None:
    freq = rule.get("FREQ", "DAILY")
    interval = rule.get("INTERVAL", "1")
    bydays = [_split_byday(d) for d in rule.get("BYDAY", "").split(",") if d]
    if freq == "WEEKLY":
        days = [code for _, code in bydays] or [start.strftime("%a")[:2].upper()]
        el = sub(rec, T + "WeeklyRecurrence")
        sub(el, T + "Interval", interval)
        sub(el, T + "DaysOfWeek", " ".join(_DAYS[d] for d in days))
        if "WKST" in rule:
            sub(el, T + "FirstDayOfWeek", _DAYS.get(rule["WKST"], "Monday"))
    elif freq == "MONTHLY":
        _monthly(rec, rule, bydays, interval, start)
    elif freq == "YEARLY":
        _yearly(rec, rule, bydays, start)
    elif freq == "DAILY":
        el = sub(rec, T + "DailyRecurrence")
        sub(el, T + "Interval", interval)
    else:
        # HOURLY, MINUTELY, SECONDLY (or nonsense): no EWS pattern repeats within a day.
        raise ValueError(f"no EWS recurrence pattern for FREQ={freq}")


def _relative_index(rule: dict[str, str], bydays: list[tuple[int | None, str]]) -> int:
    if bydays and bydays[0][0] is not None:
        return bydays[0][0] or 1
    return int(rule.get("BYSETPOS", "1").split(",")[0])


def _monthly(
    rec: etree._Element, rule: dict[str, str], bydays: list, interval: str, start: datetime
) -> None:
    if bydays:
        el = sub(rec, T + "RelativeMonthlyRecurrence")
        sub(el, T + "Interval", interval)
        sub(el, T + "DaysOfWeek", _DAYS[bydays[0][1]])
        sub(el, T + "DayOfWeekIndex", _INDEX.get(_relative_index(rule, bydays), "First"))
        return
    el = sub(rec, T + "AbsoluteMonthlyRecurrence")
    sub(el, T + "Interval", interval)
    sub(el, T + "DayOfMonth", rule.get("BYMONTHDAY", str(start.day)).split(",")[0])


def _yearly(rec: etree._Element, rule: dict[str, str], bydays: list, start: datetime) -> None:
    month = _MONTHS[int(rule.get("BYMONTH", str(start.month)).split(",")[0]) - 1]
    if bydays:
        el = sub(rec, T + "RelativeYearlyRecurrence")
        sub(el, T + "DaysOfWeek", _DAYS[bydays[0][1]])
        sub(el, T + "DayOfWeekIndex", _INDEX.get(_relative_index(rule, bydays), "First"))
        sub(el, T + "Month", month)
        return
    el = sub(rec, T + "AbsoluteYearlyRecurrence")
    sub(el, T + "DayOfMonth", rule.get("BYMONTHDAY", str(start.day)).split(",")[0])
    sub(el, T + "Month", month)


def _write_range(rec: etree._Element, rule: dict[str, str], start: date) -> None:
    if "COUNT" in rule:
        el = sub(rec, T + "NumberedRecurrence")
        sub(el, T + "StartDate", start.isoformat())
        sub(el, T + "NumberOfOccurrences", rule["COUNT"])
    elif "UNTIL" in rule:
        el = sub(rec, T + "EndDateRecurrence")
        sub(el, T + "StartDate", start.isoformat())
        until = rule["UNTIL"]
        sub(el, T + "EndDate", f"{until[0:4]}-{until[4:6]}-{until[6:8]}")
    else:
        el = sub(rec, T + "NoEndRecurrence")
        sub(el, T + "StartDate", start.isoformat())
