"""Graph JSON objects → index documents (through ``outlook_connector.documents``).

Pure functions: no I/O. An item missing optional fields still maps (a
missing value stays out of the document); an item without a usable id is
malformed and raises ``MalformedItem`` so the caller can skip it with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from ... import documents
from .recurrence import describe
from .text import body_text
from .timezones import from_date_time_zone, parse_timestamp

Document = dict[str, Any]

# $select lists: only what the documents need (smaller replies, faster syncs).
MESSAGE_FIELDS = (
    "id,subject,sender,from,toRecipients,ccRecipients,bccRecipients,importance,categories,"
    "body,receivedDateTime,sentDateTime,conversationId,hasAttachments,internetMessageId,"
    "webLink,lastModifiedDateTime"
)
CONTACT_FIELDS = (
    "id,displayName,givenName,surname,emailAddresses,businessPhones,homePhones,mobilePhone,"
    "companyName,birthday,jobTitle,department,personalNotes,categories,lastModifiedDateTime"
)
EVENT_FIELDS = (
    "id,subject,type,seriesMasterId,organizer,attendees,start,end,isAllDay,location,body,"
    "recurrence,categories,hasAttachments,webLink,lastModifiedDateTime"
)
TASK_FIELDS = (
    "id,title,status,importance,categories,startDateTime,dueDateTime,completedDateTime,body,"
    "hasAttachments,lastModifiedDateTime"
)
ATTACHMENT_FIELDS = "id,name,size,contentType,isInline,lastModifiedDateTime"

# Graph's event ``type`` → the document's meeting_type.
MEETING_TYPES = {
    "singleInstance": "single",
    "seriesMaster": "recurring series",
    "occurrence": "occurrence",
    "exception": "occurrence exception",
}


class MalformedItem(ValueError):
    """An item that cannot become a document."""


def item_id(item: Any) -> str:
    if not isinstance(item, dict):
        raise MalformedItem("not a JSON object")
    value = item.get("id")
    if not isinstance(value, str) or not value:
        raise MalformedItem("the item has no id")
    return value


def is_removed(item: dict[str, Any]) -> bool:
    return "@removed" in item


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in _list(value) if isinstance(v, str) and v.strip()]


def address(recipient: Any) -> str | None:
    """The SMTP address of a Graph ``recipient`` / ``attendee`` ({emailAddress: {address}})."""
    if not isinstance(recipient, dict):
        return None
    email = recipient.get("emailAddress")
    return _text(email.get("address")) if isinstance(email, dict) else None


def addresses(recipients: Any) -> list[str | None]:
    return [address(r) for r in _list(recipients)]


def message_document(
    item: dict[str, Any],
    *,
    mailbox: str,
    object_type: str,
    folder: str | None,
    attachment_names: Iterable[str] = (),
) -> Document:
    return documents.mail_document(
        id=item_id(item),
        type=object_type,
        mailbox=mailbox,
        subject=_text(item.get("subject")),
        last_modified=parse_timestamp(item.get("lastModifiedDateTime")),
        sender=address(item.get("sender")) or address(item.get("from")),
        to_recipients=addresses(item.get("toRecipients")),
        cc_recipients=addresses(item.get("ccRecipients")),
        bcc_recipients=addresses(item.get("bccRecipients")),
        importance=_text(item.get("importance")),
        categories=_strings(item.get("categories")),
        message=body_text(item.get("body")),
        received_at=parse_timestamp(item.get("receivedDateTime")),
        sent_at=parse_timestamp(item.get("sentDateTime")),
        conversation_id=_text(item.get("conversationId")),
        folder=folder,
        has_attachments=bool(item.get("hasAttachments")),
        internet_message_id=_text(item.get("internetMessageId")),
        attachment_names=attachment_names,
        url=_text(item.get("webLink")),
    )


def _birthday(value: Any) -> date | None:
    # The date part as stored: converting the offset time could move the day.
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _phones(item: dict[str, Any]) -> list[str]:
    numbers = _strings(item.get("businessPhones")) + _strings(item.get("homePhones"))
    mobile = _text(item.get("mobilePhone"))
    return [*numbers, mobile] if mobile else numbers


def _contact_name(item: dict[str, Any]) -> str | None:
    parts = (_text(item.get("givenName")), _text(item.get("surname")))
    return _text(item.get("displayName")) or " ".join(p for p in parts if p) or None


def contact_document(item: dict[str, Any], *, mailbox: str) -> Document:
    return documents.contact_document(
        id=item_id(item),
        mailbox=mailbox,
        name=_contact_name(item),
        last_modified=parse_timestamp(item.get("lastModifiedDateTime")),
        email_addresses=[
            _text(e.get("address"))
            for e in _list(item.get("emailAddresses"))
            if isinstance(e, dict)
        ],
        contact_numbers=_phones(item),
        company_name=_text(item.get("companyName")),
        birthday=_birthday(item.get("birthday")),
        job_title=_text(item.get("jobTitle")),
        department=_text(item.get("department")),
        notes=_text(item.get("personalNotes")),
        categories=_strings(item.get("categories")),
    )


def _location(item: dict[str, Any]) -> str | None:
    location = item.get("location")
    return _text(location.get("displayName")) if isinstance(location, dict) else None


def event_document(
    item: dict[str, Any],
    *,
    mailbox: str,
    calendar: str | None,
    attachment_names: Iterable[str] = (),
) -> Document:
    kind = _text(item.get("type"))
    return documents.event_document(
        id=item_id(item),
        mailbox=mailbox,
        title=_text(item.get("subject")),
        last_modified=parse_timestamp(item.get("lastModifiedDateTime")),
        meeting_type=MEETING_TYPES.get(kind or "", kind),
        organizer=address(item.get("organizer")),
        attendees=addresses(item.get("attendees")),
        start_date=from_date_time_zone(item.get("start")),
        end_date=from_date_time_zone(item.get("end")),
        is_all_day=bool(item.get("isAllDay")),
        location=_location(item),
        content=body_text(item.get("body")),
        recurrence=describe(item.get("recurrence")),
        calendar=calendar,
        categories=_strings(item.get("categories")),
        attachment_names=attachment_names,
        url=_text(item.get("webLink")),
    )


def task_document(
    item: dict[str, Any],
    *,
    mailbox: str,
    task_list: str | None,
    attachment_names: Iterable[str] = (),
) -> Document:
    return documents.task_document(
        id=item_id(item),
        mailbox=mailbox,
        title=_text(item.get("title")),
        last_modified=parse_timestamp(item.get("lastModifiedDateTime")),
        status=_text(item.get("status")),
        importance=_text(item.get("importance")),
        categories=_strings(item.get("categories")),
        start_date=from_date_time_zone(item.get("startDateTime")),
        due_date=from_date_time_zone(item.get("dueDateTime")),
        complete_date=from_date_time_zone(item.get("completedDateTime")),
        content=body_text(item.get("body")),
        owner=mailbox,
        task_list=task_list,
        attachment_names=attachment_names,
    )


def attachment_kind(attachment: dict[str, Any]) -> str:
    """The attachment's kind from ``@odata.type``: "file", "item" or "reference"."""
    odata_type = str(attachment.get("@odata.type") or "").lower()
    if odata_type.endswith("itemattachment"):
        return "item"
    if odata_type.endswith("referenceattachment"):
        return "reference"
    return "file"


def attachment_size(attachment: dict[str, Any]) -> int | None:
    size = attachment.get("size")
    return size if isinstance(size, int) and size >= 0 else None


def attachment_modified(attachment: dict[str, Any]) -> datetime | None:
    return parse_timestamp(attachment.get("lastModifiedDateTime"))
