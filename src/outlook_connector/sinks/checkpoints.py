"""Checkpoints of the index's write-ahead log, made by a thread of their own.

In WAL mode a commit appends pages to the log (``-wal``); a *checkpoint* copies
them into the index file and syncs both files to disk. SQLite's automatic
checkpoint runs inside the commit that takes the log past 1,000 pages, so the
writer waits for the copying and for two fsyncs, every 4 MiB. Where fsync is
slow that adds up: inserting 100,000 documents took 16–17 s with automatic
checkpoints and 9–11 s with this thread (``bench/RESULTS.md``).

The writer's connection therefore has automatic checkpoints off, and this
thread checkpoints with a connection of its own, woken by commits:

- a PASSIVE checkpoint copies what it can without ever blocking the writer;
- once the log is larger than ``WAL_LIMIT_BYTES``, a TRUNCATE checkpoint: the
  writer waits while the rest is copied, and the log is emptied. The log cannot
  restart while the writer keeps appending to it, so this is what bounds it.

A reader holding an old snapshot (a search running during the sync) can keep a
TRUNCATE checkpoint from finishing, and the writer waits meanwhile; it gives up
after ``BUSY_SECONDS``, and only PASSIVE checkpoints are made for the next
``RETRY_SECONDS``, so a long reader slows the writer down only now and then. A failed checkpoint loses nothing: the pages stay
in the log, and SQLite checkpoints them when the last connection closes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

# How large the log may grow before the writer waits for it to be emptied; and
# how long a checkpoint waits for a busy writer or reader before trying later.
WAL_LIMIT_BYTES = 256 * 1024 * 1024
BUSY_SECONDS = 2.0
# Commits within this many seconds share one checkpoint.
SETTLE_SECONDS = 0.25
# After a TRUNCATE checkpoint kept from finishing by a reader.
RETRY_SECONDS = 10.0


class Checkpointer:
    """Checkpoints the log of the index at ``path`` after commits, until closed."""

    def __init__(self, path: Path, *, wal_limit_bytes: int = WAL_LIMIT_BYTES) -> None:
        self._path = path
        self._wal = Path(f"{path}-wal")
        self._limit = wal_limit_bytes
        self._truncate_from = 0.0  # time.monotonic() before which only PASSIVE is tried
        self._committed = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-checkpoints", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """The writer committed: there are pages to copy."""
        self._committed.set()

    def close(self) -> None:
        """Stop after the checkpoint under way, if any."""
        self._closing.set()
        self._committed.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            db = sqlite3.connect(str(self._path), isolation_level=None)
            db.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        except sqlite3.Error as exc:
            # Nothing is lost: the log grows, and is checkpointed when the index closes.
            log.warning("the index %s gets no checkpoints while open: %s", self._path, exc)
            return
        try:
            while True:
                self._committed.wait()
                if self._closing.wait(SETTLE_SECONDS):
                    return
                self._committed.clear()
                self._checkpoint(db)
        finally:
            db.close()

    def _checkpoint(self, db: sqlite3.Connection) -> None:
        truncate = self._wal_bytes() > self._limit and time.monotonic() >= self._truncate_from
        mode = "TRUNCATE" if truncate else "PASSIVE"
        try:
            busy, _, _ = db.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        except sqlite3.Error as exc:
            log.debug("a %s checkpoint of %s failed: %s", mode, self._path, exc)
            return
        if truncate and busy:
            self._truncate_from = time.monotonic() + RETRY_SECONDS

    def _wal_bytes(self) -> int:
        try:
            return self._wal.stat().st_size
        except OSError:
            return 0
