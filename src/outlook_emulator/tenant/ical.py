"""iCalendar files (.ics) as events (calendar folders) and tasks (the tasks folder)."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component

from outlook_emulator.tenant import ids
from outlook_emulator.tenant.common import ItemContext, UnrepresentableFile, as_utc
from outlook_emulator.tenant.htmltext import html_to_text
from outlook_emulator.tenant.icalfast import read_simple
from outlook_emulator.tenant.model import (
    Attachment,
    Attendee,
    EmailAddress,
    Event,
    Item,
    Recurrence,
    Task,
)

log = logging.getLogger(__name__)

Importance = Literal["low", "normal", "high"]
Kind = Literal["calendar", "tasks"]
_WANTED = {"calendar": "VEVENT", "tasks": "VTODO"}
_SHOW_AS = {
    "FREE": "free",
    "TENTATIVE": "tentative",
    "BUSY": "busy",
    "OOF": "oof",
    "WORKINGELSEWHERE": "workingElsewhere",
}
_SENSITIVITY = {"PUBLIC": "normal", "PRIVATE": "private", "CONFIDENTIAL": "confidential"}
_PARTSTAT = {
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "tentativelyAccepted",
    "NEEDS-ACTION": "notResponded",
}
_TASK_STATUS = {
    "NEEDS-ACTION": "notStarted",
    "IN-PROCESS": "inProgress",
    "COMPLETED": "completed",
    "CANCELLED": "deferred",
}
_MEETING_URL_PROPS = ("X-MICROSOFT-SKYPETEAMSMEETINGURL", "X-GOOGLE-CONFERENCE")


def parse_calendar(data: bytes, ctx: ItemContext, kind: Kind) -> tuple[list[Item], list[str]]:
    """The events (``kind="calendar"``) or tasks (``"tasks"``) of a .ics file, plus notes on
    the components left out."""
    if not data.strip():
        raise UnrepresentableFile("empty file")
    components, timezones = _read(data)
    wanted = _WANTED[kind]
    chosen = [c for c in components if c.name == wanted]
    notes = _wrong_kind_notes(components, wanted, kind)
    if not chosen:
        found = ", ".join(sorted({c.name for c in components})) or "no VEVENT or VTODO"
        raise UnrepresentableFile(f"no {wanted} in a {kind} file ({found})")
    build: Callable[..., Item] = _event if kind == "calendar" else _task
    masters = _master_ids(chosen, ctx)
    items: list[Item] = []
    for position, component in enumerate(chosen):
        try:
            item = build(component, position, ctx, masters)
        except UnrepresentableFile as error:
            notes.append(f"{wanted} {position + 1}: {error}")
            continue
        except Exception as error:  # a broken property surfaces when first read
            notes.append(f"{wanted} {position + 1} cannot be read: {error}")
            continue
        item.source_bytes = data if len(chosen) == 1 else _alone(component, timezones)
        items.append(item)
    return items, notes


def _read(data: bytes) -> tuple[list[Any], list[Component]]:
    """The VEVENTs and VTODOs of the file, and its time zone definitions."""
    simple = read_simple(data)
    if simple is not None:
        return simple, []
    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except Exception as error:  # icalendar raises ValueError and friends on any broken line
        raise UnrepresentableFile(f"not a readable iCalendar file: {error}") from error
    components = [c for cal in calendars for c in cal.walk() if c.name in ("VEVENT", "VTODO")]
    return components, [c for cal in calendars for c in cal.walk("VTIMEZONE")]


def _wrong_kind_notes(components: list[Component], wanted: str, kind: Kind) -> list[str]:
    other = [c for c in components if c.name != wanted]
    if not other:
        return []
    home = "tasks/" if other[0].name == "VTODO" else "a calendar folder"
    return [
        f"{len(other)} {other[0].name} component(s) in a {kind} folder skipped: they belong in {home}"
    ]


def _master_ids(components: list[Component], ctx: ItemContext) -> dict[str, str]:
    return {
        str(c.get("UID", "")): ctx.entry_id(position)
        for position, c in enumerate(components)
        if "RECURRENCE-ID" not in c
    }


def _alone(component: Component, timezones: list[Component]) -> bytes:
    # One component with the time zones it may refer to, as a calendar of its own.
    body = b"".join(tz.to_ical() for tz in timezones) + component.to_ical()
    return (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Outlook Emulator//EN\r\n"
        + body
        + (b"END:VCALENDAR\r\n")
    )


# --- property readers --------------------------------------------------------------------------


def _text(component: Component, name: str) -> str | None:
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value is not None and str(value).strip() else None


def _first(component: Component, name: str) -> Any:
    """A property that should occur once; a repeated one (it happens) counts by its first."""
    prop = component.get(name)
    if isinstance(prop, list):
        return prop[0] if prop else None
    return prop


def _reading(prop: Any) -> Any:
    """A property's typed value; None for a value that does not parse (icalendar raises an
    AttributeError subclass, the fast reader a ValueError): a broken value counts as absent."""
    try:
        return getattr(prop, "dt", None)
    except (AttributeError, ValueError, OverflowError):
        return None


def _when(component: Component, name: str) -> datetime | date | None:
    value = _reading(_first(component, name))
    return value if isinstance(value, date) else None


def _stamp(component: Component, *names: str) -> datetime | None:
    for name in names:
        value = as_utc(_when(component, name))
        if value is not None:
            return value
    return None


def _day(component: Component, name: str) -> datetime | None:
    """A task's start or due date: a day, held as midnight UTC.

    Exchange keeps task start and due dates as dates (Outlook's task form and
    To Do have no time for them), so a time in the file keeps only the day it
    falls on where it was written.
    """
    value = _when(component, name)
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _address(prop: Any) -> EmailAddress | None:
    if prop is None:
        return None
    address = str(prop).strip()
    address = re.sub(r"^mailto:", "", address, flags=re.I).lower()
    params = getattr(prop, "params", {})
    name = params.get("CN")
    if not address:
        return None
    return EmailAddress(address=address, name=str(name) if name else None)


def _listed(component: Component, name: str) -> list[Any]:
    value = component.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _categories(component: Component) -> list[str]:
    found: list[str] = []
    for prop in _listed(component, "CATEGORIES"):
        raw = prop.to_ical().decode("utf-8", "replace") if hasattr(prop, "to_ical") else str(prop)
        found.extend(c.replace("\\,", ",").strip() for c in re.split(r"(?<!\\),", raw))
    return [c for c in found if c]


def _importance(component: Component) -> Importance:
    try:
        priority = int(str(component.get("PRIORITY", "0")))
    except ValueError:
        return "normal"
    if 1 <= priority <= 4:
        return "high"
    if priority >= 6:
        return "low"
    return "normal"


def _attachments(component: Component, owner_id: str, ctx: ItemContext) -> list[Attachment]:
    attachments: list[Attachment] = []
    for prop in _listed(component, "ATTACH"):
        params = getattr(prop, "params", {})
        if str(params.get("VALUE", "")).upper() != "BINARY":
            log.info(
                "%s/%s: ATTACH by reference (%s) is not an attachment",
                ctx.mailbox,
                ctx.path,
                str(prop)[:100],
            )
            continue
        position = len(attachments)
        name = params.get("FILENAME") or params.get("X-FILENAME") or params.get("X-LABEL")
        attachments.append(
            Attachment(
                id=ids.attachment_id(owner_id, position),
                name=str(name) if name else f"attachment-{position + 1}",
                content_type=str(params.get("FMTTYPE") or "application/octet-stream"),
                content=base64.b64decode(prop.to_ical(), validate=False),
            )
        )
    return attachments


# --- events ------------------------------------------------------------------------------------


def _event(component: Component, position: int, ctx: ItemContext, masters: dict[str, str]) -> Event:
    raw_start = _when(component, "DTSTART")
    if raw_start is None:
        raise UnrepresentableFile("no DTSTART")
    all_day = not isinstance(raw_start, datetime)
    start = as_utc(raw_start)
    assert start is not None
    tzid = str(_first(component, "DTSTART").params.get("TZID") or "UTC")
    modified = _stamp(component, "LAST-MODIFIED", "DTSTAMP") or ctx.file_time
    item_id = ctx.entry_id(position)
    uid = str(component.get("UID", "")) or item_id
    recurrence_id = as_utc(_when(component, "RECURRENCE-ID"))
    html = _html_description(component)
    url = next((u for p in _MEETING_URL_PROPS if (u := _text(component, p))), None)
    event = Event(
        id=item_id,
        path=ctx.entry_path(position),
        folder_id=ctx.folder_id,
        created=_stamp(component, "CREATED") or modified,
        last_modified=modified,
        categories=_categories(component),
        uid=uid,
        subject=_text(component, "SUMMARY") or "",
        body_text=_text(component, "DESCRIPTION") or html_to_text(html or ""),
        body_html=html,
        location=_text(component, "LOCATION"),
        start=start,
        end=_end(component, start, all_day),
        is_all_day=all_day,
        start_timezone=tzid,
        organizer=_address(component.get("ORGANIZER")),
        attendees=[a for p in _listed(component, "ATTENDEE") if (a := _attendee(p))],
        recurrence=_recurrence(component, tzid),
        series_master_id=masters.get(uid) if recurrence_id else None,
        original_start=recurrence_id,
        is_cancelled=str(component.get("STATUS", "")).upper() == "CANCELLED",
        importance=_importance(component),
        sensitivity=_SENSITIVITY.get(str(component.get("CLASS", "")).upper(), "normal"),  # type: ignore[arg-type]
        show_as=_show_as(component),  # type: ignore[arg-type]
        is_online_meeting=url is not None,
        online_meeting_url=url,
    )
    event.attachments = _attachments(component, item_id, ctx)
    return event


def _end(component: Component, start: datetime, all_day: bool) -> datetime:
    end = as_utc(_when(component, "DTEND"))
    if end is not None:
        return end
    duration = _reading(_first(component, "DURATION"))
    if isinstance(duration, timedelta):
        return start + duration
    return start + timedelta(days=1) if all_day else start


def _html_description(component: Component) -> str | None:
    for prop in _listed(component, "X-ALT-DESC"):
        if str(getattr(prop, "params", {}).get("FMTTYPE", "")).lower() == "text/html":
            return str(prop)
    return None


def _show_as(component: Component) -> str:
    busy = str(component.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper()
    if busy in _SHOW_AS:
        return _SHOW_AS[busy]
    return "free" if str(component.get("TRANSP", "")).upper() == "TRANSPARENT" else "busy"


def _attendee(prop: Any) -> Attendee | None:
    email = _address(prop)
    if email is None:
        return None
    params = getattr(prop, "params", {})
    role = str(params.get("ROLE", "REQ-PARTICIPANT")).upper()
    cutype = str(params.get("CUTYPE", "")).upper()
    kind = (
        "resource"
        if cutype in ("RESOURCE", "ROOM")
        else ("required" if role in ("REQ-PARTICIPANT", "CHAIR") else "optional")
    )
    response = _PARTSTAT.get(str(params.get("PARTSTAT", "")).upper(), "none")
    return Attendee(email=email, kind=kind, response=response)  # type: ignore[arg-type]


def _recurrence(component: Component, tzid: str) -> Recurrence | None:
    rules = _listed(component, "RRULE")
    if not rules:
        return None
    exdates: list[datetime] = []
    for prop in _listed(component, "EXDATE"):
        for value in getattr(prop, "dts", []):
            stamp = as_utc(_reading(value))
            if stamp is not None:
                exdates.append(stamp)
    rule = _valid_rrule(rules[0].to_ical().decode("utf-8", "replace"))
    if rule is None:
        return None
    return Recurrence(rrule=rule, exdates=sorted(exdates), timezone=tzid)


def _parses(rule: str) -> bool:
    # A UNTIL in UTC needs an aware start, a floating UNTIL a naive one: either will do.
    for start in (datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 1)):
        try:
            rrulestr(rule, dtstart=start)
        except (ValueError, TypeError, OverflowError):
            continue
        return True
    return False


_RULE_JUNK = re.compile(r"[^A-Z0-9=;,+:-]")


def _valid_rrule(rule: str) -> str | None:
    """The rule if it parses (stray characters cleaned away), else None.

    Exchange stores only recurrences it understands; a rule that cannot be read
    leaves a single event, which is logged.
    """
    for candidate in (rule, _RULE_JUNK.sub("", rule.upper())):
        if _parses(candidate):
            return candidate
    log.warning("recurrence rule %r cannot be read; the event is kept as a single event", rule)
    return None


# --- tasks -------------------------------------------------------------------------------------


def _task(component: Component, position: int, ctx: ItemContext, masters: dict[str, str]) -> Task:
    del masters  # tasks have no series here
    modified = _stamp(component, "LAST-MODIFIED", "DTSTAMP") or ctx.file_time
    item_id = ctx.entry_id(position)
    try:
        percent = int(str(component.get("PERCENT-COMPLETE", "0")))
    except ValueError:
        percent = 0
    status = _TASK_STATUS.get(str(component.get("STATUS", "")).upper(), "notStarted")
    completed = _stamp(component, "COMPLETED")
    if completed is not None and status == "notStarted":
        status = "completed"
    task = Task(
        id=item_id,
        path=ctx.entry_path(position),
        folder_id=ctx.folder_id,
        created=_stamp(component, "CREATED") or modified,
        last_modified=modified,
        categories=_categories(component),
        uid=str(component.get("UID", "")) or item_id,
        title=_text(component, "SUMMARY") or "",
        body_text=_text(component, "DESCRIPTION") or "",
        status=status,  # type: ignore[arg-type]
        importance=_importance(component),
        start=_day(component, "DTSTART"),
        due=_day(component, "DUE"),
        completed=completed,
        owner=_address(component.get("ORGANIZER")) or EmailAddress(address=ctx.mailbox),
        percent_complete=max(0, min(100, percent)),
    )
    task.attachments = _attachments(component, item_id, ctx)
    return task
