"""Progress of a long sync, on stderr: mailboxes done/total, documents, rate."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Prints one status line, rewritten in place on a terminal, at most a few times a second."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None, interval: float = 0.5):
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.interval = interval
        self._lock = threading.Lock()
        self._total = 0
        self._done = 0
        self._failed = 0
        self._documents = 0
        self._started = time.monotonic()
        self._last_print = 0.0
        self._current = ""

    def start(self, mailboxes: int) -> None:
        with self._lock:
            self._total = mailboxes
            self._started = time.monotonic()
        self._print(force=True)

    def page(self, mailbox: str, collection: str, documents: int) -> None:
        with self._lock:
            self._documents += documents
            self._current = f"{mailbox} {collection}"
        self._print()

    def mailbox_done(self, mailbox: str, ok: bool) -> None:
        with self._lock:
            self._done += 1
            self._failed += 0 if ok else 1
        self._print(force=True)

    def finish(self) -> None:
        self._print(force=True)
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def _print(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last_print < self.interval:
                return
            self._last_print = now
            elapsed = max(now - self._started, 1e-6)
            failed = f", {self._failed} failed" if self._failed else ""
            line = (
                f"mailboxes {self._done}/{self._total}{failed} · {self._documents} documents"
                f" · {self._documents / elapsed:.0f}/s · {self._current}"
            )
        self.stream.write("\r\x1b[K" + line[:160])
        self.stream.flush()
