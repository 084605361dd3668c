"""exchangelib items → index documents, through the shared builders in ``documents``.

Pure functions: no network, no clock, no machine time zone. Every instant is
converted to UTC from the offset the server sent; all-day events and task
dates (which EWS stores as midnight in the user's zone) become dates at
midnight UTC, so the same mailbox gives the same documents whatever machine
runs the sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from outlook_connector import documents
from outlook_connector.documents import Document
from outlook_connector.sources.ews.messages import AttachmentFacts, MessageFacts

# EWS CalendarItemType → the meeting_type values both sources write.
MEETING_TYPES: dict[str, str] = {
    "Single": "single",
    "RecurringMaster": "recurring series",
    "Exception": "occurrence exception",
    "Occurrence": "occurrence",
}

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


class UnmappableItem(Exception):
    """The item cannot become a document; the reason goes to ``Page.skipped``."""


def body_text(item: Any) -> str | None:
    """The body as text: the server's text rendering, or ours of an HTML body."""
    body = getattr(item, "body", None)
    if not body:
        return None
    if type(body).__name__ == "HTMLBody":
        return _html_text(str(body))
    return str(body).strip() or None


def _html_text(html: str) -> str | None:
    from outlook_connector.extraction.markup import html_to_text

    return html_to_text(html) or None


def address(mailbox: Any) -> str | None:
    """The SMTP address of an exchangelib Mailbox/Attendee/Member, if it has one."""
    if mailbox is None:
        return None
    inner = getattr(mailbox, "mailbox", None)
    if inner is not None:  # Attendee and Member wrap a Mailbox
        mailbox = inner
    value = getattr(mailbox, "email_address", None)
    return value or None


def addresses_of(values: Iterable[Any] | None) -> list[str | None]:
    return [address(v) for v in values or ()]


def utc(value: Any) -> dt.datetime | None:
    """An aware datetime in UTC; a bare date becomes midnight UTC."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            # EWS sends UTC ("Z") for every instant; a naive value is UTC too.
            return dt.datetime(*value.timetuple()[:6], value.microsecond, tzinfo=dt.UTC)
        return dt.datetime.fromtimestamp(value.timestamp(), tz=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def _plain_datetime(value: dt.datetime) -> dt.datetime:
    """exchangelib's EWSDateTime as a standard library datetime (same instant)."""
    return dt.datetime.fromtimestamp(value.timestamp(), tz=dt.UTC)


def all_day_bound(value: Any, zone: Any) -> dt.datetime | None:
    """Midnight UTC of the calendar day an all-day bound falls on in the event's zone.

    EWS sends an all-day event's start and end as the instants of midnight in
    the zone it was created in; the day is what users mean, so the document
    keeps the day and drops the zone. Without a zone the UTC day is taken.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        instant = _plain_datetime(value)
        local = instant
        tz = _zoneinfo(zone)
        if tz is not None:
            local = instant.astimezone(tz)
        # A bound a few hours before UTC midnight is midnight in a zone east of UTC.
        day = local.date() if tz is not None else (instant + dt.timedelta(hours=12)).date()
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return utc(value)


def _zoneinfo(zone: Any) -> dt.tzinfo | None:
    """The standard library zone of an exchangelib EWSTimeZone, if it has one."""
    if zone is None:
        return None
    key = getattr(zone, "key", None)
    if not key:
        return None
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(key)
    except (KeyError, ValueError, OSError):
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _attachment_names(item: Any) -> list[str]:
    return [a.name for a in getattr(item, "attachments", None) or () if getattr(a, "name", None)]


def _lower_camel(value: str | None) -> str | None:
    """``NotStarted`` → ``notStarted``: Graph's spelling of the same enumerations."""
    if not value:
        return None
    return value[0].lower() + value[1:]


def message_facts(item: Any) -> MessageFacts:
    """The facts of an exchangelib Message (or MeetingRequest, report, post...)."""
    body = getattr(item, "body", None)
    conversation = getattr(item, "conversation_id", None)
    sender = address(getattr(item, "sender", None)) or address(getattr(item, "author", None))
    return MessageFacts(
        id=item.id,
        subject=getattr(item, "subject", None),
        last_modified=utc(getattr(item, "last_modified_time", None)),
        sender=sender,
        to_recipients=tuple(addresses_of(getattr(item, "to_recipients", None))),
        cc_recipients=tuple(addresses_of(getattr(item, "cc_recipients", None))),
        bcc_recipients=tuple(addresses_of(getattr(item, "bcc_recipients", None))),
        importance=getattr(item, "importance", None),
        categories=tuple(getattr(item, "categories", None) or ()),
        body=str(body) if body else None,
        body_is_html=type(body).__name__ == "HTMLBody",
        received=utc(getattr(item, "datetime_received", None)),
        sent=utc(getattr(item, "datetime_sent", None)),
        conversation_id=getattr(conversation, "id", None) or None,
        has_attachments=bool(getattr(item, "has_attachments", False)),
        internet_message_id=getattr(item, "message_id", None),
        attachments=attachment_facts(getattr(item, "attachments", None)),
    )


def attachment_facts(attachments: Iterable[Any] | None) -> tuple[AttachmentFacts, ...]:
    """exchangelib FileAttachment/ItemAttachment objects as ``AttachmentFacts``."""
    found = []
    for attachment in attachments or ():
        attachment_id = getattr(getattr(attachment, "attachment_id", None), "id", None)
        if not attachment_id:
            continue
        found.append(
            AttachmentFacts(
                id=attachment_id,
                name=attachment.name or "",
                content_type=getattr(attachment, "content_type", None),
                size=getattr(attachment, "size", None),
                is_inline=bool(getattr(attachment, "is_inline", False)),
                last_modified=utc(getattr(attachment, "last_modified_time", None)),
                is_item=type(attachment).__name__ == "ItemAttachment",
            )
        )
    return tuple(found)


def mail_document(item: Any, *, mailbox: str, object_type: str, folder: str | None) -> Document:
    """A mail's document, from its ``MessageFacts`` or from an exchangelib item."""
    facts = item if isinstance(item, MessageFacts) else message_facts(item)
    message = None
    if facts.body:
        message = _html_text(facts.body) if facts.body_is_html else facts.body.strip() or None
    return documents.mail_document(
        id=facts.id,
        type=object_type,
        mailbox=mailbox,
        subject=facts.subject,
        last_modified=facts.last_modified,
        sender=facts.sender,
        to_recipients=facts.to_recipients,
        cc_recipients=facts.cc_recipients,
        bcc_recipients=facts.bcc_recipients,
        importance=facts.importance,
        categories=list(facts.categories),
        message=message,
        received_at=facts.received,
        sent_at=facts.sent,
        conversation_id=facts.conversation_id,
        folder=folder,
        has_attachments=facts.has_attachments,
        internet_message_id=facts.internet_message_id,
        attachment_names=[a.name for a in facts.attachments if a.name],
    )


def contact_document(item: Any, *, mailbox: str) -> Document:
    return documents.contact_document(
        id=item.id,
        mailbox=mailbox,
        name=_contact_name(item),
        last_modified=utc(item.last_modified_time),
        email_addresses=[getattr(e, "email", None) for e in item.email_addresses or ()],
        contact_numbers=[
            n.phone_number for n in item.phone_numbers or () if getattr(n, "phone_number", None)
        ],
        company_name=item.company_name,
        birthday=item.birthday,
        job_title=item.job_title,
        department=item.department,
        notes=body_text(item),
        categories=list(item.categories or ()),
    )


def _contact_name(item: Any) -> str | None:
    name = _text(getattr(item, "display_name", None))
    if name:
        return name
    parts = (getattr(item, "given_name", None), getattr(item, "surname", None))
    return _text(" ".join(p for p in parts if p)) or _text(getattr(item, "subject", None))


def distribution_list_document(item: Any, *, mailbox: str) -> Document:
    return documents.distribution_list_document(
        id=item.id,
        mailbox=mailbox,
        name=_text(item.display_name) or _text(getattr(item, "subject", None)),
        last_modified=utc(item.last_modified_time),
        email_addresses=addresses_of(item.members),
    )


def event_document(item: Any, *, mailbox: str, calendar: str | None) -> Document:
    all_day = bool(item.is_all_day)
    if all_day:
        start = all_day_bound(item.start, getattr(item, "_start_timezone", None))
        end = all_day_bound(item.end, getattr(item, "_end_timezone", None))
    else:
        start, end = utc(item.start), utc(item.end)
    attendees = [
        *addresses_of(item.required_attendees),
        *addresses_of(item.optional_attendees),
        *addresses_of(getattr(item, "resources", None)),
    ]
    return documents.event_document(
        id=item.id,
        mailbox=mailbox,
        title=item.subject,
        last_modified=utc(item.last_modified_time),
        meeting_type=MEETING_TYPES.get(item.type or "", _lower_camel(item.type)),
        organizer=address(item.organizer),
        attendees=attendees,
        start_date=start,
        end_date=end,
        is_all_day=all_day,
        location=_text(item.location),
        content=body_text(item),
        recurrence=recurrence_text(item.recurrence),
        calendar=calendar,
        categories=list(item.categories or ()),
        attachment_names=_attachment_names(item),
    )


def task_document(item: Any, *, mailbox: str, task_list: str | None) -> Document:
    return documents.task_document(
        id=item.id,
        mailbox=mailbox,
        title=item.subject,
        last_modified=utc(item.last_modified_time),
        status=_lower_camel(item.status),
        importance=item.importance,
        categories=list(item.categories or ()),
        start_date=utc(item.start_date),
        due_date=utc(item.due_date),
        complete_date=utc(item.complete_date),
        content=body_text(item),
        # Graph has no task owner; both sources name the mailbox the task lives in.
        owner=mailbox,
        task_list=task_list,
        attachment_names=_attachment_names(item),
    )


def recurrence_text(recurrence: Any) -> str | None:
    """A series' pattern in words, worded exactly as the Graph source words Graph's pattern.

    "weekly on Monday, Wednesday until 2025-01-01", "every 2 days, 10 times",
    "monthly on the last Friday", "yearly on February 14".
    """
    if recurrence is None or recurrence.pattern is None:
        return None
    text = pattern_text(recurrence.pattern)
    if text is None:
        return None
    boundary = recurrence.boundary
    end = getattr(boundary, "end", None)
    number = getattr(boundary, "number", None)
    if end is not None:
        text += f" until {_day(end)}"
    elif number:
        text += f", {number} time{'s' if number != 1 else ''}"
    return text


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


def pattern_text(pattern: Any) -> str | None:
    kind = type(pattern).__name__
    interval = getattr(pattern, "interval", None)
    index = _WEEK_INDEX.get(getattr(pattern, "week_number", None) or 1, "first")
    if kind == "DailyPattern":
        return _every("day", interval)
    if kind == "WeeklyPattern":
        return f"{_every('week', interval)} on {_days(pattern.weekdays)}"
    if kind == "AbsoluteMonthlyPattern":
        return f"{_every('month', interval)} on day {pattern.day_of_month}"
    if kind == "RelativeMonthlyPattern":
        return f"{_every('month', interval)} on the {index} {_days(pattern.weekday)}"
    if kind == "AbsoluteYearlyPattern":
        return f"yearly on {_month(pattern.month)} {pattern.day_of_month}"
    if kind == "RelativeYearlyPattern":
        month = _month(pattern.month)
        return f"yearly on the {index} {_days(pattern.weekday)}" + (f" of {month}" if month else "")
    return None  # task regeneration patterns: not a calendar series
