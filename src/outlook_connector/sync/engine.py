"""The sync engine: mailboxes → collections → pages → index.

The engine owns the order of work and its failure boundaries:

- several mailboxes at once (``max_concurrent_mailboxes``), one thread each;
- within a mailbox, collections one after another, pages streamed — a folder
  is never held in memory whole;
- each page's documents and the cursor after it are committed together;
- a failing collection or mailbox is reported and the rest goes on;
- a full enumeration removes what it did not see only when it completed.

Mailboxes run in threads of this process, or — given ``workers`` — in sync
worker processes (``sync.processes``) that run this same engine per mailbox
and write through this process's index.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from outlook_connector.sinks.sqlite import Round
from outlook_connector.sources.base import (
    Collection,
    CursorExpired,
    Mailbox,
    MailboxUnavailable,
    Page,
    Source,
    SourceError,
)
from outlook_connector.sync.progress import Progress
from outlook_connector.sync.readahead import ReadAhead

if TYPE_CHECKING:
    from outlook_connector.sync.attachments import AttachmentIndexer

log = logging.getLogger(__name__)

# How often one round may start a collection over after the server refused its
# cursor before reading a single page. A cursor refused after pages were read
# (the server dropped a state it had just given out) costs only from the
# enumeration budget: a server that does that now and then still gets read.
MAX_CURSOR_RESTARTS = 3
MAX_ENUMERATIONS = 10

Document = dict[str, Any]
DocumentFilter = Callable[[Document], bool]


class IndexWriter(Protocol):
    """What the engine asks of the index (``SQLiteIndex``, or a worker's link to it)."""

    def mailboxes(self) -> list[str]: ...
    def collections_of(self, mailbox: str) -> list[str]: ...
    def remove_collection(self, mailbox: str, collection: str) -> int: ...
    def begin_round(
        self, mailbox: str, collection: str, name: str, object_type: str, full: bool
    ) -> Round: ...
    def restart_enumeration(self, mailbox: str, collection: str) -> int: ...
    def unchanged(self, documents: list[Document]) -> set[str]: ...
    def commit_page(
        self,
        mailbox: str,
        collection: str,
        generation: int,
        upserts: list[Document],
        deletions: list[str],
        cursor: str | None,
        complete: bool,
        attachment_parents: dict[str, set[str]] | None = None,
        unchanged: set[str] | frozenset[str] = frozenset(),
    ) -> tuple[int, int]: ...
    def finish_round(
        self,
        mailbox: str,
        collection: str,
        generation: int,
        ok: bool,
        error: str | None = None,
        enumerated: bool = False,
    ) -> int: ...


@dataclass
class SyncError:
    mailbox: str | None
    collection: str | None
    error: str

    def as_dict(self) -> dict[str, str | None]:
        return {"mailbox": self.mailbox, "collection": self.collection, "error": self.error}


@dataclass
class SyncSummary:
    mailboxes: int = 0
    indexed: int = 0
    deleted: int = 0
    skipped: int = 0
    errors: list[SyncError] = field(default_factory=list)
    by_type: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, other: SyncSummary) -> None:
        """Count ``other``'s documents and errors in this summary (not its mailboxes)."""
        self.indexed += other.indexed
        self.deleted += other.deleted
        self.skipped += other.skipped
        self.errors.extend(other.errors)
        self.by_type.update(other.by_type)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mailboxes": self.mailboxes,
            "indexed": self.indexed,
            "deleted": self.deleted,
            "skipped": self.skipped,
            "errors": [e.as_dict() for e in self.errors],
            "by_type": dict(sorted(self.by_type.items())),
        }


class MailboxWorkers(Protocol):
    """Runs mailboxes somewhere other than this process's threads."""

    def sync(self, mailboxes: list[Mailbox], full: bool, progress: Progress) -> SyncSummary:
        """Sync ``mailboxes``; report each to ``progress``; their documents and errors."""
        ...


class SyncStopped(BaseException):
    """Raised in a mailbox thread when the sync is being stopped (Ctrl-C, SIGTERM).

    A ``BaseException``, like ``KeyboardInterrupt``: nothing meant for a failing
    mailbox or folder catches it, so nothing is recorded as failed. The pages
    committed stay, and the next sync resumes after them.
    """


class SyncEngine:
    def __init__(
        self,
        source: Source,
        index: IndexWriter,
        *,
        max_concurrent_mailboxes: int = 4,
        attachments: AttachmentIndexer | None = None,
        include: DocumentFilter | None = None,
        mailbox_filter: Callable[[str], bool] | None = None,
        collection_filter: Callable[[Collection], bool] | None = None,
        progress: Progress | None = None,
        workers: MailboxWorkers | None = None,
    ) -> None:
        self.source = source
        self.index = index
        self.max_concurrent_mailboxes = max_concurrent_mailboxes
        self.attachments = attachments
        self.include = include
        self.mailbox_filter = mailbox_filter
        self.collection_filter = collection_filter
        self.progress = progress or Progress(enabled=False)
        self.workers = workers
        self._summary = SyncSummary()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def run(self, full: bool = False) -> SyncSummary:
        """Sync every mailbox; incremental where cursors exist unless ``full``."""
        self._summary = SyncSummary()
        mailboxes = [
            m
            for m in self.source.mailboxes()
            if self.mailbox_filter is None or self.mailbox_filter(m.address)
        ]
        self._summary.mailboxes = len(mailboxes)
        self.progress.start(len(mailboxes))
        self._forget_vanished_mailboxes({m.address for m in mailboxes})
        if self.workers is not None and len(mailboxes) > 1:
            self._summary.add(self.workers.sync(mailboxes, full, self.progress))
        else:
            self._sync_in_threads(mailboxes, full)
        self.progress.finish()
        return self._summary

    def _sync_in_threads(self, mailboxes: list[Mailbox], full: bool) -> None:
        workers = max(1, min(self.max_concurrent_mailboxes, len(mailboxes) or 1))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mailbox") as pool:
            futures = [pool.submit(self._sync_mailbox, m, full) for m in mailboxes]
            try:
                for future in futures:
                    future.result()
            except KeyboardInterrupt:
                # Ctrl-C or SIGTERM: the mailboxes under way stop before their next
                # page, those not started never start; then the interruption goes on.
                self._stopping.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    # -- one mailbox -------------------------------------------------------------

    def sync_mailbox(self, mailbox: Mailbox, full: bool) -> SyncSummary:
        """Sync one mailbox on its own; its documents and errors (what a worker process runs)."""
        self._summary = SyncSummary(mailboxes=1)
        self._sync_mailbox(mailbox, full)
        return self._summary

    def _sync_mailbox(self, mailbox: Mailbox, full: bool) -> None:
        try:
            collections = self.source.collections(mailbox)
        except MailboxUnavailable as exc:
            self._fail(mailbox.address, None, str(exc))
            self.progress.mailbox_done(mailbox.address, ok=False)
            return
        except SourceError as exc:  # explained by the source; no traceback needed
            log.error("listing the folders of %s failed: %s", mailbox.address, exc)
            self._fail(mailbox.address, None, _describe(exc))
            self.progress.mailbox_done(mailbox.address, ok=False)
            return
        except Exception as exc:  # a broken mailbox must not stop the others
            log.exception("listing the folders of %s failed", mailbox.address)
            self._fail(mailbox.address, None, _describe(exc))
            self.progress.mailbox_done(mailbox.address, ok=False)
            return
        if self.collection_filter is not None:
            collections = [c for c in collections if self.collection_filter(c)]
        self._forget_vanished_collections(mailbox.address, {c.key for c in collections})
        ok = True
        for collection in collections:
            self._raise_if_stopping()
            ok &= self._sync_collection(mailbox, collection, full)
        self.progress.mailbox_done(mailbox.address, ok=ok)

    def _forget_vanished_collections(self, mailbox: str, present: set[str]) -> None:
        for key in self.index.collections_of(mailbox):
            if key not in present:
                removed = self.index.remove_collection(mailbox, key)
                self._count(deleted=removed)
                log.info("%s: %s is gone; removed %d documents", mailbox, key, removed)

    def _forget_vanished_mailboxes(self, present: set[str]) -> None:
        for mailbox in self.index.mailboxes():
            if mailbox not in present:
                for key in self.index.collections_of(mailbox):
                    self._count(deleted=self.index.remove_collection(mailbox, key))
                log.info("%s is no longer synced; its documents were removed", mailbox)

    # -- one collection ----------------------------------------------------------

    def _sync_collection(self, mailbox: Mailbox, collection: Collection, full: bool) -> bool:
        address = mailbox.address
        round_ = self.index.begin_round(
            address, collection.key, collection.name, collection.object_type, full
        )
        try:
            round_ = self._stream_restarting(mailbox, collection, round_)
        except Exception as exc:
            message = _describe(exc)
            if isinstance(exc, SourceError):  # explained by the source; no traceback needed
                log.warning("%s %s failed: %s", address, collection.name, message)
            elif not isinstance(exc, MailboxUnavailable):
                log.exception("%s %s failed", address, collection.name)
            self.index.finish_round(
                address, collection.key, round_.generation, ok=False, error=message
            )
            self._fail(address, collection.name, message)
            return False
        removed = self.index.finish_round(
            address, collection.key, round_.generation, ok=True, enumerated=round_.enumerating
        )
        self._count(deleted=removed)
        return True

    def _stream_restarting(self, mailbox: Mailbox, collection: Collection, round_: Round) -> Round:
        """Stream the round; when the server refuses the cursor, enumerate again.

        What was indexed stays until the new enumeration completes, so the
        collection's documents never go missing in between. Returns the round
        that completed.
        """
        restarts = enumerations = 0
        while True:
            committed = [0]  # pages committed by this enumeration, counted by _stream
            try:
                self._stream(mailbox, collection, round_, committed)
                return round_
            except CursorExpired as exc:
                restarts += not committed[0]
                enumerations += 1
                if restarts > MAX_CURSOR_RESTARTS or enumerations > MAX_ENUMERATIONS:
                    raise
                log.warning(
                    "%s %s: %s; enumerating it again", mailbox.address, collection.name, exc
                )
                generation = self.index.restart_enumeration(mailbox.address, collection.key)
                round_ = Round(None, generation, enumerating=True)

    def _stream(
        self, mailbox: Mailbox, collection: Collection, round_: Round, committed: list[int]
    ) -> None:
        """Commit the round's pages, counting them in ``committed[0]``."""
        pages = self.source.changes(mailbox, collection, round_.cursor)
        # The next page is fetched while this one is committed.
        ahead = ReadAhead(pages, depth=1, name=f"pages {mailbox.address}")
        try:
            for page in ahead:
                self._raise_if_stopping()
                self._commit(mailbox, collection, round_, page)
                committed[0] += 1
        finally:
            # At once, even when an exception that outlives this call (SyncStopped,
            # kept by its future) would keep the iterator from being collected.
            ahead.close()

    def _raise_if_stopping(self) -> None:
        if self._stopping.is_set():
            raise SyncStopped

    def _commit(self, mailbox: Mailbox, collection: Collection, round_: Round, page: Page) -> None:
        upserts, excluded = self._apply_rules(page.upserts)
        # Documents seen again exactly as indexed cost a stamp, not a rewrite,
        # and their attachments are not downloaded again. In a collection the
        # index held nothing of, nothing is looked up: an item listed twice in
        # one round is then simply written twice.
        unchanged = set() if round_.started_empty else self.index.unchanged(upserts)
        changed = [doc for doc in upserts if doc["id"] not in unchanged]
        changed_ids = {doc["id"] for doc in changed}
        attachment_docs: list[Document] = []
        parents: dict[str, set[str]] = {doc_id: set() for doc_id in changed_ids}
        if self.attachments is not None:
            refs = [ref for ref in page.attachments if ref.parent_id in changed_ids]
            for doc in self.attachments.documents(refs):
                if self.include is None or self.include(doc):
                    attachment_docs.append(doc)
                    parents[doc["parent_id"]].add(doc["id"])
        for item, reason in page.skipped:
            log.warning("%s %s: skipped %s: %s", mailbox.address, collection.name, item, reason)
        written, deleted = self.index.commit_page(
            mailbox.address,
            collection.key,
            round_.generation,
            changed + attachment_docs,
            list(page.deletions) + excluded,
            page.cursor,
            page.complete,
            attachment_parents=parents,
            unchanged=unchanged,
        )
        by_type = Counter(doc["type"] for doc in changed + attachment_docs)
        self._count(indexed=written, deleted=deleted, skipped=len(page.skipped), by_type=by_type)
        self.progress.page(mailbox.address, collection.name, written)

    def _apply_rules(self, documents: list[Document]) -> tuple[list[Document], list[str]]:
        """Documents the rules keep, and ids of those they exclude (removed if indexed)."""
        if self.include is None:
            return documents, []
        kept: list[Document] = []
        excluded: list[Document] = []
        for doc in documents:
            (kept if self.include(doc) else excluded).append(doc)
        return kept, [doc["id"] for doc in excluded]

    # -- bookkeeping -------------------------------------------------------------

    def _fail(self, mailbox: str | None, collection: str | None, message: str) -> None:
        with self._lock:
            self._summary.errors.append(SyncError(mailbox, collection, message))

    def _count(
        self,
        indexed: int = 0,
        deleted: int = 0,
        skipped: int = 0,
        by_type: Counter[str] | None = None,
    ) -> None:
        with self._lock:
            self._summary.indexed += indexed
            self._summary.deleted += deleted
            self._summary.skipped += skipped
            if by_type:
                self._summary.by_type.update(by_type)


def _describe(exc: BaseException) -> str:
    """A one-line description for the summary; sources keep secrets out of messages."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if "\n" in text else text
