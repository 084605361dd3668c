"""The item properties each collection asks GetItem for: what the documents use, nothing more."""

from __future__ import annotations

from typing import Any

from exchangelib.fields import FieldPath
from exchangelib.items import CalendarItem, Contact, DistributionList, Message, Task

_MAIL = (
    "subject", "last_modified_time", "sender", "author", "to_recipients", "cc_recipients",
    "bcc_recipients", "importance", "categories", "body", "datetime_received", "datetime_sent",
    "conversation_id", "has_attachments", "message_id", "attachments",
)  # fmt: skip
_CONTACT = (
    "subject", "last_modified_time", "display_name", "given_name", "surname", "email_addresses",
    "phone_numbers", "company_name", "birthday", "job_title", "department", "body", "categories",
)  # fmt: skip
_DISTRIBUTION_LIST = ("members",)
_EVENT = (
    "subject", "last_modified_time", "type", "organizer", "required_attendees",
    "optional_attendees", "resources", "start", "end", "is_all_day", "location", "body",
    "recurrence", "categories", "has_attachments", "attachments",
    # the zones an all-day event's day is read in
    "_start_timezone", "_end_timezone",
)  # fmt: skip
_TASK = (
    "subject", "last_modified_time", "status", "importance", "categories", "start_date",
    "due_date", "complete_date", "body", "owner", "has_attachments", "attachments",
)  # fmt: skip


def _paths(model: Any, names: tuple[str, ...]) -> list[FieldPath]:
    return [FieldPath(field=model.get_field_by_fieldname(name)) for name in names]


def item_fields(kind: str) -> set[FieldPath]:
    """Field paths for a collection kind: "mail", "contacts", "calendar" or "tasks"."""
    if kind == "mail":
        paths = _paths(Message, _MAIL)
    elif kind == "contacts":
        paths = _paths(Contact, _CONTACT) + _paths(DistributionList, _DISTRIBUTION_LIST)
    elif kind == "calendar":
        paths = _paths(CalendarItem, _EVENT)
    elif kind == "tasks":
        paths = _paths(Task, _TASK)
    else:
        raise ValueError(f"unknown collection kind {kind!r}")
    # One path per property: Contact and DistributionList share some.
    unique: dict[str, FieldPath] = {}
    for path in paths:
        unique.setdefault(path.field.field_uri, path)
    return set(unique.values())
