"""A sync worker process: syncs the mailboxes it is handed, writing through its parent.

Parsing replies, mapping items and preparing index rows is Python work that
one interpreter runs one thread at a time. A worker process does that work for
its share of the mailboxes with a source of its own, while the parent process
(``sync.processes``) keeps the only connection to the index file and runs
the SQL. The worker runs the same ``SyncEngine`` as a sync in one process;
only its index is a link to the parent's (``RemoteIndex``).

The link is one socket carrying pickled tuples, each begun by a kind:

- worker → parent ``("call", name, args)``, answered by ``("ok", value)`` or
  ``("error", message)``: index operations and ``next_mailbox``;
- worker → parent ``("tell", name, args)``, not answered: progress, log
  records, and the summary of a finished mailbox.

The parent starts the worker, sends one ``WorkerSetup``, and is told
``("tell", "ready", ())`` or ``("tell", "failed", (message,))``. The worker
leaves when there is no mailbox left or its parent is gone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from outlook_connector.config import Config
from outlook_connector.sinks.sqlite import Round, document_row, serialise
from outlook_connector.sources.base import Mailbox
from outlook_connector.sync.progress import Progress

Document = dict[str, Any]


@dataclass(frozen=True)
class WorkerSetup:
    config: Config
    full: bool
    threads: int  # mailboxes this worker syncs at once
    extraction_workers: int
    log_levels: dict[str, int]  # logger name ("" is the root) -> the parent's level


class ParentGone(Exception):
    """The parent process closed the link: the sync is over for this worker."""


class IndexCallFailed(Exception):
    """The parent could not carry out an index operation; the message says why."""


class Channel:
    """The worker's end of the link; safe to use from several threads."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.RLock()

    def call(self, name: str, *args: Any) -> Any:
        with self._lock:
            try:
                self._conn.send(("call", name, args))
                kind, value = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise ParentGone(str(exc) or "the sync's main process is gone") from None
        if kind == "error":
            raise IndexCallFailed(value)
        return value

    def tell(self, name: str, *args: Any) -> None:
        with self._lock:
            try:
                self._conn.send(("tell", name, args))
            except (EOFError, OSError) as exc:
                raise ParentGone(str(exc) or "the sync's main process is gone") from None


class RemoteIndex:
    """The parent's index as the engine sees it. Rows are prepared here, not in the parent."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def mailboxes(self) -> list[str]:
        result: list[str] = self._channel.call("mailboxes")
        return result

    def collections_of(self, mailbox: str) -> list[str]:
        result: list[str] = self._channel.call("collections_of", mailbox)
        return result

    def remove_collection(self, mailbox: str, collection: str) -> int:
        return int(self._channel.call("remove_collection", mailbox, collection))

    def begin_round(
        self, mailbox: str, collection: str, name: str, object_type: str, full: bool
    ) -> Round:
        result: Round = self._channel.call(
            "begin_round", mailbox, collection, name, object_type, full
        )
        return result

    def restart_enumeration(self, mailbox: str, collection: str) -> int:
        return int(self._channel.call("restart_enumeration", mailbox, collection))

    def unchanged(self, documents: list[Document]) -> set[str]:
        wanted = {doc["id"]: doc for doc in documents}
        stored: dict[str, str] = self._channel.call("stored", list(wanted))
        return {doc_id for doc_id, text in stored.items() if serialise(wanted[doc_id]) == text}

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
        unchanged: Iterable[str] = (),
    ) -> tuple[int, int]:
        rows = [document_row(mailbox, collection, generation, doc) for doc in upserts]
        written, deleted = self._channel.call(
            "commit_rows", mailbox, collection, generation, rows, list(deletions), cursor,
            complete, attachment_parents, list(unchanged),
        )
        return int(written), int(deleted)

    def finish_round(
        self,
        mailbox: str,
        collection: str,
        generation: int,
        ok: bool,
        error: str | None = None,
        enumerated: bool = False,
    ) -> int:
        return int(
            self._channel.call(
                "finish_round", mailbox, collection, generation, ok, error, enumerated
            )
        )


class RemoteProgress(Progress):
    """Pages reach the parent's progress line; mailboxes are reported with their summary."""

    def __init__(self, channel: Channel) -> None:
        super().__init__(enabled=False)
        self._channel = channel

    def page(self, mailbox: str, collection: str, documents: int) -> None:
        self._channel.tell("page", mailbox, collection, documents)

    def mailbox_done(self, mailbox: str, ok: bool) -> None:
        pass  # the parent hears of it with the mailbox's summary


class LogToParent(logging.Handler):
    """Log records go to the parent, which logs them under the same logger name."""

    def __init__(self, channel: Channel) -> None:
        super().__init__()
        self._channel = channel
        self.setFormatter(logging.Formatter("%(message)s"))  # a traceback is appended

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._channel.tell("log", record.name, record.levelno, self.format(record))
        except ParentGone:
            pass
        except Exception:  # a record that cannot be sent must not stop the sync
            self.handleError(record)


def serve(fd: int) -> None:
    """The worker's main, given the descriptor of its end of the socket."""
    # The parent decides when workers stop (it kills them when the sync is
    # interrupted): a SIGTERM sent to every process of the sync, as a service
    # manager sends it, must not make them look as if they had failed.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.SIG_IGN)
    conn = Connection(fd)
    channel = Channel(conn)
    try:
        setup: WorkerSetup = conn.recv()
    except (EOFError, OSError):
        return
    _log_to_parent(channel, setup.log_levels)
    try:
        run(setup, channel)
    except ParentGone:
        pass
    finally:
        conn.close()


def run(setup: WorkerSetup, channel: Channel) -> None:
    # Imported here: the source library is imported once the setup names it.
    from outlook_connector.extraction import Extractor
    from outlook_connector.sources.factory import create_source
    from outlook_connector.sync.attachments import AttachmentIndexer
    from outlook_connector.sync.runner import collection_filter, document_filter, extraction_limits

    config = dataclasses.replace(setup.config, max_concurrent_mailboxes=setup.threads)
    try:
        source = create_source(config)
    except Exception as exc:
        channel.tell("failed", f"{type(exc).__name__}: {exc}")
        return
    limits = extraction_limits(config)
    try:
        with (
            Extractor(limits, workers=setup.extraction_workers) as extractor,
            AttachmentIndexer(
                extractor,
                limits,
                config.advanced_rules.attachment_selected,
                downloads=4 * setup.threads,
            ) as attachments,
        ):
            channel.tell("ready")
            index = RemoteIndex(channel)
            include, collections = document_filter(config), collection_filter(config)

            def sync_mailboxes() -> None:
                from outlook_connector.sync.engine import SyncEngine

                with contextlib.suppress(ParentGone):  # the sync is over for this worker
                    while (mailbox := _next_mailbox(channel)) is not None:
                        engine = SyncEngine(
                            source,
                            index,
                            max_concurrent_mailboxes=1,
                            attachments=attachments,
                            include=include,
                            collection_filter=collections,
                            progress=RemoteProgress(channel),
                        )
                        summary = engine.sync_mailbox(mailbox, setup.full)
                        channel.tell("mailbox_done", mailbox, summary)

            threads = [
                threading.Thread(target=sync_mailboxes, name=f"mailbox-{n}")
                for n in range(setup.threads)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        source.close()


def _next_mailbox(channel: Channel) -> Mailbox | None:
    mailbox: Mailbox | None = channel.call("next_mailbox")
    return mailbox


def _log_to_parent(channel: Channel, levels: dict[str, int]) -> None:
    root = logging.getLogger()
    root.handlers[:] = [LogToParent(channel)]
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)
