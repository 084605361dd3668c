"""The collections of one mailbox: mail folders, contact folders, calendars, To Do lists."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from ... import documents
from ...sync.advanced_rules import FolderNode, FolderRule
from ..base import Collection, Mailbox
from .client import GraphClient
from .errors import GraphError, is_mailbox_missing
from .paths import segment, slot_key, user_path

log = logging.getLogger(__name__)

# Child contact folders are followed this deep (Outlook nests rarely past 2).
MAX_FOLDER_DEPTH = 10


def mail_collections(
    client: GraphClient, mailbox: Mailbox, rule: FolderRule | None = None
) -> list[Collection]:
    """The mail folders to sync: the default well-known ones, or those ``rule`` chooses.

    Every mailbox has an inbox: when even that is not found, the mailbox
    itself cannot be read. The folder tree is listed only when the rule names
    paths or "all"; then only below folders where a chosen folder may be.
    """
    if not rule:
        defaults = _get_well_known(client, mailbox, documents.DEFAULT_MAIL_FOLDERS)
        return [_well_known(name, folder) for name, folder in defaults]
    if not rule.needs_tree:
        named = _get_well_known(client, mailbox, rule.names)
        _log_unmatched(mailbox, [name for name in rule.names if name not in dict(named)])
        return [_well_known(name, folder) for name, folder in named]
    known = _get_well_known(client, mailbox, tuple(documents.MAIL_FOLDER_TYPES))
    names = {str(folder["id"]): name for name, folder in known}
    chosen = [node for node in _mail_tree(client, mailbox, rule, names) if rule.selects(node)]
    _log_unmatched(mailbox, rule.unmatched(chosen))
    return [_chosen(node, known) for node in chosen]


def _get_well_known(
    client: GraphClient, mailbox: Mailbox, names: Iterable[str]
) -> list[tuple[str, dict[str, Any]]]:
    """(name, folder) of the well-known folders that exist, in the order asked."""
    found = []
    for name in names:
        try:
            folder = client.get_json(
                f"{user_path(mailbox)}/mailFolders/{name}",
                params={"$select": "id,displayName"},
                mailbox=slot_key(mailbox),
            )
        except GraphError as exc:
            if exc.is_not_found and name != "inbox" and not is_mailbox_missing(exc):
                continue
            raise
        if folder.get("id"):
            found.append((name, folder))
    return found


def _well_known(name: str, folder: dict[str, Any]) -> Collection:
    label = documents.mail_type(name)
    return Collection(f"mail:{name}", label, str(folder.get("displayName") or label), folder["id"])


def _chosen(node: FolderNode, known: list[tuple[str, dict[str, Any]]]) -> Collection:
    """Well-known folders keep their keys ("mail:inbox"); others are keyed by their id and
    named by their path, which their mails carry as ``folder``."""
    if node.well_known:
        return _well_known(node.well_known, dict(known)[node.well_known])
    return Collection(f"mail:{node.id}", documents.FOLDER_MAILS, node.path, node.id)


def _mail_tree(
    client: GraphClient, mailbox: Mailbox, rule: FolderRule, well_known: dict[str, str]
) -> Iterator[FolderNode]:
    """The mailbox's mail folders, top-level ones first; children are asked for only
    where the rule may choose one of them."""
    base = user_path(mailbox)
    params = {"$select": "id,displayName,childFolderCount", "$top": "100"}
    key = slot_key(mailbox)
    pending: list[tuple[str, FolderNode | None]] = [(f"{base}/mailFolders", None)]
    seen: set[str] = set()
    while pending:
        path, parent = pending.pop(0)
        for folder in list(client.items(path, params=params, mailbox=key)):
            fid = str(folder.get("id") or "")
            if not fid or fid in seen:
                continue
            seen.add(fid)
            name = str(folder.get("displayName") or "")
            if parent is None:
                node = FolderNode(fid, name, well_known.get(fid))
            else:
                node = FolderNode(fid, f"{parent.path}/{name}", parent.top, is_top=False)
            yield node
            if folder.get("childFolderCount") != 0 and rule.may_select_below(node):
                pending.append((f"{base}/mailFolders/{segment(fid)}/childFolders", node))


def _log_unmatched(mailbox: Mailbox, entries: list[str]) -> None:
    for entry in entries:
        log.info("%s has no mail folder %r; other mailboxes may have it", mailbox.address, entry)


def contact_collections(client: GraphClient, mailbox: Mailbox) -> list[Collection]:
    """The default Contacts folder and every folder below it.

    Contact delta exists per folder only, so the default folder's id is
    needed: it is the parent of its child folders, or of any contact in it.
    """
    base = user_path(mailbox)
    key = slot_key(mailbox)
    children = list(_folders(client, base, f"{base}/contactFolders", key, depth=0))
    default_id = next((f.get("parentFolderId") for f in children if f.get("parentFolderId")), None)
    if default_id is None:
        first = client.get_json(
            f"{base}/contacts", params={"$select": "id,parentFolderId", "$top": "1"}, mailbox=key
        )
        default_id = next((c.get("parentFolderId") for c in first.get("value") or []), None)
    found = []
    if default_id:
        found.append(
            Collection(f"contacts:{default_id}", documents.CONTACT, "Contacts", default_id)
        )
    for folder in children:
        if folder.get("id") and folder.get("id") != default_id:
            name = str(folder.get("displayName") or "Contacts")
            found.append(
                Collection(f"contacts:{folder['id']}", documents.CONTACT, name, folder["id"])
            )
    return found


def _folders(
    client: GraphClient, base: str, path: str, key: str, depth: int
) -> Iterator[dict[str, Any]]:
    params = {"$select": "id,displayName,parentFolderId"}
    for folder in list(client.items(path, params=params, mailbox=key)):
        yield folder
        if depth < MAX_FOLDER_DEPTH and folder.get("id"):
            children = f"{base}/contactFolders/{segment(folder['id'])}/childFolders"
            yield from _folders(client, base, children, key, depth + 1)


def calendar_collections(client: GraphClient, mailbox: Mailbox) -> list[Collection]:
    items = client.items(
        f"{user_path(mailbox)}/calendars",
        params={"$select": "id,name,isDefaultCalendar"},
        mailbox=slot_key(mailbox),
    )
    return [
        Collection(
            f"calendar:{c['id']}", documents.CALENDAR, str(c.get("name") or "Calendar"), c["id"]
        )
        for c in items
        if c.get("id")
    ]


def task_collections(client: GraphClient, mailbox: Mailbox) -> list[Collection]:
    """Every To Do list except "Flagged email", whose tasks are mails already indexed."""
    items = client.items(
        f"{user_path(mailbox)}/todo/lists",
        params={"$select": "id,displayName,wellknownListName"},
        mailbox=slot_key(mailbox),
    )
    return [
        Collection(
            f"tasks:{t['id']}", documents.TASK, str(t.get("displayName") or "Tasks"), t["id"]
        )
        for t in items
        if t.get("id") and t.get("wellknownListName") != "flaggedEmails"
    ]
