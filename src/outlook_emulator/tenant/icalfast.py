"""A fast reader for plain iCalendar files, in front of the icalendar library.

icalendar spends about 2 ms on even a tiny file; a generated tenant has tens
of thousands of them. Most files are plain: UTC or IANA-zone times, no time
zone definitions. This reader takes those in a fraction of the time and
offers the small part of icalendar's component interface that ical.py reads
(``get``, ``in``, ``.params``, ``.dt``, ``.dts``, ``to_ical``). Anything else
(a VTIMEZONE, a zone name only a VTIMEZONE or Windows mapping explains, a
structure it does not expect) makes it return None, and icalendar reads the
file instead.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ITEMS = ("VEVENT", "VTODO")
_TEXT = {"SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "X-ALT-DESC"}
_UNESCAPE = re.compile(r"\\(.)", re.S)
_DURATION = re.compile(
    r"([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", re.I
)
_LINE_BREAK = re.compile(r"\r\n|\n|\r")


class Prop(str):
    """A property value (unescaped for text) with its parameters and typed readings."""

    params: dict[str, str]
    raw: str

    def __new__(cls, raw: str, params: dict[str, str], text: bool) -> Prop:
        value = _UNESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), raw)
        prop = super().__new__(cls, value if text else raw)
        prop.params, prop.raw = params, raw
        return prop

    def to_ical(self) -> bytes:
        return self.raw.encode("utf-8")

    @property
    def dt(self) -> datetime | date | timedelta:
        if self.raw.strip().lstrip("+-")[:1].upper() == "P":
            return _duration(self.raw)
        return _when(self.raw.strip(), self.params)

    @property
    def dts(self) -> list[Any]:
        return [Prop(part, self.params, text=False) for part in self.raw.split(",") if part]


class SimpleComponent(dict[str, Any]):
    """A VEVENT or VTODO: property name -> Prop, or a list of Props when it repeats."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.lines: list[str] = []

    def add(self, name: str, prop: Prop) -> None:
        if name not in self:
            self[name] = prop
        elif isinstance(self[name], list):
            self[name].append(prop)
        else:
            self[name] = [self[name], prop]

    def to_ical(self) -> bytes:
        return ("\r\n".join(self.lines) + "\r\n").encode("utf-8")


def read_simple(data: bytes) -> list[SimpleComponent] | None:
    """The VEVENTs and VTODOs of a plain file; None when icalendar should read it."""
    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # icalendar keeps a bare CR inside the value; so must we, so leave it
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    components: list[SimpleComponent] = []
    stack: list[str] = []
    for line in _unfold(text):
        if not line.strip():
            continue
        upper = line[:16].upper()
        if upper.startswith(("BEGIN:", "END:")):
            if not _nest(line, stack, components):
                return None
            continue
        if len(stack) == 2 and stack[1] in _ITEMS:
            if not _add_line(components[-1], line):
                return None
        elif len(stack) > 2 and stack[1] in _ITEMS:
            components[-1].lines.append(line)
        elif not stack:
            return None  # content outside VCALENDAR: let icalendar judge it
    return components if not stack else None


def _nest(line: str, stack: list[str], components: list[SimpleComponent]) -> bool:
    keyword, _, name = line.partition(":")
    keyword, name = keyword.strip().upper(), name.strip().upper()
    if keyword == "BEGIN":
        if name == "VTIMEZONE" or (not stack and name != "VCALENDAR"):
            return False
        stack.append(name)
        if len(stack) == 2 and name in _ITEMS:
            components.append(SimpleComponent(name))
    elif not stack or stack[-1] != name:
        return False
    if len(stack) >= 2 and stack[1] in _ITEMS:
        components[-1].lines.append(line)  # nested VALARMs stay in the source, unread
    if keyword == "END":
        stack.pop()
    return True


def _add_line(component: SimpleComponent, line: str) -> bool:
    component.lines.append(line)
    head, sep, value = _split_unquoted(line, ":")
    if not sep:
        return False
    fields = _split_all(head, ";")
    name = fields[0].strip().upper()
    params: dict[str, str] = {}
    for field in fields[1:]:
        key, has_value, pvalue = field.partition("=")
        if not has_value:
            return False
        params[key.strip().upper()] = pvalue.strip().strip('"')
    tzid = params.get("TZID")
    if tzid is not None and _zone(tzid) is None:
        return False
    component.add(name, Prop(value, params, text=name in _TEXT))
    return True


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in _LINE_BREAK.split(text):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    return lines


def _split_unquoted(line: str, separator: str) -> tuple[str, str, str]:
    if '"' not in line:
        return line.partition(separator)
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            return line[:index], separator, line[index + 1 :]
    return line, "", ""


def _split_all(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    while True:
        before, sep, text = _split_unquoted(text, separator)
        parts.append(before)
        if not sep:
            return parts


def _zone(tzid: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _when(value: str, params: dict[str, str]) -> datetime | date:
    if params.get("VALUE", "").upper() == "DATE" or len(value) == 8:
        return datetime.strptime(value, "%Y%m%d").date()
    if value.endswith(("Z", "z")):
        return datetime.strptime(value[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    moment = datetime.strptime(value, "%Y%m%dT%H%M%S")
    tzid = params.get("TZID")
    return moment.replace(tzinfo=_zone(tzid)) if tzid else moment


def _duration(value: str) -> timedelta:
    match = _DURATION.fullmatch(value.strip())
    if match is None or not any(match.groups()[1:]):
        raise ValueError(f"not an iCalendar duration: {value!r}")
    sign, weeks, days, hours, minutes, seconds = match.groups()
    delta = timedelta(
        weeks=int(weeks or 0),
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=int(seconds or 0),
    )
    return -delta if sign == "-" else delta
