"""The folder tree every Exchange mailbox has, and the folders a tenant folder adds to it."""

from __future__ import annotations

from outlook_emulator.tenant import ids
from outlook_emulator.tenant.model import WELL_KNOWN_MAIL_FOLDERS, Folder, FolderKind, Mailbox, User

ROOT_NAME = "Top of Information Store"
# Directory name -> (display name, kind) of the non-mail well-known folders.
WELL_KNOWN_OTHER: dict[str, tuple[str, FolderKind]] = {
    "contacts": ("Contacts", "contacts"),
    "calendar": ("Calendar", "calendar"),
    "tasks": ("Tasks", "tasks"),
}


def new_mailbox(user: User) -> Mailbox:
    """A mailbox with the standard folders (root, the mail folders, contacts, calendar, tasks)."""
    mailbox = Mailbox(address=user.mail, user=user)
    root = mailbox.add_folder(
        Folder(
            id=ids.folder_id(user.mail, ""),
            mailbox=user.mail,
            path="",
            display_name=ROOT_NAME,
            kind="mail",
            parent_id=None,
            well_known_name="msgfolderroot",
        )
    )
    standard = [(name, display, "mail") for name, display in WELL_KNOWN_MAIL_FOLDERS.items()]
    standard += [(name, display, kind) for name, (display, kind) in WELL_KNOWN_OTHER.items()]
    for name, display, kind in standard:
        add_child(mailbox, root, name, display, kind, well_known_name=name)  # type: ignore[arg-type]
    return mailbox


def add_child(
    mailbox: Mailbox,
    parent: Folder,
    name: str,
    display_name: str | None = None,
    kind: FolderKind | None = None,
    well_known_name: str | None = None,
) -> Folder:
    """The child folder ``name`` of ``parent``, made (of the parent's kind) when missing."""
    path = f"{parent.path}/{name}" if parent.path else name
    existing = mailbox.folders.get(ids.folder_id(mailbox.address, path))
    if existing is not None:
        return existing
    return mailbox.add_folder(
        Folder(
            id=ids.folder_id(mailbox.address, path),
            mailbox=mailbox.address,
            path=path,
            display_name=display_name or name,
            kind=kind or parent.kind,
            parent_id=parent.id,
            well_known_name=well_known_name,
        )
    )
