"""The collections of one mailbox: mail folders, contact folders, calendars, To Do lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ... import documents
from ..base import Collection, Mailbox
from .client import GraphClient
from .errors import GraphError, is_mailbox_missing
from .paths import segment, slot_key, user_path

# Child contact folders are followed this deep (Outlook nests rarely past 2).
MAX_FOLDER_DEPTH = 10


def mail_collections(client: GraphClient, mailbox: Mailbox) -> list[Collection]:
    """The well-known folders that exist; a mailbox without an archive folder has no archive.

    Every mailbox has an inbox: when even that is not found, the mailbox
    itself cannot be read.
    """
    found = []
    for name, label in documents.MAIL_FOLDER_TYPES.items():
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
        found.append(
            Collection(
                key=f"mail:{name}",
                object_type=label,
                name=str(folder.get("displayName") or label),
                remote_id=folder.get("id"),
            )
        )
    return found


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
