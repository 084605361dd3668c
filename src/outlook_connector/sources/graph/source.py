"""Exchange Online through Microsoft Graph: the ``Source`` of ``data_source = outlook_cloud``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

import httpx

from ... import documents
from ...sync.advanced_rules import FolderRule
from ..base import (
    CheckResult,
    Collection,
    CursorExpired,
    Mailbox,
    MailboxUnavailable,
    Page,
    SourceError,
)
from .attachments import AttachmentLister
from .auth import TokenProvider
from .changes import ChangeReader
from .client import GraphClient
from .collections import (
    calendar_collections,
    contact_collections,
    mail_collections,
    task_collections,
)
from .directory import all_mailboxes, listed_mailboxes
from .errors import PERMISSIONS, GraphError, for_mailbox, permission_message
from .groups import group_members
from .paths import slot_key, user_path
from .settings import GraphSettings
from .tls import CaBundleFile

log = logging.getLogger(__name__)

# A kind of data the application may not read stands in the collection list
# under this key, so that the refusal is reported on each sync (and skipped
# quietly when sync rules leave that kind out) while the rest of the mailbox syncs.
DENIED = "access-denied"
_DENIED_TYPES = {
    "mail": documents.INBOX_MAILS,
    "contacts": documents.CONTACT,
    "calendar": documents.CALENDAR,
    "tasks": documents.TASK,
}


# The type labels each kind of collection holds.
KIND_TYPES: dict[str, frozenset[str]] = {
    "mail": documents.MAIL_TYPES,
    "contacts": frozenset({documents.CONTACT, documents.DISTRIBUTION_LIST}),
    "calendar": frozenset({documents.CALENDAR}),
    "tasks": frozenset({documents.TASK}),
}


class GraphSource:
    def __init__(
        self,
        settings: GraphSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        tokens: TokenProvider | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``transport`` and ``tokens`` replace the network and the sign-in (for tests)."""
        self.settings = settings
        self._ca_bundle = CaBundleFile(settings.ssl_ca)
        self._tokens = tokens or TokenProvider(settings, self._ca_bundle.path)
        self._client = GraphClient(settings, self._tokens, transport=transport, sleep=sleep)
        self._reader = ChangeReader(
            self._client, AttachmentLister(self._client, settings.max_attachment_size), settings
        )
        self._closed = False
        self._close_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Any) -> GraphSource:
        return cls(GraphSettings.from_config(config))

    # -- Source --------------------------------------------------------------

    def mailboxes(self) -> Iterator[Mailbox]:
        if self.settings.mailboxes:
            yield from listed_mailboxes(self._client, self.settings.mailboxes)
        else:
            yield from all_mailboxes(self._client)

    def group_members(self, groups: Sequence[str]) -> dict[str, frozenset[str]]:
        return group_members(self._client, groups)

    def collections(self, mailbox: Mailbox) -> list[Collection]:
        # A kind that fails to list for another reason fails the whole mailbox
        # rather than being left out: a missing collection has its documents removed.
        found: list[Collection] = []
        folders = FolderRule(self.settings.folders)
        for kind, lister in (
            ("mail", partial(mail_collections, rule=folders)),
            ("contacts", contact_collections),
            ("calendar", calendar_collections),
            ("tasks", task_collections),
        ):
            if not self._wanted(kind):
                continue  # excluded by the rules: not even listed
            try:
                found.extend(lister(self._client, mailbox))
            except GraphError as exc:
                if not exc.is_access_denied:
                    raise _unavailable(exc, mailbox, kind) from None
                log.warning("%s: %s", mailbox.address, permission_message(kind, exc))
                found.append(
                    Collection(f"{kind}:{DENIED}", _DENIED_TYPES[kind], f"{kind} (access denied)")
                )
        return found

    def _wanted(self, kind: str) -> bool:
        selected = self.settings.object_types
        return not selected or bool(KIND_TYPES[kind] & set(selected))

    def changes(
        self, mailbox: Mailbox, collection: Collection, cursor: str | None
    ) -> Iterator[Page]:
        kind, _, rest = collection.key.partition(":")
        readers = {
            "mail": self._reader.messages,
            "contacts": self._reader.contacts,
            "calendar": self._reader.events,
            "tasks": self._reader.tasks,
        }
        read = readers.get(kind)
        if read is None:
            raise SourceError(f"unknown collection {collection.key!r}")
        if rest == DENIED:
            raise MailboxUnavailable(
                f"{mailbox.address}: access denied: the application needs the "
                f"{PERMISSIONS[kind]} application permission (admin consent granted) to read {kind}"
            )
        if cursor is not None:
            try:
                self._client.url(cursor)
            except SourceError as exc:  # a cursor from another cloud or a damaged state
                raise CursorExpired(str(exc)) from None
        try:
            yield from read(mailbox, collection, cursor)
        except GraphError as exc:
            raise for_mailbox(exc, mailbox.address, kind) from None

    def check(self) -> list[CheckResult]:
        results = [self._check_sign_in()]
        if not results[0].ok:
            return results
        mailboxes, lines = self._check_mailboxes()
        results.extend(lines)
        if mailboxes:
            results.extend(self._probe(mailboxes[0]))
        return results

    def close(self) -> None:
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._client.close()
        self._tokens.close()
        self._ca_bundle.close()

    def __enter__(self) -> GraphSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- check ---------------------------------------------------------------

    def _check_sign_in(self) -> CheckResult:
        try:
            self._tokens.token()
        except SourceError as exc:
            return CheckResult("sign-in", False, str(exc))
        detail = f"application {self.settings.client_id} in tenant {self.settings.tenant_id}"
        return CheckResult("sign-in", True, detail)

    def _check_mailboxes(self) -> tuple[list[Mailbox], list[CheckResult]]:
        undetermined: list[str] = []
        try:
            if self.settings.mailboxes:
                mailboxes = listed_mailboxes(self._client, self.settings.mailboxes)
            else:
                mailboxes = list(all_mailboxes(self._client, undetermined))
        except SourceError as exc:
            return [], [CheckResult("mailboxes", False, str(exc))]
        shared = sum(1 for m in mailboxes if m.kind == "shared")
        detail = f"{len(mailboxes)} mailboxes ({shared} shared)"
        lines = [CheckResult("mailboxes", bool(mailboxes), detail)]
        if undetermined:
            # Shared mailboxes are disabled accounts; without their mailbox
            # settings they cannot be told from people who left, so none is synced.
            lines.append(
                CheckResult(
                    "shared mailboxes",
                    False,
                    f"{len(undetermined)} disabled accounts are not synced because shared "
                    "mailboxes cannot be recognised without the MailboxSettings.Read "
                    f"application permission: {', '.join(sorted(undetermined)[:5])}",
                )
            )
        return mailboxes, lines

    def _probe(self, mailbox: Mailbox) -> list[CheckResult]:
        """One cheap request per kind of data, to find a missing permission now, not mid-sync."""
        base = user_path(mailbox)
        probes = {
            "mail": (f"{base}/mailFolders/inbox", {"$select": "id"}),
            "contacts": (f"{base}/contactFolders", {"$top": "1", "$select": "id"}),
            "calendar": (f"{base}/calendars", {"$top": "1", "$select": "id"}),
            "tasks": (f"{base}/todo/lists", {"$top": "1", "$select": "id"}),
        }
        results = []
        for kind, (path, params) in probes.items():
            name = f"{kind} of {mailbox.address}"
            try:
                self._client.get_json(path, params=params, mailbox=slot_key(mailbox))
            except GraphError as exc:
                detail = permission_message(kind, exc) if exc.is_access_denied else str(exc)
                results.append(CheckResult(name, False, detail))
            except SourceError as exc:
                results.append(CheckResult(name, False, str(exc)))
            else:
                results.append(CheckResult(name, True, "readable"))
        return results


def _unavailable(exc: GraphError, mailbox: Mailbox, kind: str) -> Exception:
    mapped = for_mailbox(exc, mailbox.address, kind)
    if isinstance(mapped, MailboxUnavailable):
        return mapped
    return MailboxUnavailable(f"{mailbox.address}: listing its {kind} failed: {exc}")
