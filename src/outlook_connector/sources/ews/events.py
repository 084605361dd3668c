"""What an event document is made of, read straight from GetItem's ``t:CalendarItem``.

``mapping.event_facts`` gives the same facts for exchangelib's objects (items
read the general way), so one builder in ``mapping`` makes the documents of
both. Start and end are kept as instants with the zones they were made in:
the builder turns an all-day event's bounds into days.

Element names: EWS reference, "CalendarItem", "Start", "End",
"StartTimeZone", "EndTimeZone", "IsAllDayEvent", "CalendarItemType",
"Organizer", "RequiredAttendees", "OptionalAttendees", "Resources",
"Attendee", "Location", "Recurrence".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from outlook_connector.sources.ews import itemxml as x
from outlook_connector.sources.ews.children import child, indexed
from outlook_connector.sources.ews.recurrence import read_recurrence

CALENDAR_ITEM_TAG = f"{x.T}CalendarItem"


@dataclass(frozen=True)
class EventFacts:
    id: str
    subject: str | None
    last_modified: dt.datetime | None
    type: str | None  # CalendarItemType: Single, RecurringMaster...
    organizer: str | None
    attendees: tuple[str | None, ...]  # required, then optional, then resources
    start: dt.datetime | dt.date | None
    end: dt.datetime | dt.date | None
    start_zone: str | None  # IANA names of the zones the bounds were made in
    end_zone: str | None
    is_all_day: bool
    location: str | None
    body: str | None
    body_is_html: bool
    recurrence: str | None  # in words, as ``recurrence.series_words`` gives them
    categories: tuple[str, ...]
    attachments: tuple[x.AttachmentFacts, ...]


def read_event(elem: Any) -> EventFacts:
    """The facts of a ``t:CalendarItem``; ``UnreadableItem`` when a value is not read here."""
    elem = indexed(elem)
    body, is_html = x.body(elem)
    return EventFacts(
        id=x.item_id(elem),
        subject=x.text(elem, "Subject"),
        last_modified=x.instant(elem, "LastModifiedTime"),
        type=x.text(elem, "CalendarItemType"),
        organizer=_organizer(elem),
        attendees=(
            x.mailboxes(elem, "RequiredAttendees", "Attendee")
            + x.mailboxes(elem, "OptionalAttendees", "Attendee")
            + x.mailboxes(elem, "Resources", "Attendee")
        ),
        start=x.instant(elem, "Start"),
        end=x.instant(elem, "End"),
        start_zone=x.zone_key(elem, "StartTimeZone"),
        end_zone=x.zone_key(elem, "EndTimeZone"),
        is_all_day=x.boolean(elem, "IsAllDayEvent", False),
        location=x.text(elem, "Location"),
        body=body,
        body_is_html=is_html,
        recurrence=read_recurrence(elem),
        categories=x.categories(elem),
        attachments=x.attachments(elem),
    )


def _organizer(elem: Any) -> str | None:
    found = elem.find(f"{x.T}Organizer")
    if found is None:
        return None
    if child(found, f"{x.T}Mailbox") is None:
        raise x.UnreadableItem("an Organizer without a Mailbox")
    return x.mailbox(found)
