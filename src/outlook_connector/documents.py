"""Index documents: one builder per kind of Outlook object.

Both sources (Graph and EWS) map their protocol's objects onto these
builders' keyword arguments, so the same mailbox gives the same documents
whichever way it is read. Field names follow the product we replace, so its
users' queries keep working. A value that is missing is left out of the
document: never ``None`` as text, never an empty string pretending to be data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

Document = dict[str, Any]

# Type labels, as the product we replace names them.
INBOX_MAILS = "Inbox Mails"
SENT_MAILS = "Sent Mails"
ARCHIVE_MAILS = "Archive Mails"
JUNK_MAILS = "Junk Mails"
# Mails of folders synced only when the ``folders`` rule names them.
DELETED_MAILS = "Deleted Mails"
DRAFT_MAILS = "Draft Mails"
FOLDER_MAILS = "Folder Mails"  # any folder that is not a well-known one
CONTACT = "Contact"
DISTRIBUTION_LIST = "Distribution List"
CALENDAR = "Calendar"
TASK = "Task"
MAIL_ATTACHMENT = "Mail Attachment"
CALENDAR_ATTACHMENT = "Calendar Attachment"
TASK_ATTACHMENT = "Task Attachment"

# Well-known mail folder (Graph name) → the type label of its mails.
MAIL_FOLDER_TYPES: dict[str, str] = {
    "inbox": INBOX_MAILS,
    "sentitems": SENT_MAILS,
    "archive": ARCHIVE_MAILS,
    "junkemail": JUNK_MAILS,
    "deleteditems": DELETED_MAILS,
    "drafts": DRAFT_MAILS,
}
# The folders synced when no rule chooses them.
DEFAULT_MAIL_FOLDERS: tuple[str, ...] = ("inbox", "sentitems", "archive", "junkemail")
MAIL_TYPES: frozenset[str] = frozenset({*MAIL_FOLDER_TYPES.values(), FOLDER_MAILS})


def mail_type(well_known: str | None) -> str:
    """The type label of the mails of a folder, by its well-known name (None: a user's folder)."""
    return MAIL_FOLDER_TYPES.get(well_known or "", FOLDER_MAILS)


OBJECT_TYPES: tuple[str, ...] = (
    INBOX_MAILS,
    SENT_MAILS,
    ARCHIVE_MAILS,
    JUNK_MAILS,
    DELETED_MAILS,
    DRAFT_MAILS,
    FOLDER_MAILS,
    CONTACT,
    DISTRIBUTION_LIST,
    CALENDAR,
    TASK,
)


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC ending in ``Z``; naive datetimes are taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    # isoformat, not strftime: a third of the time, and four-digit years everywhere.
    return value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def iso_date(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def addresses(values: Iterable[str | None]) -> list[str]:
    """Lower-case, de-duplicated e-mail addresses in their original order."""
    seen: dict[str, None] = {}
    for value in values:
        if value and value.strip():
            seen.setdefault(value.strip().lower(), None)
    return list(seen)


_ALWAYS = frozenset({"id", "type", "title", "mailbox"})


def _compact(document: Document) -> Document:
    """Drop absent values so that a missing field is absent, not null or ``"None"``."""
    return {
        k: v for k, v in document.items() if k in _ALWAYS or (v is not None and v != "" and v != [])
    }


def _base(
    *,
    id: str,
    type: str,
    title: str | None,
    mailbox: str,
    last_modified: datetime | None,
    url: str | None,
) -> Document:
    return {
        "id": id,
        "type": type,
        "title": title or "",
        "mailbox": mailbox.lower(),
        "_timestamp": iso_utc(last_modified),
        "url": url,
    }


def mail_document(
    *,
    id: str,
    type: str,
    mailbox: str,
    subject: str | None,
    last_modified: datetime | None,
    sender: str | None,
    to_recipients: Iterable[str | None] = (),
    cc_recipients: Iterable[str | None] = (),
    bcc_recipients: Iterable[str | None] = (),
    importance: str | None = None,
    categories: Iterable[str] = (),
    message: str | None = None,
    received_at: datetime | None = None,
    sent_at: datetime | None = None,
    conversation_id: str | None = None,
    folder: str | None = None,
    has_attachments: bool = False,
    internet_message_id: str | None = None,
    attachment_names: Iterable[str] = (),
    url: str | None = None,
) -> Document:
    doc = _base(
        id=id, type=type, title=subject, mailbox=mailbox, last_modified=last_modified, url=url
    )
    doc.update(
        sender=sender.lower() if sender else None,
        to_recipients=addresses(to_recipients),
        cc_recipients=addresses(cc_recipients),
        bcc_recipients=addresses(bcc_recipients),
        importance=importance.lower() if importance else None,
        categories=list(categories),
        message=message,
        received_at=iso_utc(received_at),
        sent_at=iso_utc(sent_at),
        conversation_id=conversation_id,
        folder=folder,
        has_attachments=bool(has_attachments),
        internet_message_id=internet_message_id,
        attachment_names=list(attachment_names),
    )
    return _compact(doc)


def contact_document(
    *,
    id: str,
    mailbox: str,
    name: str | None,
    last_modified: datetime | None,
    email_addresses: Iterable[str | None] = (),
    contact_numbers: Iterable[str] = (),
    company_name: str | None = None,
    birthday: date | datetime | None = None,
    job_title: str | None = None,
    department: str | None = None,
    notes: str | None = None,
    categories: Iterable[str] = (),
    url: str | None = None,
) -> Document:
    doc = _base(
        id=id, type=CONTACT, title=name, mailbox=mailbox, last_modified=last_modified, url=url
    )
    doc.update(
        name=name,
        email_addresses=addresses(email_addresses),
        contact_numbers=[n for n in contact_numbers if n],
        company_name=company_name,
        birthday=iso_date(birthday),
        job_title=job_title,
        department=department,
        notes=notes,
        categories=list(categories),
    )
    return _compact(doc)


def distribution_list_document(
    *,
    id: str,
    mailbox: str,
    name: str | None,
    last_modified: datetime | None,
    email_addresses: Iterable[str | None] = (),
    url: str | None = None,
) -> Document:
    doc = _base(
        id=id,
        type=DISTRIBUTION_LIST,
        title=name,
        mailbox=mailbox,
        last_modified=last_modified,
        url=url,
    )
    doc.update(name=name, email_addresses=addresses(email_addresses))
    return _compact(doc)


def event_document(
    *,
    id: str,
    mailbox: str,
    title: str | None,
    last_modified: datetime | None,
    meeting_type: str | None,
    organizer: str | None,
    attendees: Iterable[str | None] = (),
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    is_all_day: bool = False,
    location: str | None = None,
    content: str | None = None,
    recurrence: str | None = None,
    calendar: str | None = None,
    categories: Iterable[str] = (),
    attachment_names: Iterable[str] = (),
    url: str | None = None,
) -> Document:
    doc = _base(
        id=id, type=CALENDAR, title=title, mailbox=mailbox, last_modified=last_modified, url=url
    )
    doc.update(
        meeting_type=meeting_type,
        organizer=organizer.lower() if organizer else None,
        attendees=addresses(attendees),
        start_date=iso_utc(start_date),
        end_date=iso_utc(end_date),
        is_all_day=bool(is_all_day),
        location=location,
        content=content,
        recurrence=recurrence,
        calendar=calendar,
        categories=list(categories),
        attachment_names=list(attachment_names),
    )
    return _compact(doc)


def task_document(
    *,
    id: str,
    mailbox: str,
    title: str | None,
    last_modified: datetime | None,
    status: str | None,
    importance: str | None = None,
    categories: Iterable[str] = (),
    start_date: datetime | None = None,
    due_date: datetime | None = None,
    complete_date: datetime | None = None,
    content: str | None = None,
    owner: str | None = None,
    task_list: str | None = None,
    attachment_names: Iterable[str] = (),
    url: str | None = None,
) -> Document:
    doc = _base(
        id=id, type=TASK, title=title, mailbox=mailbox, last_modified=last_modified, url=url
    )
    doc.update(
        status=status,
        importance=importance.lower() if importance else None,
        categories=list(categories),
        start_date=iso_utc(start_date),
        due_date=iso_utc(due_date),
        complete_date=iso_utc(complete_date),
        content=content,
        owner=owner.lower() if owner else None,
        task_list=task_list,
        attachment_names=list(attachment_names),
    )
    return _compact(doc)


def attachment_document(
    *,
    id: str,
    type: str,
    mailbox: str,
    name: str | None,
    last_modified: datetime | None,
    size: int | None,
    content_type: str | None,
    parent_id: str,
    parent_title: str | None,
    is_inline: bool = False,
    body: str | None = None,
    extraction_error: str | None = None,
) -> Document:
    doc = _base(
        id=id, type=type, title=name, mailbox=mailbox, last_modified=last_modified, url=None
    )
    doc.update(
        size=size,
        content_type=content_type,
        parent_id=parent_id,
        parent_title=parent_title,
        is_inline=bool(is_inline),
        body=body,
        extraction_error=extraction_error,
    )
    return _compact(doc)
