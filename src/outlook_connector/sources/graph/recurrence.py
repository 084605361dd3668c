"""A recurring series' pattern in words: "weekly on Monday, Wednesday until 2025-01-01"."""

from __future__ import annotations

from typing import Any

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_UNITS = {
    "daily": "day",
    "weekly": "week",
    "absoluteMonthly": "month",
    "relativeMonthly": "month",
    "absoluteYearly": "year",
    "relativeYearly": "year",
}
_ADVERBS = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}


def describe(recurrence: Any) -> str | None:
    """Human-readable text of a Graph ``patternedRecurrence``; ``None`` when there is none."""
    if not isinstance(recurrence, dict):
        return None
    pattern = recurrence.get("pattern") or {}
    kind = pattern.get("type")
    unit = _UNITS.get(kind or "")
    if unit is None:
        return None
    text = _every(unit, _interval(pattern))
    detail = _detail(str(kind), pattern)
    if detail:
        text += f" on {detail}"
    return text + _range(recurrence.get("range") or {})


def _interval(pattern: dict[str, Any]) -> int:
    try:
        return max(1, int(pattern.get("interval") or 1))
    except (TypeError, ValueError):
        return 1


def _every(unit: str, interval: int) -> str:
    return _ADVERBS[unit] if interval == 1 else f"every {interval} {unit}s"


def _days(pattern: dict[str, Any]) -> str:
    days = [str(d).capitalize() for d in pattern.get("daysOfWeek") or [] if d]
    return ", ".join(days)


def _month(pattern: dict[str, Any]) -> str:
    try:
        return _MONTHS[int(pattern.get("month") or 0) - 1]
    except (TypeError, ValueError, IndexError):
        return ""


def _detail(kind: str, pattern: dict[str, Any]) -> str:
    index = str(pattern.get("index") or "first")
    if kind == "weekly":
        return _days(pattern)
    if kind == "absoluteMonthly":
        day = pattern.get("dayOfMonth")
        return f"day {day}" if day else ""
    if kind == "relativeMonthly":
        return f"the {index} {_days(pattern)}" if _days(pattern) else ""
    if kind == "absoluteYearly":
        return " ".join(p for p in (_month(pattern), str(pattern.get("dayOfMonth") or "")) if p)
    if kind == "relativeYearly":
        month = _month(pattern)
        return f"the {index} {_days(pattern)}" + (f" of {month}" if month else "")
    return ""


def _range(rng: dict[str, Any]) -> str:
    kind = rng.get("type")
    if kind == "endDate" and rng.get("endDate"):
        return f" until {rng['endDate']}"
    if kind == "numbered" and rng.get("numberOfOccurrences"):
        count = rng["numberOfOccurrences"]
        return f", {count} time{'s' if count != 1 else ''}"
    return ""
