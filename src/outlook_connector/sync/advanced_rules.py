"""Advanced sync rules: choose mailboxes (by address or group), mail folders, object types
and time windows.

These are applied as early as possible: an excluded mailbox, mail folder or
object type is never opened (no request at all for its items); time windows
and attachment types are applied to each document as it arrives. ``plan()`` says which rule
is applied where, for ``outlook-connector check``.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from outlook_connector.dates import parse_date
from outlook_connector.documents import (
    CALENDAR,
    CONTACT,
    DISTRIBUTION_LIST,
    MAIL_FOLDER_TYPES,
    MAIL_TYPES,
    OBJECT_TYPES,
)

KEYS = (
    "mailboxes_include",
    "mailboxes_exclude",
    "groups_include",
    "object_types",
    "folders",
    "received_after",
    "received_before",
    "events_after",
    "events_before",
    "max_attachment_size",
    "skip_attachment_types",
)


@dataclass(frozen=True)
class AdvancedRules:
    mailboxes_include: tuple[str, ...] = ()
    mailboxes_exclude: tuple[str, ...] = ()
    # Names or addresses of directory groups, as written; the source resolves
    # their members once per sync (see sync.runner.resolve_groups).
    groups_include: tuple[str, ...] = ()
    object_types: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
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
        if self.folders:
            plan.append(
                (
                    "folders",
                    "before the sync: mail folders are chosen from their names and paths; "
                    "other folders are never opened",
                )
            )
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
        elif key == "folders":
            values[key] = _folder_entries(value, where, problems)
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


# -- mail folders ------------------------------------------------------------------

ALL_FOLDERS = "all"
# Well-known folders "all" leaves out unless they are named too.
ONLY_WHEN_NAMED = frozenset({"deleteditems", "drafts"})
_WILDCARDS = "*?["


def _folder_entries(value: Any, where: str, problems: list[str]) -> tuple[str, ...] | None:
    """Entries lower-cased, paths without leading or trailing "/"."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(
            f'{where}: must be a list of folder names or paths (e.g. ["inbox", "Projects/Q3"] '
            f'or "all"), got {value!r}'
        )
        return None
    if not value:
        problems.append(f"{where}: names no folder (leave it out to sync the default folders)")
        return None
    entries = []
    for raw in value:
        entry = raw.strip().strip("/").casefold()
        if not entry or any(not part.strip() for part in entry.split("/")):
            problems.append(f"{where}: {raw!r} is not a folder path (an empty folder name)")
            continue
        entries.append("/".join(part.strip() for part in entry.split("/")))
    return tuple(dict.fromkeys(entries))


@dataclass(frozen=True)
class FolderNode:
    """A mail folder as the rule sees it: where it sits in the mailbox's tree."""

    id: str
    path: str  # display names from the mailbox root, joined by "/"
    top: str | None = None  # well-known name of the top-level folder it is in (or is)
    is_top: bool = True
    is_mail: bool = True

    @property
    def well_known(self) -> str | None:
        """The folder's own well-known name (well-known folders are top-level)."""
        return self.top if self.is_top else None

    def paths(self) -> tuple[str, ...]:
        """Its path, and the same path starting with the well-known name ("inbox/Receipts"),
        so that paths below a localised Inbox ("Posteingang") can be named either way."""
        path = self.path.casefold()
        if self.top is None:
            return (path,)
        _, _, rest = path.partition("/")
        return (path, f"{self.top}/{rest}" if rest else self.top)


@dataclass(frozen=True)
class FolderRule:
    """The ``folders`` rule: which mail folders of a mailbox are synced."""

    entries: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entries)

    @property
    def everything(self) -> bool:
        return ALL_FOLDERS in self.entries

    @property
    def names(self) -> tuple[str, ...]:
        """Well-known folders named, in the order given."""
        return tuple(e for e in self.entries if e in MAIL_FOLDER_TYPES)

    @property
    def patterns(self) -> tuple[str, ...]:
        return tuple(e for e in self.entries if e != ALL_FOLDERS and e not in MAIL_FOLDER_TYPES)

    @property
    def needs_tree(self) -> bool:
        """Whether the mailbox's folder tree must be listed (well-known names alone need not)."""
        return self.everything or bool(self.patterns)

    def selects(self, folder: FolderNode) -> bool:
        if not folder.is_mail:
            return False
        if folder.well_known in self.names:
            return True
        if any(_matches(p, pattern) for p in folder.paths() for pattern in self.patterns):
            return True
        return self._in_everything(folder)

    def may_select_below(self, folder: FolderNode) -> bool:
        """Whether a folder below this one can be chosen: if not, its children are not listed."""
        if self._in_everything(folder):
            return True
        return any(
            _may_start_with(pattern, f"{p}/") for p in folder.paths() for pattern in self.patterns
        )

    def _in_everything(self, folder: FolderNode) -> bool:
        return self.everything and (folder.top not in ONLY_WHEN_NAMED or folder.top in self.names)

    def unmatched(self, chosen: Iterable[FolderNode]) -> list[str]:
        """Entries that chose none of ``chosen`` (named folders missing from the mailbox)."""
        chosen = list(chosen)
        return [
            entry
            for entry in self.entries
            if entry != ALL_FOLDERS
            and not any(
                f.well_known == entry or any(_matches(p, entry) for p in f.paths()) for f in chosen
            )
        ]


def _matches(path: str, pattern: str) -> bool:
    # Equal names count too: a folder named "[Gmail]" is named as it is, not as a set of letters.
    return path == pattern or fnmatch.fnmatchcase(path, pattern)


def _may_start_with(pattern: str, prefix: str) -> bool:
    """Whether some path starting with ``prefix`` may match ``pattern``."""
    if pattern.startswith(prefix):
        return True
    literal = pattern
    for i, char in enumerate(pattern):
        if char in _WILDCARDS:
            literal = pattern[:i]
            break
    else:
        return pattern.startswith(prefix)
    return literal.startswith(prefix) or prefix.startswith(literal)


def folder_tree(
    folders: Iterable[tuple[str, str | None, str, bool]], well_known: Mapping[str, str]
) -> list[FolderNode]:
    """``FolderNode``s from a flat listing of (id, parent id, display name, is a mail folder).

    A folder whose parent is not in the listing is top-level; ``well_known``
    maps folder ids to well-known names.
    """
    listed = {fid: (parent, name, is_mail) for fid, parent, name, is_mail in folders}
    nodes: dict[str, FolderNode] = {}

    def node(fid: str, seen: frozenset[str] = frozenset()) -> FolderNode:
        if fid in nodes:
            return nodes[fid]
        parent, name, is_mail = listed[fid]
        if parent in listed and parent not in seen:  # a loop in a broken answer ends it
            above = node(parent, seen | {fid})
            # Below a folder of another kind (a contacts folder, say) nothing is mail,
            # as Graph's mailFolders never lead there either.
            mail = is_mail and above.is_mail
            found = FolderNode(fid, f"{above.path}/{name}", above.top, False, mail)
        else:
            found = FolderNode(fid, name, well_known.get(fid), True, is_mail)
        nodes[fid] = found
        return found

    return [node(fid) for fid in listed]
