"""Folders as EWS sees them: distinguished ids, folder ids, rendering.

The tenant's mailbox root is EWS's ``msgfolderroot`` ("Top of Information
Store"). Above it EWS has the mailbox ``root``, which holds only non-IPM
folders; we render it as a folder with msgfolderroot as its one child.
References: ``distinguishedfolderid.md``, ``folderid.md``, ``folder.md``,
``calendarfolder.md``, ``contactsfolder.md``, ``tasksfolder.md``,
``foldershape.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from outlook_emulator.ews.context import EwsContext, at_least
from outlook_emulator.ews.shapes import Shape
from outlook_emulator.ews.soap import EwsError, T, sub, xml_bool
from outlook_emulator.tenant import ids
from outlook_emulator.tenant.model import Event, Folder, Item, Mailbox, Message

ROOT_PATH = "\x00root"  # not a path a tenant folder can have

# Distinguished ids that name a tenant folder by its well-known name.
_WELL_KNOWN = {
    "inbox",
    "sentitems",
    "deleteditems",
    "drafts",
    "junkemail",
    "contacts",
    "calendar",
    "tasks",
    # Not a distinguished id of the online archive (that is archivemsgfolderroot);
    # it names the mailbox's own folder called "Archive", as newer schemas do.
    "archive",
}

_CLASSES = {
    "mail": ("Folder", "IPF.Note"),
    "contacts": ("ContactsFolder", "IPF.Contact"),
    "calendar": ("CalendarFolder", "IPF.Appointment"),
    "tasks": ("TasksFolder", "IPF.Task"),
}


@dataclass
class FolderRef:
    """A resolved folder: a tenant folder, or the synthetic mailbox root."""

    mailbox: Mailbox
    folder: Folder | None  # None: the mailbox root above msgfolderroot

    @property
    def id(self) -> str:
        return self.folder.id if self.folder else ids.folder_id(self.mailbox.address, ROOT_PATH)

    @property
    def change_key(self) -> str:
        seq = self.folder.changed_seq if self.folder else 0
        return f"AQ{seq:010d}"

    def children(self) -> list[FolderRef]:
        if self.folder is None:
            return [FolderRef(self.mailbox, self.mailbox.folders[self.mailbox.root_id])]
        return [FolderRef(self.mailbox, self.mailbox.folders[c]) for c in self.folder.child_ids]


def root_ref(mailbox: Mailbox) -> FolderRef:
    return FolderRef(mailbox, None)


def resolve(ctx: EwsContext, el: etree._Element) -> FolderRef:
    """Resolve a ``t:FolderId`` or ``t:DistinguishedFolderId`` element."""
    if el.tag == T + "DistinguishedFolderId":
        box = el.find(f"{T}Mailbox/{T}EmailAddress")
        mailbox = ctx.mailbox_for(box.text if box is not None else None)
        return distinguished(mailbox, el.get("Id", ""))
    if el.tag == T + "FolderId":
        mailbox = ctx.mailbox_for(None)
        return by_id(mailbox, el.get("Id", ""))
    raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")


def distinguished(mailbox: Mailbox, name: str) -> FolderRef:
    if name == "root":
        return root_ref(mailbox)
    if name == "msgfolderroot":
        return FolderRef(mailbox, mailbox.folders[mailbox.root_id])
    folder = mailbox.well_known(name) if name in _WELL_KNOWN else None
    if folder is None:
        raise EwsError(
            "ErrorFolderNotFound", "The specified folder could not be found in the store."
        )
    return FolderRef(mailbox, folder)


def by_id(mailbox: Mailbox, folder_id: str) -> FolderRef:
    if folder_id == ids.folder_id(mailbox.address, ROOT_PATH):
        return root_ref(mailbox)
    folder = mailbox.folders.get(folder_id)
    if folder is None:
        if not folder_id:
            raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
        raise EwsError(
            "ErrorFolderNotFound", "The specified folder could not be found in the store."
        )
    return FolderRef(mailbox, folder)


def parent_ref(ref: FolderRef) -> FolderRef | None:
    if ref.folder is None:
        return None
    if ref.folder.parent_id is None:
        return root_ref(ref.mailbox)
    return FolderRef(ref.mailbox, ref.mailbox.folders[ref.folder.parent_id])


def _distinguished_name(ref: FolderRef) -> str | None:
    if ref.folder is None:
        return "root"
    if ref.folder.id == ref.mailbox.root_id:
        return "msgfolderroot"
    name = ref.folder.well_known_name
    # "archive" is not in the schema's DistinguishedFolderIdNameType, so it is never reported.
    return name if name in _WELL_KNOWN and name != "archive" else None


def render_folder(
    parent: etree._Element, ref: FolderRef, shape: Shape, version: str = "Exchange2016"
) -> etree._Element:
    """Append the folder in its EWS type, its fields in types.xsd order."""
    folder = ref.folder
    is_root = folder is None or folder.id == ref.mailbox.root_id
    tag, folder_class = _CLASSES[folder.kind] if folder else ("Folder", "")
    if is_root:
        tag, folder_class = "Folder", ""
    el = sub(parent, T + tag)
    sub(el, T + "FolderId", Id=ref.id, ChangeKey=ref.change_key)
    wants = shape.wants
    if wants("folder:ParentFolderId", False, True):
        up = parent_ref(ref)
        if up is not None:
            sub(el, T + "ParentFolderId", Id=up.id, ChangeKey=up.change_key)
    if folder_class and wants("folder:FolderClass", False, True):
        sub(el, T + "FolderClass", folder_class)
    if wants("folder:DisplayName", True, True):
        sub(el, T + "DisplayName", folder.display_name if folder else "Root")
    # Default folder properties: "Property sets and response shapes in EWS in Exchange", Table 2.
    if wants("folder:TotalCount", tag != "CalendarFolder", True):
        sub(el, T + "TotalCount", str(_total(folder)))
    if wants("folder:ChildFolderCount", True, True):
        sub(el, T + "ChildFolderCount", str(len(ref.children())))
    if wants("folder:EffectiveRights", False, True):
        _effective_rights(el)
    name = _distinguished_name(ref)
    # DistinguishedFolderId on a folder is an Exchange 2013 schema addition.
    if name and "folder:DistinguishedFolderId" in shape.uris and at_least(version, "Exchange2013"):
        sub(el, T + "DistinguishedFolderId", name)
    if tag in ("Folder", "TasksFolder") and wants("folder:UnreadCount", True, True):
        sub(el, T + "UnreadCount", str(_unread(folder)))
    return el


def _effective_rights(parent: etree._Element) -> None:
    # The service account may read everything and change nothing.
    rights = sub(parent, T + "EffectiveRights")
    for tag, value in (
        ("CreateAssociated", False),
        ("CreateContents", False),
        ("CreateHierarchy", False),
        ("Delete", False),
        ("Modify", False),
        ("Read", True),
        ("ViewPrivateItems", True),
    ):
        sub(rights, T + tag, xml_bool(value))


def _total(folder: Folder | None) -> int:
    if folder is None:
        return 0
    return len(folder_items(folder)) if folder.kind == "calendar" else len(folder.items)


def _unread(folder: Folder | None) -> int:
    if folder is None or folder.kind != "mail":
        return 0
    return sum(
        1 for item in folder.items.values() if isinstance(item, Message) and not item.is_read
    )


def is_exception(item: Item) -> bool:
    """An occurrence of a series that was changed: stored with the series, not as a folder item.

    Exchange keeps exceptions inside their recurring master; FindItem without a
    CalendarView and SyncFolderItems list "single calendar items and recurring
    master calendar items" only (calendarview.md, remarks).
    """
    return isinstance(item, Event) and bool(item.series_master_id)


def folder_items(folder: Folder) -> list[Item]:
    """The items a folder lists: all of them, but for calendar exceptions."""
    items = list(folder.items.values())
    if folder.kind == "calendar":
        return [item for item in items if not is_exception(item)]
    return items


def walk(ref: FolderRef, deep: bool) -> list[FolderRef]:
    """The folders below ``ref``: children only, or all descendants depth first."""
    out: list[FolderRef] = []
    for child in ref.children():
        out.append(child)
        if deep:
            out.extend(walk(child, True))
    return out
