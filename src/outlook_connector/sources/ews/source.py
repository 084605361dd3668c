"""Exchange Server through EWS: users from Active Directory, items by SyncFolderItems."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import partial
from typing import Any, Literal, TypeVar

from exchangelib import IMPERSONATION, NTLM, UTC, Account, Configuration
from exchangelib import errors as ews_errors
from exchangelib.attachments import AttachmentId
from exchangelib.properties import FolderId
from exchangelib.protocol import Protocol
from exchangelib.services import GetAttachment
from exchangelib.transport import get_service_authtype
from exchangelib.version import EXCHANGE_2013_SP1, Version

from outlook_connector import documents
from outlook_connector.sources.base import (
    AttachmentRef,
    CheckResult,
    Collection,
    CursorExpired,
    Document,
    Mailbox,
    MailboxUnavailable,
    Page,
    SourceError,
)
from outlook_connector.sources.ews import folders, mapping
from outlook_connector.sources.ews.fields import item_fields
from outlook_connector.sources.ews.services import (
    DELETE,
    Change,
    SyncPage,
    SyncResult,
    TextGetItem,
    UnknownItem,
)
from outlook_connector.sources.ews.settings import EwsSettings
from outlook_connector.sources.ews.transport import (
    BackOffOnThrottling,
    ScopedCredentials,
    ScopedProtocol,
    tls_context,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors that mean "this mailbox cannot be opened", not "the server is broken".
MAILBOX_ERRORS: tuple[type[Exception], ...] = (
    ews_errors.ErrorNonExistentMailbox,
    ews_errors.ErrorImpersonateUserDenied,
    ews_errors.ErrorImpersonationFailed,
    ews_errors.ErrorAccessDenied,
    ews_errors.ErrorMailboxStoreUnavailable,
    ews_errors.ErrorMailboxMoveInProgress,
    ews_errors.ErrorNonPrimarySmtpAddress,
)
_MISSING_FOLDER = (ews_errors.ErrorFolderNotFound, ews_errors.ErrorItemNotFound)

# (collection key, distinguished folder, type label) of the mail folders synced.
MAIL_FOLDERS: tuple[tuple[str, str, str], ...] = (
    ("mail:inbox", "inbox", documents.INBOX_MAILS),
    ("mail:sentitems", "sentitems", documents.SENT_MAILS),
    ("mail:archive", "archive", documents.ARCHIVE_MAILS),
    ("mail:junkemail", "junkemail", documents.JUNK_MAILS),
)
_ATTACHMENT_TYPES = {
    "mail": documents.MAIL_ATTACHMENT,
    "calendar": documents.CALENDAR_ATTACHMENT,
    "tasks": documents.TASK_ATTACHMENT,
}
_DISTINGUISHED = [
    "inbox",
    "sentitems",
    "junkemail",
    "msgfolderroot",
    "contacts",
    "calendar",
    "tasks",
]


class _Transient(Exception):
    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


class EwsSource:
    """The ``Source`` for on-premises Exchange (``data_source = "outlook_server"``)."""

    def __init__(
        self,
        settings: EwsSettings,
        *,
        list_users: Callable[..., Iterator[Any]] | None = None,
    ) -> None:
        self.settings = settings
        try:
            self._endpoint = settings.service_endpoint
            self._tls = tls_context(settings.ssl_enabled, settings.ssl_ca)
        except ValueError as exc:
            raise SourceError(f"Exchange Server settings: {exc}") from None
        if not settings.ssl_enabled:
            log.warning(
                "ssl_enabled is false: the certificate of %s is not verified", self._endpoint
            )
        self._list_users = list_users
        self._lock = threading.Lock()
        self._config: Configuration | None = None
        self._protocol: ScopedProtocol | None = None
        self._auth_checked = False

    @classmethod
    def from_config(cls, config: Any) -> EwsSource:
        return cls(EwsSettings.from_config(config))

    # -- connection ---------------------------------------------------------

    def _connection(self) -> tuple[Configuration, ScopedProtocol]:
        with self._lock:
            if self._config is None or self._protocol is None:
                self._config = Configuration(
                    service_endpoint=self._endpoint,
                    credentials=ScopedCredentials(
                        self.settings.ntlm_username, self.settings.password.reveal()
                    ),
                    auth_type=NTLM,
                    # Exchange 2013 SP1 and every later version accept this
                    # RequestServerVersion, so no version probe is needed.
                    version=Version(build=EXCHANGE_2013_SP1),
                    retry_policy=BackOffOnThrottling(max_wait=self.settings.max_retry_wait),
                    max_connections=max(1, self.settings.max_concurrent_mailboxes),
                )
                # Registered in exchangelib's protocol cache under credentials that
                # equal only themselves: every Account of this source finds it there.
                self._protocol = ScopedProtocol(
                    config=self._config,
                    tls=self._tls,
                    verify=self.settings.ssl_enabled,
                    timeout=self.settings.request_timeout,
                    retry_wait=self.settings.retry_wait,
                )
            return self._config, self._protocol

    def _account(self, address: str) -> Account:
        config, protocol = self._connection()
        account = Account(
            address,
            access_type=IMPERSONATION,
            autodiscover=False,
            config=config,
            locale="en_US",
            # Instants are converted from the offsets the server sends; UTC is
            # the zone exchangelib falls back on, never the machine's.
            default_timezone=UTC,
        )
        if account.protocol is not protocol:  # the cache was cleared by someone
            account.protocol = protocol
        return account

    def _ews(self, call: Callable[[], T], mailbox: str | None = None) -> T:
        """Run one EWS exchange (a read: safe to repeat), with the source's errors."""
        waited, delay = 0.0, self.settings.retry_wait
        while True:
            try:
                return self._translated(call, mailbox)
            except _Transient as exc:
                if waited + delay > self.settings.max_retry_wait:
                    raise SourceError(
                        f"cannot talk to Exchange at {self._endpoint}: {exc.cause}"
                    ) from None
                log.info("Exchange connection failed (%s); retrying in %.1f s", exc.cause, delay)
                time.sleep(delay)
                waited, delay = waited + delay, delay * 2

    def _translated(self, call: Callable[[], T], mailbox: str | None) -> T:
        try:
            return call()
        except (
            ews_errors.ErrorTimeoutExpired,
            ews_errors.ErrorInternalServerTransientError,
        ) as exc:
            # A dropped connection or a failing proxy: exchangelib gives up on
            # these when it has a single connection; the whole call is retried.
            raise _Transient(exc) from None
        except ews_errors.UnauthorizedError:
            if self._switch_auth_type():
                return self._ews(call, mailbox)
            raise SourceError(
                f"Exchange at {self._endpoint} refused the sign-in of "
                f"{self.settings.ntlm_username}: check username, password and domain"
            ) from None
        except MAILBOX_ERRORS as exc:
            raise MailboxUnavailable(
                f"mailbox {mailbox or '?'} cannot be opened: {type(exc).__name__}: {exc}"
            ) from None
        except ews_errors.ErrorInvalidSyncStateData:
            raise
        except ews_errors.RateLimitError as exc:
            raise SourceError(f"Exchange kept throttling requests: {exc}") from None
        except ews_errors.TransportError as exc:
            raise SourceError(f"cannot talk to Exchange at {self._endpoint}: {exc}") from None
        except ews_errors.EWSError as exc:
            raise SourceError(f"Exchange answered {type(exc).__name__}: {exc}") from None

    def _switch_auth_type(self) -> bool:
        """After a refused NTLM sign-in: use what the server offers if that is not NTLM."""
        with self._lock:
            if self._auth_checked or self._protocol is None or self._config is None:
                return False
            self._auth_checked = True
            protocol = self._protocol
        try:
            offered = get_service_authtype(protocol)
        except ews_errors.EWSError as exc:
            log.debug("could not ask %s for its authentication types: %s", self._endpoint, exc)
            return False
        if offered in (None, NTLM):
            return False
        log.info("%s does not offer NTLM; signing in with %s", self._endpoint, offered)
        self._config.auth_type = offered
        protocol.close()  # pooled sessions still carry the NTLM handshake
        return True

    # -- Source -------------------------------------------------------------

    def mailboxes(self) -> Iterator[Mailbox]:
        if self.settings.mailboxes:
            for address in dict.fromkeys(self.settings.mailboxes):
                yield Mailbox(address=address)
            return
        seen: set[str] = set()
        for user in self._directory_users():
            address = (getattr(user, "mail", None) or "").strip().lower()
            if not address or address in seen:
                continue
            seen.add(address)
            kind: Literal["user", "shared"] = (
                "user" if getattr(user, "kind", "user") == "user" else "shared"
            )
            yield Mailbox(
                address=address,
                display_name=getattr(user, "display_name", None),
                kind=kind,
                id=getattr(user, "id", None),
            )

    def _directory_users(self) -> Iterator[Any]:
        # Imported here: ldap3 is needed only when the directory is asked.
        from outlook_connector.sources.directory import DirectoryError, list_directory_users

        list_users = self._list_users or list_directory_users
        s = self.settings
        try:
            yield from list_users(
                s.active_directory_server,
                s.username,
                s.password.reveal(),
                s.domain,
                ssl_enabled=s.ssl_enabled,
                ssl_ca=s.ssl_ca,
            )
        except DirectoryError as exc:
            raise SourceError(
                f"cannot list users from Active Directory at {s.active_directory_server}: {exc}"
            ) from None

    def collections(self, mailbox: Mailbox) -> list[Collection]:
        account = self._account(mailbox.address)
        known = self._distinguished_folders(account, mailbox.address)
        return [
            *self._mail_collections(account, mailbox.address, known),
            *self._folder_collections(account, mailbox.address, known),
        ]

    def _distinguished_folders(
        self, account: Account, address: str
    ) -> dict[str, folders.FolderInfo]:
        found = self._ews(partial(folders.get_distinguished, account, _DISTINGUISHED), address)
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

        return self._ews(find, address)

    def _mail_collections(
        self, account: Account, address: str, known: dict[str, folders.FolderInfo]
    ) -> Iterator[Collection]:
        for key, name, label in MAIL_FOLDERS:
            info = known.get(name)
            if name == "archive" and "msgfolderroot" in known:
                children = self._subfolders(account, known["msgfolderroot"], False, address)
                info = next((f for f in children if folders.is_archive(f)), None)
            if info is None:
                log.info("%s has no %s folder; skipped", address, name)
                continue
            yield Collection(key, label, info.display_name or name, info.id)

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
        account = self._account(mailbox.address)
        folder = FolderId(id=collection.remote_id)
        state = cursor
        while True:
            try:
                result = self._ews(
                    partial(self._sync_page, account, folder, state), mailbox.address
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

    def _sync_page(self, account: Account, folder: FolderId, state: str | None) -> SyncResult:
        return SyncPage(account=account).page(folder, state, self.settings.sync_page_size)

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
            if change.kind == DELETE:
                wanted.pop(change.item_id, None)
                page.deletions.append(change.item_id)
            else:
                wanted[change.item_id] = change
        if not wanted:
            return page
        ids = [(c.item_id, c.changekey) for c in wanted.values()]
        fields = item_fields(kind)
        chunk = min(100, self.settings.sync_page_size)
        fetched = self._ews(
            lambda: list(
                TextGetItem(account=account, chunk_size=chunk).call(
                    items=ids, additional_fields=fields, shape="IdOnly"
                )
            ),
            mailbox.address,
        )
        for (item_id, _), item in zip(ids, fetched, strict=False):
            self._add_item(page, account, mailbox, collection, kind, item_id, item)
        return page

    def _add_item(
        self,
        page: Page,
        account: Account,
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
            page.attachments.extend(self._attachments(item, mailbox, kind))

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
        if kind == "contacts" and cls == "Contact":
            return mapping.contact_document(item, mailbox=address)
        if kind == "contacts" and cls == "DistributionList":
            return mapping.distribution_list_document(item, mailbox=address)
        if kind == "calendar" and cls == "CalendarItem":
            return mapping.event_document(item, mailbox=address, calendar=collection.name)
        if kind == "tasks" and cls == "Task":
            return mapping.task_document(item, mailbox=address, task_list=collection.name)
        raise mapping.UnmappableItem(f"a {cls} is not expected in a {kind} folder")

    def _attachments(self, item: Any, mailbox: Mailbox, kind: str) -> list[AttachmentRef]:
        refs: list[AttachmentRef] = []
        for attachment in getattr(item, "attachments", None) or ():
            attachment_id = getattr(getattr(attachment, "attachment_id", None), "id", None)
            if not attachment_id:
                continue
            is_item = type(attachment).__name__ == "ItemAttachment"
            refs.append(
                AttachmentRef(
                    id=f"{item.id}/{attachment_id}",
                    type=_ATTACHMENT_TYPES[kind],
                    mailbox=mailbox.address,
                    parent_id=item.id,
                    parent_title=getattr(item, "subject", None),
                    name=attachment.name or "",
                    content_type=getattr(attachment, "content_type", None),
                    size=getattr(attachment, "size", None),
                    is_inline=bool(getattr(attachment, "is_inline", False)),
                    last_modified=mapping.utc(getattr(attachment, "last_modified_time", None)),
                    fetch=partial(self._fetch_attachment, mailbox.address, attachment_id, is_item),
                )
            )
        return refs

    def _fetch_attachment(self, address: str, attachment_id: str, is_item: bool) -> bytes:
        account = self._account(address)
        answers = self._ews(
            lambda: list(
                GetAttachment(account=account).call(
                    items=[AttachmentId(id=attachment_id)],
                    include_mime_content=is_item,
                    body_type="Text" if is_item else None,
                    filter_html_content=None,
                    additional_fields=None,
                )
            ),
            address,
        )
        if not answers:
            raise SourceError(f"attachment {attachment_id} of {address} came back empty")
        answer = answers[0]
        if isinstance(answer, Exception):
            raise SourceError(f"attachment of {address} could not be read: {answer}")
        return attachment_bytes(answer)

    def check(self) -> list[CheckResult]:
        from outlook_connector.sources.ews.check import run_checks

        return run_checks(self)

    def close(self) -> None:
        with self._lock:
            config, protocol = self._config, self._protocol
            self._config = self._protocol = None
        if config is None or protocol is None:
            return
        with suppress(KeyError):
            del Protocol[config]
        protocol.close()


def attachment_bytes(attachment: Any) -> bytes:
    """A file's content; for an attached item its MIME content, else its text."""
    if type(attachment).__name__ == "FileAttachment":
        return bytes(attachment.content or b"")
    inner = getattr(attachment, "item", None)
    if inner is None:
        return b""
    mime = getattr(inner, "mime_content", None)
    if mime:
        return bytes(mime) if not isinstance(mime, str) else mime.encode("utf-8")
    return (mapping.body_text(inner) or "").encode("utf-8")
