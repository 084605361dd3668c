"""The emulated Exchange organisation: users, mailboxes, folders, items.

This is the one in-memory model that both protocol front ends (Graph and EWS)
read. It is protocol-neutral: it holds what an Exchange store holds, and each
front end renders it the way its documentation says.

Every item carries a change sequence number (``changed_seq``) taken from a
per-mailbox counter, and deleted items leave a tombstone with the sequence of
their deletion. Delta links and sync states are therefore just "the sequence
number I have seen up to", which is how the front ends answer incremental
queries without keeping per-client state.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

FolderKind = Literal["mail", "contacts", "calendar", "tasks"]

# Graph's well-known mail folder names that the tenant folder layout uses,
# with their English display names (what Exchange shows for an en-US mailbox).
WELL_KNOWN_MAIL_FOLDERS: dict[str, str] = {
    "inbox": "Inbox",
    "sentitems": "Sent Items",
    "archive": "Archive",
    "junkemail": "Junk Email",
    "deleteditems": "Deleted Items",
    "drafts": "Drafts",
}


@dataclass
class Application:
    """An Entra app registration allowed to use the client credentials grant."""

    client_id: str
    client_secret: str | None = None
    # PEM of the public certificate registered for certificate credentials.
    certificate_pem: str | None = None
    permissions: list[str] = field(default_factory=list)


@dataclass
class ServiceAccount:
    """The on-premises account a connector signs in with (NTLM, LDAP)."""

    username: str
    password: str
    impersonation: bool = True


@dataclass
class User:
    mail: str  # primary SMTP address, lower case
    id: str  # directory object id (GUID), deterministic from the address
    display_name: str
    given_name: str | None = None
    surname: str | None = None
    job_title: str | None = None
    enabled: bool = True
    kind: Literal["user", "shared", "room", "equipment"] = "user"
    aliases: list[str] = field(default_factory=list)


@dataclass
class Group:
    """A directory group: a Microsoft 365 group or a security group.

    ``members`` are the primary addresses of member users and the ids of
    member groups (groups nest); the tenant resolves them.
    """

    id: str  # directory object id (GUID), deterministic from the name
    display_name: str
    mail: str | None = None
    kind: Literal["microsoft365", "security"] = "security"
    members: list[str] = field(default_factory=list)


@dataclass
class EmailAddress:
    address: str
    name: str | None = None


@dataclass
class Attachment:
    id: str  # deterministic: item id + position
    name: str
    content_type: str
    content: bytes  # for an item attachment: the attached item's MIME/source bytes
    is_inline: bool = False
    content_id: str | None = None
    last_modified: datetime | None = None
    # An attached Outlook item (a mail attached to a mail, say): the parsed item.
    item: Item | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class Item:
    """Fields every Exchange item has."""

    id: str  # immutable id, deterministic from mailbox address + relative path
    path: str  # path relative to the mailbox folder, e.g. "inbox/2024-q3/report.eml"
    folder_id: str
    created: datetime
    last_modified: datetime
    categories: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    changed_seq: int = 0  # mailbox change counter value of the last change
    source_bytes: bytes = b""  # the file the item was loaded from (MIME for messages)

    @property
    def change_key(self) -> str:
        return f"CK{self.changed_seq:010d}"


@dataclass
class Message(Item):
    subject: str = ""
    sender: EmailAddress | None = None  # Sender header, else From
    from_: EmailAddress | None = None
    to: list[EmailAddress] = field(default_factory=list)
    cc: list[EmailAddress] = field(default_factory=list)
    bcc: list[EmailAddress] = field(default_factory=list)
    reply_to: list[EmailAddress] = field(default_factory=list)
    sent: datetime | None = None
    received: datetime | None = None
    body_text: str = ""
    body_html: str | None = None
    internet_message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    conversation_id: str = ""
    importance: Literal["low", "normal", "high"] = "normal"
    is_read: bool = True
    # "IPM.Note", "IPM.Schedule.Meeting.Request", "REPORT.IPM.Note.NDR", ...
    item_class: str = "IPM.Note"


@dataclass
class PhoneNumber:
    number: str
    kind: Literal["business", "home", "mobile", "other", "businessFax", "homeFax", "pager"] = (
        "other"
    )


@dataclass
class PostalAddress:
    kind: Literal["business", "home", "other"] = "other"
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass
class Contact(Item):
    display_name: str = ""
    given_name: str | None = None
    surname: str | None = None
    middle_name: str | None = None
    nickname: str | None = None
    emails: list[EmailAddress] = field(default_factory=list)
    phones: list[PhoneNumber] = field(default_factory=list)
    addresses: list[PostalAddress] = field(default_factory=list)
    company_name: str | None = None
    department: str | None = None
    job_title: str | None = None
    birthday: date | None = None
    notes: str | None = None
    uid: str | None = None


@dataclass
class ContactGroup(Item):
    """A personal distribution list (vCard KIND:group)."""

    display_name: str = ""
    members: list[EmailAddress] = field(default_factory=list)
    notes: str | None = None
    uid: str | None = None


@dataclass
class Attendee:
    email: EmailAddress
    kind: Literal["required", "optional", "resource"] = "required"
    response: Literal[
        "none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded"
    ] = "none"


@dataclass
class Recurrence:
    """An RRULE kept in iCalendar form plus its exceptions; front ends translate it."""

    rrule: str  # e.g. "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20250101T000000Z"
    exdates: list[datetime] = field(default_factory=list)
    timezone: str = "UTC"  # IANA or Windows name from the source VTIMEZONE/TZID


@dataclass
class Event(Item):
    uid: str = ""
    subject: str = ""
    body_text: str = ""
    body_html: str | None = None
    location: str | None = None
    start: datetime | None = None  # aware, UTC
    end: datetime | None = None  # aware, UTC
    is_all_day: bool = False
    start_timezone: str = "UTC"  # the TZID the source gave, for display
    organizer: EmailAddress | None = None
    attendees: list[Attendee] = field(default_factory=list)
    recurrence: Recurrence | None = None
    # An occurrence overridden by a RECURRENCE-ID component: the series' id.
    series_master_id: str | None = None
    original_start: datetime | None = None
    is_cancelled: bool = False
    importance: Literal["low", "normal", "high"] = "normal"
    sensitivity: Literal["normal", "personal", "private", "confidential"] = "normal"
    show_as: Literal["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"] = "busy"
    is_online_meeting: bool = False
    online_meeting_url: str | None = None


@dataclass
class Task(Item):
    uid: str = ""
    title: str = ""
    body_text: str = ""
    status: Literal["notStarted", "inProgress", "completed", "waitingOnOthers", "deferred"] = (
        "notStarted"
    )
    importance: Literal["low", "normal", "high"] = "normal"
    start: datetime | None = None
    due: datetime | None = None
    completed: datetime | None = None
    owner: EmailAddress | None = None
    percent_complete: int = 0


@dataclass
class Tombstone:
    item_id: str
    folder_id: str
    deleted_seq: int


@dataclass
class Folder:
    id: str  # deterministic from mailbox + folder path
    mailbox: str
    path: str  # relative path in the mailbox folder, "" for the root; e.g. "Projects/Q3"
    display_name: str
    kind: FolderKind
    parent_id: str | None
    well_known_name: str | None = None  # "inbox", "contacts", "calendar", "tasks", ...
    child_ids: list[str] = field(default_factory=list)
    items: dict[str, Item] = field(default_factory=dict)  # in insertion order
    tombstones: list[Tombstone] = field(default_factory=list)
    changed_seq: int = 0

    def changes_since(self, seq: int) -> tuple[list[Item], list[Tombstone]]:
        """Items created or changed after ``seq`` and items gone since, both in change order.

        An item deleted and then put back under the same id counts as changed, not gone.
        """
        changed = sorted(
            (item for item in self.items.values() if item.changed_seq > seq),
            key=lambda item: item.changed_seq,
        )
        gone = [t for t in self.tombstones if t.deleted_seq > seq and t.item_id not in self.items]
        return changed, gone


@dataclass
class Mailbox:
    address: str
    user: User
    folders: dict[str, Folder] = field(default_factory=dict)
    root_id: str = ""
    seq: int = 0  # the mailbox's change counter; every change takes the next value

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def folder_by_path(self, path: str) -> Folder | None:
        for folder in self.folders.values():
            if folder.path == path:
                return folder
        return None

    def well_known(self, name: str) -> Folder | None:
        for folder in self.folders.values():
            if folder.well_known_name == name:
                return folder
        return None

    def find_item(self, item_id: str) -> tuple[Folder, Item] | None:
        for folder in self.folders.values():
            item = folder.items.get(item_id)
            if item is not None:
                return folder, item
        return None

    # --- changes: each takes the next sequence number, so front ends can ask "what since N" ---
    # Callers hold Tenant.lock; these methods only keep the mailbox consistent.

    def add_folder(self, folder: Folder) -> Folder:
        """Registers ``folder`` under its parent (the root when it has none)."""
        folder.changed_seq = self.next_seq()
        self.folders[folder.id] = folder
        if folder.parent_id is None:
            self.root_id = folder.id
        else:
            parent = self.folders[folder.parent_id]
            if folder.id not in parent.child_ids:
                parent.child_ids.append(folder.id)
        return folder

    def items_at(self, path: str) -> list[tuple[Folder, Item]]:
        """The items loaded from the file at ``path``: the item itself, or "path#N" entries."""
        folder_path = path.rpartition("/")[0]
        folder = self.folder_by_path(folder_path)
        if folder is None:
            return []
        prefix = path + "#"
        return [
            (folder, item)
            for item in folder.items.values()
            if item.path == path or item.path.startswith(prefix)
        ]

    def id_in_use(self, item_id: str) -> bool:
        """Whether an item has, or had, this id (a deleted item's id is never handed out again)."""
        if self.find_item(item_id) is not None:
            return True
        return any(t.item_id == item_id for f in self.folders.values() for t in f.tombstones)

    def store(self, folder: Folder, item: Item) -> int:
        """Creates ``item`` in ``folder``, or replaces the item with the same id there."""
        seq = self.next_seq()
        item.folder_id = folder.id
        item.changed_seq = seq
        folder.items[item.id] = item
        return seq

    def remove(self, item_id: str) -> Tombstone | None:
        """Deletes the item, leaving a tombstone in its folder; None when there is no such item."""
        found = self.find_item(item_id)
        if found is None:
            return None
        folder, _ = found
        del folder.items[item_id]
        tombstone = Tombstone(item_id=item_id, folder_id=folder.id, deleted_seq=self.next_seq())
        folder.tombstones.append(tombstone)
        return tombstone

    def move(self, item_id: str, target: Folder, path: str) -> Item | None:
        """Moves the item to ``target`` as ``path``; its (immutable) id stays the same.

        Leaving a folder leaves a tombstone there, as Exchange's sync reports a move out.
        """
        found = self.find_item(item_id)
        if found is None:
            return None
        source, item = found
        if source is not target:
            del source.items[item_id]
            source.tombstones.append(Tombstone(item_id, source.id, self.next_seq()))
        item.path = path
        self.store(target, item)
        return item


@dataclass
class Tenant:
    tenant_id: str
    domain: str
    netbios_name: str
    applications: list[Application] = field(default_factory=list)
    service_account: ServiceAccount | None = None
    users: list[User] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)  # by lower-case address
    # Files that could not be represented, with the reason: (path, reason).
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Which loading of the tenant folder this is. Cursors handed out (delta links,
    # sync states) carry it: after a restart the emulator cannot tell what changed
    # while it was down, so cursors from an earlier run are refused as expired.
    instance: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Held while a front end reads or the control API changes the tenant.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def user(self, key: str) -> User | None:
        """A user by object id, primary address or alias (case-insensitive)."""
        key = key.lower()
        for user in self.users:
            if user.id == key or user.mail == key or key in (a.lower() for a in user.aliases):
                return user
        return None

    def group(self, key: str) -> Group | None:
        """A group by object id, display name or mail address (case-insensitive)."""
        key = key.lower()
        for group in self.groups:
            if key in (group.id, group.display_name.lower(), (group.mail or "").lower()):
                return group
        return None

    def direct_members(self, group: Group) -> list[User | Group]:
        """The group's members, users and groups, in the order tenant.toml gives them."""
        found: list[User | Group] = []
        for key in group.members:
            member: User | Group | None = self.user(key) or self.group(key)
            if member is not None:
                found.append(member)
        return found

    def transitive_members(self, group: Group) -> list[User | Group]:
        """Every member of the group and of the groups nested in it, once each.

        Membership may loop (a group inside a group inside the first); each
        group is expanded once.
        """
        found: dict[str, User | Group] = {}
        pending = [group]
        expanded = {group.id}
        while pending:
            for member in self.direct_members(pending.pop(0)):
                if member.id == group.id:
                    continue  # a loop back to the group itself
                found.setdefault(member.id, member)
                if isinstance(member, Group) and member.id not in expanded:
                    expanded.add(member.id)
                    pending.append(member)
        return list(found.values())

    def application(self, client_id: str) -> Application | None:
        for app in self.applications:
            if app.client_id == client_id:
                return app
        return None
