"""Reading mailboxes over EWS: folders, pages of changes, items as documents.

Everything here needs exchangelib, which ``source.EwsSource`` loads only when
a mailbox is first read: a sync's main process, which hands mailboxes to
worker processes, lists mailboxes and groups without it.

- Collections: Inbox, Sent Items, Archive and Junk Email (or the mail
  folders the ``folders`` rule chooses); the Contacts,
  Calendar and Tasks folders and every folder of the same kind below them.
- Changes: one SyncFolderItems call per page (at most 512 changes), then one
  GetItem per 100 created or changed items for exactly the fields the
  documents use. The page's cursor is the sync state after it, so a sync
  stopped anywhere resumes from its last committed page; ``None`` starts over.
- Failures: a mailbox that cannot be opened is ``MailboxUnavailable`` (the
  others go on); an item that cannot be read or mapped is skipped with its
  reason; a sync state the server no longer accepts is ``CursorExpired``.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from functools import partial
from typing import Any

from exchangelib import Account
from exchangelib import errors as ews_errors
from exchangelib.properties import FolderId

from outlook_connector import documents
from outlook_connector.sources.base import (
    Collection,
    CursorExpired,
    Document,
    Mailbox,
    MailboxUnavailable,
    Page,
    SourceError,
)
from outlook_connector.sources.ews import folders, mapping
from outlook_connector.sources.ews.attachments import attachment_refs
from outlook_connector.sources.ews.connection import MAILBOX_ERRORS, EwsConnection
from outlook_connector.sources.ews.fields import item_fields
from outlook_connector.sources.ews.services import (
    DELETE,
    Change,
    ShapeCache,
    SyncPage,
    SyncResult,
    TextGetItem,
    UnknownItem,
)
from outlook_connector.sources.ews.settings import EwsSettings
from outlook_connector.sync.advanced_rules import FolderRule, folder_tree

log = logging.getLogger(__name__)

_MISSING_FOLDER = (ews_errors.ErrorFolderNotFound, ews_errors.ErrorItemNotFound)

_ATTACHMENT_TYPES = {
    "mail": documents.MAIL_ATTACHMENT,
    "calendar": documents.CALENDAR_ATTACHMENT,
    "tasks": documents.TASK_ATTACHMENT,
}
_DISTINGUISHED = [
    "inbox",
    "sentitems",
    "junkemail",
    "deleteditems",
    "drafts",
    "msgfolderroot",
    "contacts",
    "calendar",
    "tasks",
]


class MailboxReader:
    """The mailbox side of ``EwsSource``: one sign-in, shared by all mailboxes."""

    def __init__(self, settings: EwsSettings, tls: ssl.SSLContext) -> None:
        self.settings = settings
        self.connection = EwsConnection(settings, tls)
        self._shapes: ShapeCache = {}  # GetItem shape templates, kept for this source

    def collections(self, mailbox: Mailbox) -> list[Collection]:
        account = self.connection.account(mailbox.address)
        known = self._distinguished_folders(account, mailbox.address)
        return [
            *self._mail_collections(account, mailbox.address, known),
            *self._folder_collections(account, mailbox.address, known),
        ]

    def _distinguished_folders(
        self, account: Account, address: str
    ) -> dict[str, folders.FolderInfo]:
        found = self.connection.call(
            partial(folders.get_distinguished, account, _DISTINGUISHED), address
        )
        for name, answer in found.items():
            if isinstance(answer, MAILBOX_ERRORS):
                raise MailboxUnavailable(
                    f"mailbox {address} cannot be opened: {type(answer).__name__}: {answer}"
                )
            if isinstance(answer, Exception) and not isinstance(answer, _MISSING_FOLDER):
                raise SourceError(f"folder {name} of {address}: {answer}")
        return {k: v for k, v in found.items() if isinstance(v, folders.FolderInfo)}

    def _subfolders(
        self, account: Account, parent: folders.FolderInfo, deep: bool, address: str
    ) -> list[folders.FolderInfo]:
        def find() -> list[folders.FolderInfo]:
            return list(folders.subfolders(account, parent.id, deep=deep))

        return self.connection.call(find, address)

    def _mail_collections(
        self, account: Account, address: str, known: dict[str, folders.FolderInfo]
    ) -> Iterator[Collection]:
        """The default mail folders, or those the ``folders`` rule chooses.

        The folder tree is searched (one deep FindFolder) only when the rule
        names paths or "all"; well-known names are the distinguished folders.
        """
        rule = FolderRule(self.settings.folders)
        if rule.needs_tree:
            yield from self._chosen_folders(account, address, known, rule)
            return
        for name in rule.names or documents.DEFAULT_MAIL_FOLDERS:
            info = self._well_known(account, address, known, name)
            if info is None:
                log.info("%s has no %s folder; skipped", address, name)
                continue
            label = documents.mail_type(name)
            yield Collection(f"mail:{name}", label, info.display_name or name, info.id)

    def _well_known(
        self, account: Account, address: str, known: dict[str, folders.FolderInfo], name: str
    ) -> folders.FolderInfo | None:
        if name == "archive" and "msgfolderroot" in known:
            children = self._subfolders(account, known["msgfolderroot"], False, address)
            return next((f for f in children if folders.is_archive(f)), None)
        return known.get(name)

    def _chosen_folders(
        self,
        account: Account,
        address: str,
        known: dict[str, folders.FolderInfo],
        rule: FolderRule,
    ) -> Iterator[Collection]:
        root = known.get("msgfolderroot")
        if root is None:
            raise SourceError(f"the folder tree of {address} cannot be read (no msgfolderroot)")
        tree = self._subfolders(account, root, True, address)
        well_known = {
            info.id: name for name, info in known.items() if name in documents.MAIL_FOLDER_TYPES
        }
        # The Archive folder is not distinguished: it is the top-level one by that name.
        archive = next((f for f in tree if f.parent_id == root.id and folders.is_archive(f)), None)
        if archive is not None:
            well_known.setdefault(archive.id, "archive")
        nodes = folder_tree(
            ((f.id, f.parent_id, f.display_name or "", folders.is_mail(f)) for f in tree),
            well_known,
        )
        chosen = [node for node in nodes if rule.selects(node)]
        for entry in rule.unmatched(chosen):
            log.info("%s has no mail folder %r; other mailboxes may have it", address, entry)
        display_names = {f.id: f.display_name for f in tree}
        for node in chosen:
            if node.well_known:
                label = documents.mail_type(node.well_known)
                name = display_names.get(node.id) or node.well_known
                yield Collection(f"mail:{node.well_known}", label, name, node.id)
            else:
                # Keyed by id, so a renamed or moved folder keeps its documents; named by
                # its path, which its mails carry as ``folder``.
                yield Collection(f"mail:{node.id}", documents.FOLDER_MAILS, node.path, node.id)

    def _folder_collections(
        self, account: Account, address: str, known: dict[str, folders.FolderInfo]
    ) -> Iterator[Collection]:
        """Contacts, calendars and task lists: the default folder and those made below it."""
        kinds = (
            ("contacts", documents.CONTACT, folders.CONTACT_CLASSES),
            ("calendar", documents.CALENDAR, folders.CALENDAR_CLASSES),
            ("tasks", documents.TASK, folders.TASK_CLASSES),
        )
        for kind, label, classes in kinds:
            top = known.get(kind)
            if top is None:
                continue
            below = self._subfolders(account, top, True, address)
            for info in [top, *(f for f in below if f.folder_class in classes)]:
                yield Collection(f"{kind}:{info.id}", label, info.display_name or kind, info.id)

    def changes(
        self, mailbox: Mailbox, collection: Collection, cursor: str | None
    ) -> Iterator[Page]:
        kind = collection.key.split(":", 1)[0]
        if collection.remote_id is None:
            raise SourceError(f"collection {collection.key} has no folder id")
        account = self.connection.account(mailbox.address)
        folder = FolderId(id=collection.remote_id)
        windowed = kind == "mail" and self.settings.has_mail_window
        state = cursor
        while True:
            try:
                result = self.connection.call(
                    partial(self._sync_page, account, folder, state, windowed), mailbox.address
                )
            except ews_errors.ErrorInvalidSyncStateData:
                raise CursorExpired(
                    f"Exchange no longer accepts the sync state of {collection.name}"
                ) from None
            page = self._page(account, mailbox, collection, kind, result.changes)
            page.cursor = result.sync_state
            page.complete = result.last_page
            yield page
            if result.last_page:
                return
            state = result.sync_state

    def _sync_page(
        self, account: Account, folder: FolderId, state: str | None, received: bool = False
    ) -> SyncResult:
        return SyncPage(account=account).page(
            folder, state, self.settings.sync_page_size, received=received
        )

    def _page(
        self,
        account: Account,
        mailbox: Mailbox,
        collection: Collection,
        kind: str,
        changes: list[Change],
    ) -> Page:
        page = Page()
        wanted: dict[str, Change] = {}
        for change in changes:
            if change.kind == DELETE or self._outside_window(change):
                # A mail outside the window is not fetched, and is removed like a
                # deleted one: it may be indexed from earlier rules (the engine
                # removes whatever the rules exclude in the same way).
                wanted.pop(change.item_id, None)
                page.deletions.append(change.item_id)
            else:
                wanted[change.item_id] = change
        if not wanted:
            return page
        # Ids without change keys: the item may have changed again since the
        # sync call, and its newest version is the one wanted.
        ids = [(item_id, None) for item_id in wanted]
        fields = item_fields(kind)
        chunk = min(100, self.settings.sync_page_size)
        fetched = self.connection.call(
            lambda: list(
                TextGetItem(account=account, chunk_size=chunk, shapes=self._shapes, kind=kind).call(
                    items=ids, additional_fields=fields, shape="IdOnly"
                )
            ),
            mailbox.address,
        )
        for (item_id, _), item in zip(ids, fetched, strict=False):
            self._add_item(page, mailbox, collection, kind, item_id, item)
        return page

    def _outside_window(self, change: Change) -> bool:
        """Whether SyncFolderItems said the item was received outside the mail window.

        Only changes listed with a received time can be decided here (the time is
        asked for in mail folders with a window only); the others are fetched and
        the rule is applied to their documents.
        """
        return change.received is not None and not self.settings.received_in_window(change.received)

    def _add_item(
        self,
        page: Page,
        mailbox: Mailbox,
        collection: Collection,
        kind: str,
        item_id: str,
        item: Any,
    ) -> None:
        if isinstance(item, Exception):
            reason = f"could not be read: {type(item).__name__}: {item}"
            log.warning("%s item %s %s", mailbox.address, item_id, reason)
            page.skipped.append((item_id, reason))
            return
        try:
            document = self._document(item, mailbox, collection, kind)
        except Exception as exc:  # one odd item never stops the sync
            reason = f"{type(item).__name__} could not be mapped: {type(exc).__name__}: {exc}"
            log.warning("%s item %s %s", mailbox.address, item_id, reason)
            page.skipped.append((item_id, reason))
            return
        page.upserts.append(document)
        if kind in _ATTACHMENT_TYPES:
            label = _ATTACHMENT_TYPES[kind]
            page.attachments.extend(attachment_refs(self.connection, item, mailbox.address, label))

    def _document(self, item: Any, mailbox: Mailbox, collection: Collection, kind: str) -> Document:
        if isinstance(item, UnknownItem):
            raise mapping.UnmappableItem(f"unknown item type {item.tag}")
        cls = type(item).__name__
        address = mailbox.address
        if kind == "mail":
            # Meeting requests, reports and posts in a mail folder are mails too.
            return mapping.mail_document(
                item, mailbox=address, object_type=collection.object_type, folder=collection.name
            )
        # Each kind comes as facts read from the XML, or as exchangelib's object.
        if kind == "contacts" and cls in ("ContactFacts", "Contact"):
            return mapping.contact_document(item, mailbox=address)
        if kind == "contacts" and cls in ("DistributionListFacts", "DistributionList"):
            return mapping.distribution_list_document(item, mailbox=address)
        if kind == "calendar" and cls in ("EventFacts", "CalendarItem"):
            return mapping.event_document(item, mailbox=address, calendar=collection.name)
        if kind == "tasks" and cls in ("TaskFacts", "Task"):
            return mapping.task_document(item, mailbox=address, task_list=collection.name)
        raise mapping.UnmappableItem(f"a {cls} is not expected in a {kind} folder")

    def close(self) -> None:
        self.connection.close()
