"""A pool of worker processes that each run one extraction at a time, under limits.

Every extraction happens in a child process with an address-space limit, and
the parent waits at most ``timeout_seconds`` for the answer. A worker that
hangs is killed and one that dies (a segfault in a C parser, the kernel's OOM
killer) is noticed by its closed pipe; either way the caller gets a reason and
the next extraction gets a fresh worker. Workers are reused otherwise, so the
parsers they imported stay loaded.
"""

from __future__ import annotations

import contextlib
import pickle
import queue
import signal
import subprocess
import threading
import weakref

from outlook_connector.child_process import start_child
from outlook_connector.extraction.detect import HEAD_SIZE, detect_format
from outlook_connector.extraction.formats import default_registry
from outlook_connector.extraction.model import DEFAULT_LIMITS, ExtractionLimits, ExtractionResult
from outlook_connector.extraction.registry import FormatRegistry, FormatSpec
from outlook_connector.extraction.worker import MEMORY_REASON, READY

_JOIN_SECONDS = 5.0
_STARTUP_SECONDS = 60.0  # generous: a loaded machine may take long to start an interpreter
_WORKER_CODE = "from outlook_connector.extraction.worker import serve; serve()"


class _Worker:
    """One child process (``start_child``) and the parent's end of the socket to it."""

    def __init__(self, setup: bytes) -> None:
        self.process, self.conn = start_child(_WORKER_CODE)
        self.conn.send_bytes(setup)
        self.ready = False

    def _wait_until_ready(self) -> bool:
        if not self.ready and self.conn.poll(_STARTUP_SECONDS):
            self.ready = self.conn.recv_bytes() == READY
        return self.ready

    def run(self, spec: FormatSpec, request: tuple[str, str | None, int], data: bytes,
            limits: ExtractionLimits) -> tuple[ExtractionResult, bool]:
        """The result, and whether this worker can take another request."""
        name, content_type, depth = request
        try:
            if not self._wait_until_ready():
                return ExtractionResult(None, f"{spec.label} extraction could not start a "
                                        f"worker within {_STARTUP_SECONDS:g} s"), False
            self.conn.send((spec.name, name, content_type, depth))
            self.conn.send_bytes(data)
            if not self.conn.poll(limits.timeout_seconds):
                seconds = f"{limits.timeout_seconds:g}"
                return ExtractionResult(None, f"{spec.label} extraction timed out after "
                                        f"{seconds} s"), False
            result: ExtractionResult = self.conn.recv()
        except (EOFError, OSError):
            return ExtractionResult(None, self._death_reason(spec)), False
        except pickle.UnpicklingError as exc:
            return ExtractionResult(None, f"{spec.label} extraction sent an unreadable "
                                    f"answer ({exc})"), False
        healthy = not (result.reason and MEMORY_REASON in result.reason)
        return result, healthy

    def _death_reason(self, spec: FormatSpec) -> str:
        try:
            code = self.process.wait(_JOIN_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        if code == -signal.SIGKILL:
            # Nobody here sent SIGKILL: the kernel did, almost always for memory.
            return f"{spec.label} extraction {MEMORY_REASON} (worker killed)"
        if code is not None and code < 0:
            return f"{spec.label} extraction crashed ({signal.Signals(-code).name})"
        return f"{spec.label} extraction crashed (worker exited with code {code})"

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.conn.close()
        if self.alive():
            self.process.kill()
        # a process stuck in the kernel cannot be killed; there is nothing more to do then
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(_JOIN_SECONDS)


def _stop_all(workers: list[_Worker]) -> None:
    for worker in workers:
        worker.stop()
    workers.clear()


class Extractor:
    """Extracts attachment text in a pool of isolated worker processes; thread-safe."""

    def __init__(
        self,
        limits: ExtractionLimits = DEFAULT_LIMITS,
        workers: int = 1,
        *,
        registry: FormatRegistry | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.limits = limits
        self.registry = registry if registry is not None else default_registry()
        # Pickled once, here, so that a handler workers cannot import fails now, not later.
        self._setup = pickle.dumps((self.registry, limits))
        self._idle: queue.LifoQueue[_Worker | None] = queue.LifoQueue()
        for _ in range(workers):
            self._idle.put(None)  # a free slot; its process starts on first use
        self._lock = threading.Lock()
        self._closed = False
        self._live: list[_Worker] = []
        # Kill the workers even if close() is never called.
        self._finalizer = weakref.finalize(self, _stop_all, self._live)

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def extract(
        self, name: str, content_type: str | None, data: bytes, *, depth: int = 0
    ) -> ExtractionResult:
        """Text of one attachment; ``depth`` is NestedAttachment.depth for nested files."""
        spec = detect_format(self.registry, name, content_type, data[:HEAD_SIZE])
        refusal = self._refusal(spec, data)
        if refusal:
            return ExtractionResult(None, refusal)
        worker = self._acquire()
        healthy = False
        try:
            result, healthy = worker.run(spec, (name, content_type, depth), data, self.limits)
        finally:
            self._release(worker, healthy)
        return result

    def _refusal(self, spec: FormatSpec, data: bytes) -> str | None:
        if not data:
            return "attachment is empty"
        if len(data) > self.limits.max_attachment_size:
            return (f"{spec.label} of {len(data):,} bytes is over the "
                    f"{self.limits.max_attachment_size:,}-byte limit: not extracted")
        return None

    def _acquire(self) -> _Worker:
        slot = self._idle.get()
        with self._lock:
            if self._closed:
                self._idle.put(slot)
                raise RuntimeError("Extractor is closed")
            if slot is None or not slot.alive():
                if slot is not None:
                    self._forget(slot)
                try:
                    slot = _Worker(self._setup)
                except BaseException:
                    self._idle.put(None)  # keep the slot, or the pool would shrink for good
                    raise
                self._live.append(slot)
            return slot

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._lock:
            if not healthy or self._closed:
                self._forget(worker)
                self._idle.put(None)
            else:
                self._idle.put(worker)

    def _forget(self, worker: _Worker) -> None:
        worker.stop()
        if worker in self._live:
            self._live.remove(worker)

    def close(self) -> None:
        """Stop all workers; extractions still running end with a reason, not text."""
        with self._lock:
            self._closed = True
            _stop_all(self._live)
