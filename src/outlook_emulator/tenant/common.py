"""What every file parser of the tenant loader shares: where an item sits, and how it fails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from outlook_emulator.tenant import ids


class UnrepresentableFile(Exception):  # noqa: N818 - reads as "this file is unrepresentable"
    """A file that cannot become an item: the message says why, for Tenant.skipped."""


@dataclass(frozen=True)
class ItemContext:
    """Where the items parsed from one file go, and what to fall back on."""

    mailbox: str  # lower-case primary address
    path: str  # the file's path relative to the mailbox folder, "/"-separated
    folder_id: str
    file_time: datetime  # the file's modification time (aware, UTC)

    def entry_path(self, position: int) -> str:
        """The path of the ``position``-th item of a file holding several (vCard, iCalendar)."""
        return self.path if position == 0 else f"{self.path}#{position}"

    def entry_id(self, position: int) -> str:
        return ids.item_id(self.mailbox, self.entry_path(position))


def as_utc(value: datetime | date | None) -> datetime | None:
    """An aware UTC datetime; naive (floating) times are taken as UTC, dates as midnight UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=UTC)
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def decode_text(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset as text; an unknown or wrong charset never raises."""
    candidates = [c for c in (charset, "utf-8") if c]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeError, ValueError):  # unknown, wrong, or garbled name
            continue
    # Undeclared 8-bit text is most often Windows-1252; keep whatever cannot be read visible.
    try:
        return data.decode(charset or "cp1252", errors="replace")
    except (LookupError, UnicodeError, ValueError):
        return data.decode("cp1252", errors="replace")
