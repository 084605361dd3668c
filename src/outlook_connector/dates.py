"""Dates as users write them in rules: ISO 8601, or relative to now (``now-90d``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

RELATIVE = re.compile(r"^now(?:\s*([+-])\s*(\d+)\s*([smhdwy]))?$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_date(value: str, now: datetime | None = None) -> datetime:
    """ISO 8601 date or date-time (naive = UTC), or ``now``, ``now-90d``, ``now+2w``..."""
    text = value.strip()
    match = RELATIVE.match(text)
    if match:
        moment = now or datetime.now(UTC)
        sign, amount, unit = match.groups()
        if amount is None:
            return moment
        unit = unit.lower()
        delta = (
            timedelta(days=365 * int(amount))
            if unit == "y"
            else timedelta(**{_UNITS[unit]: int(amount)})
        )
        return moment + delta if sign == "+" else moment - delta
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


