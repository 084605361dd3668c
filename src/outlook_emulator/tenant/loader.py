"""Loads a tenant folder (TENANT-FORMAT.md) into the in-memory model.

Anything that cannot become an item is recorded in ``Tenant.skipped`` with
the reason and logged; one bad file never stops the load.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from outlook_emulator.tenant.common import UnrepresentableFile
from outlook_emulator.tenant.config import read_config, user_for_address
from outlook_emulator.tenant.files import parse_file
from outlook_emulator.tenant.folders import WELL_KNOWN_OTHER, add_child, new_mailbox
from outlook_emulator.tenant.model import (
    WELL_KNOWN_MAIL_FOLDERS,
    Contact,
    ContactGroup,
    Folder,
    Mailbox,
    Tenant,
)
from outlook_emulator.tenant.vcard import resolve_members

log = logging.getLogger(__name__)


def load_tenant(path: Path) -> Tenant:
    """The tenant described by the folder ``path`` (tenant.toml plus mailboxes/)."""
    path = Path(path)
    tenant = read_config(path)
    mailbox_dirs = _mailbox_dirs(path / "mailboxes", tenant)
    known = {user.mail for user in tenant.users}
    for address in sorted(mailbox_dirs):
        if address not in known:
            tenant.users.append(user_for_address(address))
    for user in tenant.users:
        mailbox = new_mailbox(user)
        tenant.mailboxes[user.mail] = mailbox
        directory = mailbox_dirs.get(user.mail)
        if directory is not None:
            _load_mailbox(tenant, mailbox, directory)
    return tenant


def _mailbox_dirs(root: Path, tenant: Tenant) -> dict[str, Path]:
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        address = entry.name.lower()
        if not entry.is_dir() or "@" not in address:
            _skip(tenant, f"mailboxes/{entry.name}", "not a mailbox folder named by an address")
            continue
        found[address] = Path(entry.path)
    return found


def _load_mailbox(tenant: Tenant, mailbox: Mailbox, directory: Path) -> None:
    root = mailbox.folders[mailbox.root_id]
    for entry in _entries(directory, tenant, mailbox.address):
        relative = entry.name
        if not entry.is_dir():
            _skip(tenant, f"{mailbox.address}/{relative}", "a file outside any folder")
            continue
        if entry.name in WELL_KNOWN_MAIL_FOLDERS or entry.name in WELL_KNOWN_OTHER:
            folder = mailbox.well_known(entry.name)
            assert folder is not None  # new_mailbox made every well-known folder
        else:
            folder = add_child(mailbox, root, entry.name, kind="mail")
        _load_folder(tenant, mailbox, folder, Path(entry.path))
    groups = [i for f in mailbox.folders.values() for i in f.items.values()]
    notes = resolve_members(
        [i for i in groups if isinstance(i, ContactGroup)],
        [i for i in groups if isinstance(i, Contact)],
    )
    for note in notes:
        _skip(tenant, f"{mailbox.address}/contacts", note)


def _load_folder(tenant: Tenant, mailbox: Mailbox, folder: Folder, directory: Path) -> None:
    children: list[os.DirEntry[str]] = []
    for entry in _entries(directory, tenant, f"{mailbox.address}/{folder.path}"):
        if entry.is_dir():
            children.append(entry)
            continue
        relative = f"{folder.path}/{entry.name}"
        _load_file(tenant, mailbox, folder, relative, entry)
    for entry in children:
        child = add_child(mailbox, folder, entry.name)
        _load_folder(tenant, mailbox, child, Path(entry.path))


def _load_file(
    tenant: Tenant, mailbox: Mailbox, folder: Folder, relative: str, entry: os.DirEntry[str]
) -> None:
    where = f"{mailbox.address}/{relative}"
    try:
        with open(entry.path, "rb") as handle:
            data = handle.read()
        stamp = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
        items, notes = parse_file(mailbox.address, folder, relative, data, stamp)
    except OSError as error:
        _skip(tenant, where, f"cannot be read: {error.strerror or error}")
        return
    except UnrepresentableFile as error:
        _skip(tenant, where, str(error))
        return
    except Exception as error:  # a parser bug must cost one file, not the tenant
        log.exception("unexpected failure reading %s", where)
        _skip(tenant, where, f"unexpected {type(error).__name__}: {error}")
        return
    for note in notes:
        _skip(tenant, where, note)
    for item in items:
        mailbox.store(folder, item)


def _entries(directory: Path, tenant: Tenant, where: str) -> list[os.DirEntry[str]]:
    """The visible entries of ``directory``, sorted so that load order (and with it every
    change sequence number) is stable; an unreadable folder counts as empty, with a note."""
    try:
        with os.scandir(directory) as scan:
            return sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as error:
        _skip(tenant, where, f"folder cannot be read: {error.strerror or error}")
        return []


def _skip(tenant: Tenant, where: str, reason: str) -> None:
    log.warning("tenant: skipped %s: %s", where, reason)
    tenant.skipped.append((where, reason))
