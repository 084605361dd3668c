"""EWS items → index documents, through the shared builders in ``documents``.

Each kind's document is built from its facts (``MessageFacts``,
``ContactFacts``, ``EventFacts``...), read straight from GetItem's XML or
taken here from an exchangelib item read the general way.

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
from outlook_connector.sources.ews.contacts import ContactFacts, DistributionListFacts
from outlook_connector.sources.ews.events import EventFacts
from outlook_connector.sources.ews.messages import AttachmentFacts, MessageFacts
from outlook_connector.sources.ews.recurrence import Pattern, pattern_words, series_words
from outlook_connector.sources.ews.tasks import TaskFacts

# EWS CalendarItemType → the meeting_type values both sources write.
MEETING_TYPES: dict[str, str] = {
    "Single": "single",
    "RecurringMaster": "recurring series",
    "Exception": "occurrence exception",
    "Occurrence": "occurrence",
}


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


def all_day_bound(value: Any, zone: str | None) -> dt.datetime | None:
    """Midnight UTC of the calendar day an all-day bound falls on in the event's zone.

    EWS sends an all-day event's start and end as the instants of midnight in
    the zone it was created in; the day is what users mean, so the document
    keeps the day and drops the zone (``zone``: its IANA name). Without a zone
    the UTC day is taken.
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


def _zone_key(zone: Any) -> str | None:
    """The IANA name of an exchangelib EWSTimeZone, if it has one."""
    return getattr(zone, "key", None) or None if zone is not None else None


def _zoneinfo(key: str | None) -> dt.tzinfo | None:
    """The standard library zone of an IANA name."""
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
    """exchangelib FileAttachment/ItemAttachment objects (or facts already read) as
    ``AttachmentFacts``; those without an id cannot be fetched and are left out."""
    return tuple(a for a in _all_attachment_facts(attachments) if a.id)


def _all_attachment_facts(attachments: Iterable[Any] | None) -> tuple[AttachmentFacts, ...]:
    """Every attachment, those without an id too (their names are in the document)."""
    found = []
    for attachment in attachments or ():
        if isinstance(attachment, AttachmentFacts):
            found.append(attachment)
            continue
        attachment_id = getattr(getattr(attachment, "attachment_id", None), "id", None)
        found.append(
            AttachmentFacts(
                id=attachment_id or "",
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
    """A contact's document, from its ``ContactFacts`` or from an exchangelib Contact."""
    facts = item if isinstance(item, ContactFacts) else contact_facts(item)
    return documents.contact_document(
        id=facts.id,
        mailbox=mailbox,
        name=_contact_name(facts),
        last_modified=facts.last_modified,
        email_addresses=list(facts.email_addresses),
        contact_numbers=[n for n in facts.phone_numbers if n],
        company_name=facts.company_name,
        birthday=facts.birthday,
        job_title=facts.job_title,
        department=facts.department,
        notes=_body_text(facts.body, facts.body_is_html),
        categories=list(facts.categories),
    )


def contact_facts(item: Any) -> ContactFacts:
    """The facts of an exchangelib Contact."""
    body = getattr(item, "body", None)
    return ContactFacts(
        id=item.id,
        subject=getattr(item, "subject", None),
        last_modified=utc(item.last_modified_time),
        display_name=getattr(item, "display_name", None),
        given_name=getattr(item, "given_name", None),
        surname=getattr(item, "surname", None),
        email_addresses=tuple(getattr(e, "email", None) for e in item.email_addresses or ()),
        phone_numbers=tuple(getattr(n, "phone_number", None) for n in item.phone_numbers or ()),
        company_name=item.company_name,
        birthday=item.birthday,
        job_title=item.job_title,
        department=item.department,
        body=str(body) if body else None,
        body_is_html=type(body).__name__ == "HTMLBody",
        categories=tuple(item.categories or ()),
    )


def _body_text(body: str | None, is_html: bool) -> str | None:
    """What ``body_text`` gives for the body's text and type."""
    if not body:
        return None
    return _html_text(body) if is_html else body.strip() or None


def _contact_name(facts: ContactFacts) -> str | None:
    name = _text(facts.display_name)
    if name:
        return name
    parts = (facts.given_name, facts.surname)
    return _text(" ".join(p for p in parts if p)) or _text(facts.subject)


def distribution_list_document(item: Any, *, mailbox: str) -> Document:
    """A distribution list's document, from its facts or from an exchangelib DistributionList."""
    facts = item if isinstance(item, DistributionListFacts) else distribution_list_facts(item)
    return documents.distribution_list_document(
        id=facts.id,
        mailbox=mailbox,
        name=_text(facts.display_name) or _text(facts.subject),
        last_modified=facts.last_modified,
        email_addresses=list(facts.members),
    )


def distribution_list_facts(item: Any) -> DistributionListFacts:
    return DistributionListFacts(
        id=item.id,
        subject=getattr(item, "subject", None),
        display_name=item.display_name,
        last_modified=utc(item.last_modified_time),
        members=tuple(addresses_of(item.members)),
    )


def event_document(item: Any, *, mailbox: str, calendar: str | None) -> Document:
    """An event's document, from its ``EventFacts`` or from an exchangelib CalendarItem."""
    facts = item if isinstance(item, EventFacts) else event_facts(item)
    all_day = facts.is_all_day
    if all_day:
        start = all_day_bound(facts.start, facts.start_zone)
        end = all_day_bound(facts.end, facts.end_zone)
    else:
        start, end = utc(facts.start), utc(facts.end)
    return documents.event_document(
        id=facts.id,
        mailbox=mailbox,
        title=facts.subject,
        last_modified=facts.last_modified,
        meeting_type=MEETING_TYPES.get(facts.type or "", _lower_camel(facts.type)),
        organizer=facts.organizer,
        attendees=list(facts.attendees),
        start_date=start,
        end_date=end,
        is_all_day=all_day,
        location=_text(facts.location),
        content=_body_text(facts.body, facts.body_is_html),
        recurrence=facts.recurrence,
        calendar=calendar,
        categories=list(facts.categories),
        attachment_names=[a.name for a in facts.attachments if a.name],
    )


def event_facts(item: Any) -> EventFacts:
    """The facts of an exchangelib CalendarItem."""
    body = getattr(item, "body", None)
    attendees = (
        *addresses_of(item.required_attendees),
        *addresses_of(item.optional_attendees),
        *addresses_of(getattr(item, "resources", None)),
    )
    return EventFacts(
        id=item.id,
        subject=item.subject,
        last_modified=utc(item.last_modified_time),
        type=item.type,
        organizer=address(item.organizer),
        attendees=attendees,
        start=item.start,
        end=item.end,
        start_zone=_zone_key(getattr(item, "_start_timezone", None)),
        end_zone=_zone_key(getattr(item, "_end_timezone", None)),
        is_all_day=bool(item.is_all_day),
        location=item.location,
        body=str(body) if body else None,
        body_is_html=type(body).__name__ == "HTMLBody",
        recurrence=recurrence_text(item.recurrence),
        categories=tuple(item.categories or ()),
        attachments=_all_attachment_facts(getattr(item, "attachments", None)),
    )


def task_document(item: Any, *, mailbox: str, task_list: str | None) -> Document:
    """A task's document, from its ``TaskFacts`` or from an exchangelib Task."""
    facts = item if isinstance(item, TaskFacts) else task_facts(item)
    return documents.task_document(
        id=facts.id,
        mailbox=mailbox,
        title=facts.subject,
        last_modified=facts.last_modified,
        status=_lower_camel(facts.status),
        importance=facts.importance,
        categories=list(facts.categories),
        start_date=utc(facts.start_date),
        due_date=utc(facts.due_date),
        complete_date=facts.complete_date,
        content=_body_text(facts.body, facts.body_is_html),
        # Graph has no task owner; both sources name the mailbox the task lives in.
        owner=mailbox,
        task_list=task_list,
        attachment_names=[a.name for a in facts.attachments if a.name],
    )


def task_facts(item: Any) -> TaskFacts:
    """The facts of an exchangelib Task."""
    body = getattr(item, "body", None)
    return TaskFacts(
        id=item.id,
        subject=item.subject,
        last_modified=utc(item.last_modified_time),
        status=item.status,
        importance=item.importance,
        categories=tuple(item.categories or ()),
        start_date=item.start_date,
        due_date=item.due_date,
        complete_date=utc(item.complete_date),
        body=str(body) if body else None,
        body_is_html=type(body).__name__ == "HTMLBody",
        attachments=_all_attachment_facts(getattr(item, "attachments", None)),
    )


def recurrence_text(recurrence: Any) -> str | None:
    """A series' pattern in words (see ``recurrence``), from exchangelib's Recurrence."""
    if recurrence is None or recurrence.pattern is None:
        return None
    boundary = recurrence.boundary
    return series_words(
        pattern_text(recurrence.pattern),
        getattr(boundary, "end", None),
        getattr(boundary, "number", None),
    )


def pattern_text(pattern: Any) -> str | None:
    """The words of an exchangelib pattern object."""
    weekdays = getattr(pattern, "weekdays", None)
    if weekdays is None:
        weekdays = getattr(pattern, "weekday", None)
    return pattern_words(
        Pattern(
            kind=type(pattern).__name__,
            interval=getattr(pattern, "interval", None),
            weekdays=weekdays,
            day_of_month=getattr(pattern, "day_of_month", None),
            month=getattr(pattern, "month", None),
            week_number=getattr(pattern, "week_number", None),
        )
    )
