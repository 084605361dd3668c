"""Calendars and events.

- calendar resource, "List calendars" (learn.microsoft.com/graph/api/resources/calendar);
- event resource, "List events" (single instances and series masters),
  "Get event", "List calendarView" and "event: delta" on a calendarView
  (learn.microsoft.com/graph/api/resources/event, .../api/user-list-calendarview,
  .../api/event-delta). A calendar view needs ``startDateTime`` and
  ``endDateTime`` and holds single instances, occurrences and exceptions, not
  series masters. Times are UTC unless ``Prefer: outlook.timezone`` names a zone.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from outlook_emulator.graph import bodies, delta, errors, paging, timezones
from outlook_emulator.graph.context import Call, etag, iso
from outlook_emulator.graph.recipients import email_address, recipient
from outlook_emulator.graph.recurrence import occurrences, pattern
from outlook_emulator.tenant.model import EmailAddress, Event, Folder, Mailbox

CALENDARS = "Calendars.Read"


def occurrence_id(master_id: str, start: datetime) -> str:
    digest = hashlib.sha256(f"{master_id}\0{start.isoformat()}".encode()).digest()
    return "AAMkOC" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _when(call: Call, value: datetime | None, all_day: bool = False) -> dict[str, str]:
    """A dateTimeTimeZone in the preferred zone (UTC by default).

    All-day events float: they start at midnight in whichever zone they are shown.
    """
    name = call.prefs.timezone
    tz = timezones.zone(name)
    if name and tz is not None:
        call.prefs.apply(f'outlook.timezone="{name}"')
    shown = (value or datetime.now(UTC)).astimezone(UTC if all_day else tz or UTC)
    label = name if name and tz is not None else "UTC"
    return {"dateTime": shown.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": label}


def _attendee(call: Call, attendee: Any) -> dict[str, Any]:
    return {
        "type": attendee.kind,
        "status": {"response": attendee.response, "time": "0001-01-01T00:00:00Z"},
        "emailAddress": email_address(attendee.email),
    }


def _own_part(event: Event, mailbox: Mailbox) -> tuple[bool, dict[str, Any], dict[str, Any]]:
    """isOrganizer, responseStatus and organizer as the mailbox owner sees the event."""
    owner = EmailAddress(mailbox.address, mailbox.user.display_name)
    organizer = event.organizer or owner
    is_organizer = organizer.address.lower() == mailbox.address
    response = "organizer" if is_organizer else "none"
    for attendee in event.attendees:
        if not is_organizer and attendee.email.address.lower() == mailbox.address:
            response = attendee.response
    status = {"response": response, "time": "0001-01-01T00:00:00Z"}
    return is_organizer, status, recipient(organizer)


def event_json(
    call: Call, event: Event, kind: str, mailbox: Mailbox, start: datetime | None = None
) -> dict[str, Any]:
    duration = (event.end or event.start or datetime.now(UTC)) - (event.start or datetime.now(UTC))
    begin = start or event.start
    event_id = occurrence_id(event.id, start) if kind == "occurrence" and start else event.id
    series = event.series_master_id or (event.id if kind == "occurrence" else None)
    is_organizer, response_status, organizer = _own_part(event, mailbox)
    return {
        "@odata.etag": etag(event.change_key),
        "id": event_id,
        "createdDateTime": iso(event.created),
        "lastModifiedDateTime": iso(event.last_modified),
        "changeKey": event.change_key,
        "categories": list(event.categories),
        "transactionId": None,
        "originalStartTimeZone": event.start_timezone,
        "originalEndTimeZone": event.start_timezone,
        "iCalUId": event.uid,
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": not event.is_all_day,
        "hasAttachments": any(not a.is_inline for a in event.attachments),
        "subject": event.subject,
        "bodyPreview": bodies.preview(event.body_text, event.body_html),
        "importance": event.importance,
        "sensitivity": event.sensitivity,
        "isAllDay": event.is_all_day,
        "isCancelled": event.is_cancelled,
        "isOrganizer": is_organizer,
        "responseRequested": True,
        "seriesMasterId": series,
        "showAs": event.show_as,
        "type": kind,
        "webLink": "https://outlook.office365.com/owa/?itemid="
        + quote(event_id, safe="") + "&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": event.online_meeting_url,
        "isOnlineMeeting": event.is_online_meeting,
        "onlineMeetingProvider": "unknown",
        "allowNewTimeProposals": True,
        "isDraft": False,
        "hideAttendees": False,
        "responseStatus": response_status,
        "body": bodies.body(event.body_text, event.body_html, call.prefs),
        "start": _when(call, begin, event.is_all_day),
        "end": _when(call, (begin or datetime.now(UTC)) + duration, event.is_all_day),
        "location": _location(event.location),
        "locations": [_location(event.location)] if event.location else [],
        "recurrence": (pattern(event, event.recurrence)
                       if kind == "seriesMaster" and event.recurrence else None),
        "attendees": [_attendee(call, a) for a in event.attendees],
        "organizer": organizer,
        "onlineMeeting": None,
    }


def _location(name: str | None) -> dict[str, Any]:
    return {"displayName": name or "", "locationType": "default", "uniqueIdType": "unknown",
            "address": {}, "coordinates": {}}


def _event(call: Call, item: Any, mailbox: Mailbox) -> dict[str, Any]:
    return event_json(call, item, _kind(item), mailbox)


def _kind(event: Event) -> str:
    if event.series_master_id:
        return "exception"
    return "seriesMaster" if event.recurrence else "singleInstance"


def calendar_json(mailbox: Mailbox, folder: Folder, default: Folder | None) -> dict[str, Any]:
    return {
        "id": folder.id, "name": folder.display_name, "color": "auto", "hexColor": "",
        "isDefaultCalendar": default is not None and folder.id == default.id,
        "changeKey": f"CK{folder.changed_seq:010d}", "canShare": True,
        "canViewPrivateItems": True, "canEdit": True,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness", "isTallyingResponses": True,
        "isRemovable": not (default is not None and folder.id == default.id),
        "owner": {"name": mailbox.user.display_name, "address": mailbox.address},
    }


def _default_calendar(mailbox: Mailbox) -> Folder | None:
    found = mailbox.well_known("calendar")
    return found or next((f for f in mailbox.folders.values() if f.kind == "calendar"), None)


def _calendar(call: Call, user: str, calendar: str | None) -> tuple[Mailbox, Folder]:
    call.require(CALENDARS)
    mailbox = call.mailbox(user)
    if calendar is None:
        found = _default_calendar(mailbox)
        if found is None:
            raise errors.item_not_found()
        return mailbox, found
    return mailbox, call.folder(mailbox, calendar, "calendar")


def list_calendars(call: Call, user: str) -> dict[str, Any]:
    call.require(CALENDARS)
    mailbox = call.mailbox(user)
    default = _default_calendar(mailbox)
    calendars = [f for f in mailbox.folders.values() if f.kind == "calendar"]
    return paging.collection(call, calendars, lambda f: calendar_json(mailbox, f, default),
                             f"users('{user}')/calendars")


def get_calendar(call: Call, user: str, calendar: str | None = None) -> dict[str, Any]:
    mailbox, found = _calendar(call, user, calendar)
    body = calendar_json(mailbox, found, _default_calendar(mailbox))
    return paging.entity(call, body, f"users('{user}')/calendars/$entity")


def list_events(call: Call, user: str, calendar: str | None = None) -> dict[str, Any]:
    mailbox, found = _calendar(call, user, calendar)

    def build() -> list[str]:  # single instances and series masters, not exceptions
        return [i.id for i in found.items.values()
                if isinstance(i, Event) and not i.series_master_id]

    events = call.index.cached(mailbox, found, "events", build)
    return paging.collection(call, events, lambda i: _event(call, found.items[i], mailbox),
                             f"users('{user}')/calendars('{found.id}')/events")


def get_event(call: Call, user: str, event: str, calendar: str | None = None) -> dict[str, Any]:
    call.require(CALENDARS)
    mailbox = call.mailbox(user)
    hit = mailbox.find_item(event)
    if hit is None or not isinstance(hit[1], Event) or (calendar and hit[0].id != calendar):
        raise errors.item_not_found()
    return paging.entity(call, _event(call, hit[1], mailbox),
                         f"users('{user}')/events/$entity")


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError as exc:
        raise errors.bad_request(
            f"The value '{value}' is not a valid date and time.", code="ErrorInvalidParameter"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _window(call: Call) -> tuple[datetime, datetime]:
    raw = {k.lower(): v for k, v in call.query.raw.items()}
    if "startdatetime" not in raw or "enddatetime" not in raw:
        raise errors.bad_request(
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.", code="ErrorInvalidParameter",
        )
    return _parse_time(raw["startdatetime"]), _parse_time(raw["enddatetime"])


def _exception_starts(call: Call, mailbox: Mailbox, folder: Folder) -> dict[str, set[datetime]]:
    def build() -> dict[str, set[datetime]]:
        out: dict[str, set[datetime]] = {}
        for item in folder.items.values():
            if isinstance(item, Event) and item.series_master_id and item.original_start:
                out.setdefault(item.series_master_id, set()).add(
                    item.original_start.astimezone(UTC))
        return out

    found: dict[str, set[datetime]] = call.index.cached(mailbox, folder, "exceptions", build)
    return found


def instances(
    call: Call, mailbox: Mailbox, folder: Folder, event: Event, window: tuple[datetime, datetime]
) -> list[dict[str, Any]]:
    """What a calendar view shows of ``event``: itself, or its occurrences in the window."""
    begin, end = window
    if event.recurrence and not event.series_master_id:
        skip = _exception_starts(call, mailbox, folder).get(event.id, set())
        return [event_json(call, event, "occurrence", mailbox, start)
                for start in occurrences(event, begin, end, skip)]
    start = event.start or begin
    finish = event.end or start + timedelta(0)
    if start < end and (finish > begin or (finish == start and start >= begin)):
        return [_event(call, event, mailbox)]
    return []


def calendar_view(call: Call, user: str, calendar: str | None = None) -> dict[str, Any]:
    mailbox, found = _calendar(call, user, calendar)
    window = _window(call)
    shown = [obj for item in found.items.values() if isinstance(item, Event)
             for obj in instances(call, mailbox, found, item, window)]
    shown.sort(key=lambda e: (e["start"]["dateTime"], e["id"]))
    return paging.collection(call, shown, lambda e: e,
                             f"users('{user}')/calendars('{found.id}')/calendarView")


def list_instances(call: Call, user: str, event: str, calendar: str | None = None
                   ) -> dict[str, Any]:
    """``GET .../events/{id}/instances``: the occurrences and exceptions of a series
    in a window ("List instances", learn.microsoft.com/graph/api/event-list-instances)."""
    call.require(CALENDARS)
    mailbox = call.mailbox(user)
    hit = mailbox.find_item(event)
    if hit is None or not isinstance(hit[1], Event) or (calendar and hit[0].id != calendar):
        raise errors.item_not_found()
    folder, master = hit[0], hit[1]
    window = _window(call)
    shown = instances(call, mailbox, folder, master, window) if master.recurrence else []
    if master.recurrence:
        for item in folder.items.values():
            if isinstance(item, Event) and item.series_master_id == master.id:
                shown += instances(call, mailbox, folder, item, window)
    shown.sort(key=lambda e: (e["start"]["dateTime"], e["id"]))
    return paging.collection(call, shown, lambda e: e,
                             f"users('{user}')/events('{master.id}')/instances")


def calendar_view_delta(call: Call, user: str, calendar: str | None = None) -> dict[str, Any]:
    mailbox, found = _calendar(call, user, calendar)
    fresh = call.query.skiptoken is None and call.query.deltatoken is None
    extra = {}
    if fresh:
        begin, end = _window(call)
        extra = {"st": begin.isoformat(), "en": end.isoformat()}
    state = delta.start_round(call, mailbox, found.id, extra)
    window = (datetime.fromisoformat(state.extra["st"]), datetime.fromisoformat(state.extra["en"]))
    entries = _view_entries(call, mailbox, found, state, window)
    return delta.respond(call, state, entries, f"users('{user}')/calendarView/delta")


def _view_entries(
    call: Call, mailbox: Mailbox, folder: Folder, state: delta.RoundState,
    window: tuple[datetime, datetime],
) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    position = state.position
    if len(position) == 3:  # resume inside the instances of one event
        item = folder.items.get(position[1])
        if isinstance(item, Event) and item.changed_seq == position[0]:
            for k, obj in enumerate(instances(call, mailbox, folder, item, window)):
                if k > position[2]:
                    yield obj, [position[0], position[1], k]
    for item, item_id, key in delta.changes(call, mailbox, folder, state):
        if item is None:
            yield delta.removed(item_id), [key[0], key[1], 0]
        elif isinstance(item, Event):
            for k, obj in enumerate(instances(call, mailbox, folder, item, window)):
                yield obj, [key[0], key[1], k]


ROUTES = [
    ("users/{user}/calendars", list_calendars),
    ("users/{user}/calendar", get_calendar),
    ("users/{user}/calendars/{calendar}", get_calendar),
    ("users/{user}/calendar/events", list_events),
    ("users/{user}/calendars/{calendar}/events", list_events),
    ("users/{user}/calendars/{calendar}/events/{event}", get_event),
    ("users/{user}/calendars/{calendar}/events/{event}/instances", list_instances),
    ("users/{user}/events", list_events),
    ("users/{user}/events/{event}", get_event),
    ("users/{user}/events/{event}/instances", list_instances),
    ("users/{user}/calendarView", calendar_view),
    ("users/{user}/calendarView/delta", calendar_view_delta),
    ("users/{user}/calendar/calendarView", calendar_view),
    ("users/{user}/calendar/calendarView/delta", calendar_view_delta),
    ("users/{user}/calendars/{calendar}/calendarView", calendar_view),
    ("users/{user}/calendars/{calendar}/calendarView/delta", calendar_view_delta),
]
