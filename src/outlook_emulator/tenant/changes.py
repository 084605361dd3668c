"""Changing a loaded tenant file by file: the change API behind the control endpoint.

A path names a file in a mailbox folder exactly as in the tenant folder
("inbox/order.eml", "contacts/team.vcf"). A file holding several cards or
calendar components stands for several items ("path", "path#1", ...); they
are created, replaced, deleted and moved together. The tenant folder on disk
is never written: changes live in memory only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from outlook_emulator.tenant import ids
from outlook_emulator.tenant.common import UnrepresentableFile
from outlook_emulator.tenant.files import parse_file
from outlook_emulator.tenant.model import Event, Folder, Item, Mailbox, Tenant


class NotFound(LookupError):
    """No such mailbox, folder or file; the message says which."""


def put_file(tenant: Tenant, address: str, path: str, data: bytes) -> str:
    """Creates or replaces the file at ``path``; returns the id of its (first) item.

    Replaced items keep their ids. Raises NotFound for an unknown mailbox or folder and
    UnrepresentableFile when the bytes cannot be an item of that folder.

    The store stamps the change with its own clock, as Exchange does: the item was
    created (or last modified) now, whatever dates the file carries.
    """
    with tenant.lock:
        mailbox = _mailbox(tenant, address)
        folder = _folder(mailbox, path)
        now = datetime.now(UTC)
        items, _ = parse_file(mailbox.address, folder, path, data, now)
        if not items:
            raise UnrepresentableFile("nothing in the file can be an item")
        old = {item.path: item for _, item in mailbox.items_at(path)}
        _assign_ids(mailbox, items, old)
        for item in items:
            previous = old.get(item.path)
            item.created = previous.created if previous is not None else now
            item.last_modified = now
        for gone in set(old) - {item.path for item in items}:
            mailbox.remove(old[gone].id)
        for item in items:
            mailbox.store(folder, item)
        return items[0].id


def delete_file(tenant: Tenant, address: str, path: str) -> str:
    """Deletes the item(s) of the file at ``path``; returns the id of the (first) item."""
    with tenant.lock:
        mailbox = _mailbox(tenant, address)
        found = _items(mailbox, path)
        for _, item in found:
            mailbox.remove(item.id)
        return found[0][1].id


def move_file(tenant: Tenant, address: str, source: str, target: str) -> str:
    """Moves the file at ``source`` to ``target`` (another folder, or a new name).

    The items keep their ids, as Exchange's immutable ids do. Raises NotFound when the
    source or the target folder is missing, and FileExistsError when the target is taken.
    """
    with tenant.lock:
        mailbox = _mailbox(tenant, address)
        found = _items(mailbox, source)
        folder = _folder(mailbox, target)
        source_folder = found[0][0]
        if folder.kind != source_folder.kind:
            raise UnrepresentableFile(
                f"a {source_folder.kind} item cannot move to the {folder.kind} folder {folder.path!r}"
            )
        if mailbox.items_at(target) and target != source:
            raise FileExistsError(f"{address}/{target} already exists")
        now = datetime.now(UTC)
        for _, item in found:
            suffix = item.path[len(source) :]  # "" or "#N"
            item.last_modified = now
            mailbox.move(item.id, folder, target + suffix)
        return found[0][1].id


def rename_folder(tenant: Tenant, address: str, path: str, name: str) -> str:
    """Gives the folder at ``path`` the display name ``name``; returns the folder's id.

    As a user renaming a folder in Outlook: the folder keeps its id, its items and its
    place, and gets a new change key. ``path`` stays the folder's path in the tenant
    folder, which is how this API names it. Default folders (Inbox, Contacts, ...)
    cannot be renamed, and no two folders under one parent share a name.
    """
    name = name.strip()
    if not name:
        raise ValueError("a folder's name cannot be empty")
    with tenant.lock:
        mailbox = _mailbox(tenant, address)
        folder = mailbox.folder_by_path(path)
        if folder is None or folder.parent_id is None:
            raise NotFound(f"no folder {path!r} in {mailbox.address}")
        if folder.well_known_name is not None:
            raise ValueError(f"{path!r} is a default folder, which cannot be renamed")
        siblings = mailbox.folders[folder.parent_id].child_ids
        for sibling_id in siblings:
            sibling = mailbox.folders[sibling_id]
            if sibling is not folder and sibling.display_name.casefold() == name.casefold():
                raise FileExistsError(f"{mailbox.address} already has a folder {name!r} there")
        folder.display_name = name
        folder.changed_seq = mailbox.next_seq()
        return folder.id


def _mailbox(tenant: Tenant, address: str) -> Mailbox:
    mailbox = tenant.mailboxes.get(address.lower())
    if mailbox is None:
        raise NotFound(f"no mailbox {address}")
    return mailbox


def _folder(mailbox: Mailbox, path: str) -> Folder:
    folder_path, _, name = path.rpartition("/")
    if not name or not folder_path or "#" in name:
        raise NotFound(f"{path!r} does not name a file in a folder of {mailbox.address}")
    folder = mailbox.folder_by_path(folder_path)
    if folder is None:
        raise NotFound(f"no folder {folder_path!r} in {mailbox.address}")
    return folder


def _items(mailbox: Mailbox, path: str) -> list[tuple[Folder, Item]]:
    found = mailbox.items_at(path)
    if not found:
        raise NotFound(f"no item at {path!r} in {mailbox.address}")
    return found


def _assign_ids(mailbox: Mailbox, items: list[Item], old: dict[str, Item]) -> None:
    """Keeps the id of each replaced item, and never reuses the id of another item.

    Ids come from paths, so a path can be the birthplace of an item that has since moved
    away or been deleted; a new item there gets a fresh id instead.
    """
    renamed: dict[str, str] = {}
    for item in items:
        previous = old.get(item.path)
        if previous is not None:
            new_id = previous.id
        elif mailbox.id_in_use(item.id):
            new_id = ids.item_id(mailbox.address, item.path, salt=str(mailbox.seq + 1))
        else:
            continue
        renamed[item.id] = new_id
        _set_id(item, new_id)
    for item in items:  # exceptions of a recurring series point at its master's id
        if isinstance(item, Event) and item.series_master_id in renamed:
            item.series_master_id = renamed[item.series_master_id]


def _set_id(item: Item, new_id: str) -> None:
    item.id = new_id
    for position, attachment in enumerate(item.attachments):
        attachment.id = ids.attachment_id(new_id, position)
        if attachment.item is not None:
            attachment.item.id = attachment.id
