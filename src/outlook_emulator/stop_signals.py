"""SIGINT and SIGTERM as a request to stop a foreground command, without locks.

A Python signal handler runs in the main thread between two bytecodes,
whatever that thread is doing, also while it holds a lock. A handler that
calls ``threading.Event.set()`` while the main thread waits on the same event
can therefore block on the event's lock, which its own thread holds: the
process never stops. So the handler here only assigns an attribute, and the
main thread looks at it between short sleeps.
"""

from __future__ import annotations

import signal
import time
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How often a wait looks at whether a stop was asked for.
POLL_SECONDS = 0.1


class StopRequest:
    """Records SIGINT and SIGTERM while entered; the previous handlers come back on exit."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return self.signal is not None

    def wait(self, seconds: float) -> bool:
        """Sleep until a stop is asked for, at most ``seconds``; whether it was asked for."""
        deadline = time.monotonic() + seconds
        while not self.requested:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(POLL_SECONDS, left))
        return self.requested

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum  # an assignment only: see the module docstring

    def __enter__(self) -> StopRequest:
        self._previous = {s: signal.signal(s, self._on_signal) for s in STOP_SIGNALS}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
