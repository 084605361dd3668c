"""Mailboxes synced in worker processes, all writing through this process's index.

One process runs Python one thread at a time, and a sync on a fast link is
limited by exactly that: parsing replies, mapping items, preparing rows. With
``sync_processes`` above 1 the engine hands its mailboxes to that many worker
processes (``sync.worker``), each with a source of its own and its share of
``max_concurrent_mailboxes``. This process keeps the only connection to the
index file and answers the workers' index calls one at a time, so a page and
its cursor are still committed in one transaction, whatever process read them.

Mailboxes are handed out one at a time as workers ask, so a large mailbox does
not hold back the ones queued behind it. A worker that dies (killed, out of
memory) fails the mailboxes it was syncing, nothing else: the others go on, and
the next sync resumes those mailboxes from their last committed page.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from outlook_connector.child_process import start_child
from outlook_connector.config import Config
from outlook_connector.sinks.sqlite import SQLiteIndex
from outlook_connector.sources.base import Mailbox
from outlook_connector.sync.engine import SyncError, SyncSummary
from outlook_connector.sync.progress import Progress
from outlook_connector.sync.worker import WorkerSetup

log = logging.getLogger(__name__)

_WORKER_CODE = "import sys; from outlook_connector.sync.worker import serve; serve(int(sys.argv[1]))"
_EXIT_SECONDS = 10.0

# What a worker may ask of the index; anything else is refused.
_INDEX_CALLS = (
    "mailboxes",
    "collections_of",
    "remove_collection",
    "begin_round",
    "restart_enumeration",
    "stored",
    "commit_rows",
    "finish_round",
)


def thread_shares(threads: int, processes: int) -> list[int]:
    """``threads`` mailbox threads spread over at most ``processes`` processes, none empty."""
    processes = max(1, min(processes, threads))
    return [threads // processes + (1 if n < threads % processes else 0) for n in range(processes)]


class WorkerProcesses:
    """``MailboxWorkers`` for the engine: ``processes`` worker processes for one sync."""

    def __init__(self, config: Config, index: SQLiteIndex, processes: int) -> None:
        self.config = config
        self.index = index
        self.processes = processes

    def sync(self, mailboxes: list[Mailbox], full: bool, progress: Progress) -> SyncSummary:
        run = _Run(self.index, mailboxes, progress)
        threads = min(self.config.max_concurrent_mailboxes, len(mailboxes))
        shares = thread_shares(threads, self.processes)
        cores = os.cpu_count() or 1
        workers = [
            _WorkerProcess(
                WorkerSetup(
                    config=self.config,
                    full=full,
                    threads=share,
                    extraction_workers=max(1, min(share, cores // len(shares))),
                    log_levels=_log_levels(),
                )
            )
            for share in shares
        ]
        servers = [
            threading.Thread(target=run.serve, args=(worker,), name=f"sync-worker-{n}")
            for n, worker in enumerate(workers)
        ]
        try:
            for server in servers:
                server.start()
            for server in servers:
                server.join()
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM): what was committed stays; the workers stop
            # now, and their servers end before the index is closed under them. The
            # interruption is reported once, not as a failure of every mailbox.
            run.interrupted = True
            for worker in workers:
                worker.process.kill()
            for server in servers:
                server.join(_EXIT_SECONDS)
            raise
        finally:
            for worker in workers:
                worker.stop()
        run.fail_unstarted()
        return run.summary


class _Run:
    """What one sync's workers share: the mailboxes left, those being synced, the summary."""

    def __init__(self, index: SQLiteIndex, mailboxes: list[Mailbox], progress: Progress) -> None:
        self.index = index
        self.queued = deque(mailboxes)
        self.progress = progress
        self.summary = SyncSummary()
        self.startup_errors: list[str] = []
        self.lock = threading.Lock()
        self.interrupted = False  # the sync is being stopped: workers leaving is expected

    def serve(self, worker: _WorkerProcess) -> None:
        """Answer one worker until it leaves; then account for what it left unfinished."""
        in_flight: set[str] = set()
        tells: dict[str, Callable[..., None]] = {
            "ready": lambda: None,
            "failed": lambda message: self._startup_failed(message),
            "page": self.progress.page,
            "log": _log_record,
            "mailbox_done": lambda mailbox, summary: self._mailbox_done(
                mailbox, summary, in_flight
            ),
        }
        while True:
            try:
                kind, name, args = worker.conn.recv()
            except (EOFError, OSError):
                break
            try:
                if kind == "tell":
                    tells[name](*args)
                elif name == "next_mailbox":
                    worker.reply(("ok", self._next_mailbox(in_flight)))
                else:
                    worker.reply(self._index_call(name, args))
            except Exception as exc:  # a worker waiting for an answer must get one
                log.exception("a message %r from a sync worker could not be handled", name)
                if kind == "call":
                    worker.reply(("error", f"the sync's main process failed on {name}: {exc}"))
        self._worker_gone(worker, in_flight)

    def _index_call(self, name: str, args: tuple[Any, ...]) -> tuple[str, Any]:
        if name not in _INDEX_CALLS:
            return "error", f"the index has no operation {name!r} for sync workers"
        try:
            return "ok", getattr(self.index, name)(*args)
        except Exception as exc:  # the worker reports it as that collection's failure
            log.debug("index call %s from a sync worker failed", name, exc_info=True)
            return "error", f"the index could not {name.replace('_', ' ')}: {exc}"

    def _next_mailbox(self, in_flight: set[str]) -> Mailbox | None:
        with self.lock:
            if not self.queued:
                return None
            mailbox = self.queued.popleft()
            in_flight.add(mailbox.address)
            return mailbox

    def _mailbox_done(self, mailbox: Mailbox, summary: SyncSummary, in_flight: set[str]) -> None:
        with self.lock:
            in_flight.discard(mailbox.address)
            self.summary.add(summary)
        self.progress.mailbox_done(mailbox.address, ok=summary.ok)

    def _startup_failed(self, message: str) -> None:
        log.error("a sync worker process could not start: %s", message)
        with self.lock:
            self.startup_errors.append(message)

    def _worker_gone(self, worker: _WorkerProcess, in_flight: set[str]) -> None:
        if not in_flight or self.interrupted:
            return
        status = worker.wait()
        message = f"its sync worker process stopped unexpectedly ({_exit_status(status)})"
        for address in sorted(in_flight):
            log.error("%s: %s; the next sync resumes it", address, message)
            with self.lock:
                self.summary.errors.append(SyncError(address, None, message))
            self.progress.mailbox_done(address, ok=False)

    def fail_unstarted(self) -> None:
        """Mailboxes no worker took: every worker failed to start or died."""
        reason = "; ".join(dict.fromkeys(self.startup_errors)) or "every sync worker stopped"
        while self.queued:
            mailbox = self.queued.popleft()
            self.summary.errors.append(
                SyncError(mailbox.address, None, f"not synced: {reason}")
            )
            self.progress.mailbox_done(mailbox.address, ok=False)


def _exit_status(status: int | None) -> str:
    """How a process ended, as ``subprocess`` reports it, in words."""
    if status is None:
        return "still running"
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit status {status}"


class _WorkerProcess:
    """One worker (``start_child``) and this process's end of the socket to it."""

    def __init__(self, setup: WorkerSetup) -> None:
        # stderr is inherited: an interpreter that dies says why where the sync's log goes.
        self.process, self.conn = start_child(_WORKER_CODE, stderr=None)
        self._send_lock = threading.Lock()
        self.conn.send(setup)

    def reply(self, message: tuple[str, Any]) -> None:
        try:
            with self._send_lock:
                self.conn.send(message)
        except OSError:
            pass  # it is gone; its receive loop notices

    def wait(self) -> int | None:
        try:
            return self.process.wait(_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """Close the link (the worker leaves on its own); kill it if it does not."""
        self.conn.close()
        try:
            self.process.wait(_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _log_record(name: str, level: int, message: str) -> None:
    logging.getLogger(name).log(level, "%s", message)


def _log_levels() -> dict[str, int]:
    """The levels set in this process that workers copy, so they send only what is logged."""
    levels = {"": logging.getLogger().getEffectiveLevel()}
    for name in ("outlook_connector", "exchangelib", "httpx", "msal"):
        logger = logging.getLogger(name)
        if logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels
