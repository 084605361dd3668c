"""Advanced sync rules: choose mailboxes (by address or group), object types and time windows.

These are applied as early as possible: an excluded mailbox or object type is
never opened (no request at all for its items); time windows and attachment
types are applied to each document as it arrives. ``plan()`` says which rule
is applied where, for ``outlook-connector check``.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from outlook_connector.dates import parse_date
from outlook_connector.documents import (
    CALENDAR,
    CONTACT,
    DISTRIBUTION_LIST,
    MAIL_FOLDER_TYPES,
    OBJECT_TYPES,
)

KEYS = (
    "mailboxes_include",
    "mailboxes_exclude",
    "groups_include",
    "object_types",
    "received_after",
    "received_before",
    "events_after",
    "events_before",
    "max_attachment_size",
    "skip_attachment_types",
)
MAIL_TYPES = frozenset(MAIL_FOLDER_TYPES.values())


@dataclass(frozen=True)
class AdvancedRules:
    mailboxes_include: tuple[str, ...] = ()
    mailboxes_exclude: tuple[str, ...] = ()
    # Names or addresses of directory groups, as written; the source resolves
    # their members once per sync (see sync.runner.resolve_groups).
    groups_include: tuple[str, ...] = ()
    object_types: tuple[str, ...] = ()
    received_after: str | None = None
    received_before: str | None = None
    events_after: str | None = None
    events_before: str | None = None
    max_attachment_size: int | None = None
    skip_attachment_types: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, key) for key in KEYS)

    # -- where they apply ------------------------------------------------------

    def mailbox_selected(
        self, address: str, group_members: frozenset[str] = frozenset()
    ) -> bool:
        """Included by address or as a member of a ``groups_include`` group, and not excluded.

        ``group_members`` are the addresses of the groups' members, resolved for this sync.
        """
        address = address.lower()
        if self.mailboxes_include or self.groups_include:
            by_address = any(fnmatch.fnmatchcase(address, p) for p in self.mailboxes_include)
            if not by_address and address not in group_members:
                return False
        return not any(fnmatch.fnmatchcase(address, p) for p in self.mailboxes_exclude)

    def object_type_selected(self, object_type: str) -> bool:
        if not self.object_types:
            return True
        # Contact groups live in the contacts folders.
        wanted = set(self.object_types)
        if DISTRIBUTION_LIST in wanted:
            wanted.add(CONTACT)
        return object_type in wanted

    def document_selected(self, document: Mapping[str, Any]) -> bool:
        doc_type = document.get("type")
        if self.object_types and doc_type in OBJECT_TYPES and doc_type not in self.object_types:
            return False
        if doc_type in MAIL_TYPES:
            return _within(document.get("received_at"), self.received_after, self.received_before)
        if doc_type == CALENDAR:
            # An event is kept when it overlaps the window.
            return _within(
                document.get("end_date") or document.get("start_date"), self.events_after, None
            ) and _within(document.get("start_date"), None, self.events_before)
        return True

    def attachment_selected(self, name: str) -> bool:
        lowered = name.lower()
        return not any(lowered.endswith(ext) for ext in self.skip_attachment_types)

    def plan(self, cloud: bool = True) -> list[tuple[str, str]]:
        """(rule, where it is applied) for every rule that is set."""
        plan = []
        if self.mailboxes_include or self.mailboxes_exclude:
            plan.append(
                (
                    "mailboxes_include/mailboxes_exclude",
                    "before the sync: excluded mailboxes are never opened",
                )
            )
        if self.groups_include:
            plan.append(
                (
                    "groups_include",
                    "before the sync: the groups' members (nested groups included) are "
                    "looked up in the directory on every sync; other mailboxes are never opened",
                )
            )
        if self.object_types:
            plan.append(("object_types", "before the sync: other collections are never read"))
        for key in ("received_after", "received_before"):
            if not getattr(self, key):
                continue
            if not cloud:
                where = (
                    "at the source: SyncFolderItems lists received times; "
                    "only mails inside the window are fetched"
                )
            elif key == "received_after":
                where = "at the source: Graph filters the mail delta on receivedDateTime"
            else:
                where = (
                    "locally, on each document as it arrives "
                    "(Graph's message delta can filter only on receivedDateTime ge)"
                )
            plan.append((key, where))
        for key in ("events_after", "events_before"):
            if getattr(self, key):
                plan.append(
                    (
                        key,
                        "locally, on each document as it arrives (a recurring series' "
                        "start and end are its first occurrence, so only its recurrence "
                        "tells whether it overlaps the window)",
                    )
                )
        if self.max_attachment_size is not None:
            plan.append(
                ("max_attachment_size", "before download: larger attachments are not fetched")
            )
        if self.skip_attachment_types:
            plan.append(
                ("skip_attachment_types", "before download: such attachments are not indexed")
            )
        return plan


def _within(value: Any, after: str | None, before: str | None) -> bool:
    if after is None and before is None:
        return True
    if not value:
        return False
    try:
        moment = parse_date(str(value))
    except ValueError:
        return False
    if after is not None and moment < parse_date(after):
        return False
    return not (before is not None and moment >= parse_date(before))


def parse_advanced_rules(raw: Any, problems: list[str]) -> AdvancedRules:
    if raw is None:
        return AdvancedRules()
    if not isinstance(raw, Mapping):
        problems.append("advanced_rules: must be a table ([advanced_rules])")
        return AdvancedRules()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"advanced_rules.{key}"
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean 'advanced_rules.{close[0]}'?)" if close else ""
            problems.append(f"{where}: unknown setting{hint}")
        elif key in (
            "mailboxes_include",
            "mailboxes_exclude",
            "groups_include",
            "skip_attachment_types",
            "object_types",
        ):
            values[key] = _string_list(key, value, where, problems)
        elif key == "max_attachment_size":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(f"{where}: must be a number of bytes, got {value!r}")
            else:
                values[key] = value
        else:
            values[key] = _date_value(value, where, problems)
    return AdvancedRules(**{k: v for k, v in values.items() if v is not None})


def _string_list(key: str, value: Any, where: str, problems: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: must be a list of strings")
        return None
    items = [v.strip() for v in value]
    if key == "object_types":
        for item in items:
            if item not in OBJECT_TYPES:
                close = difflib.get_close_matches(item, OBJECT_TYPES, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(f"{where}: unknown type '{item}'{hint}")
        return tuple(items)
    if key == "groups_include":
        # As written, for messages; directories compare group names without case.
        return tuple(dict.fromkeys(items))
    if key == "skip_attachment_types":
        return tuple("." + v.lower().lstrip(".") for v in items)
    return tuple(v.lower() for v in items)


def _date_value(value: Any, where: str, problems: list[str]) -> str | None:
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    try:
        parse_date(text)
    except ValueError:
        problems.append(f"{where}: {value!r} is not a date (ISO 8601 or now-90d)")
        return None
    return text
