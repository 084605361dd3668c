"""What runs inside a worker process: the request loop and one bounded extraction."""

from __future__ import annotations

import logging
import pickle
import re
import resource
import signal
import sys
import warnings
from multiprocessing.connection import Connection

from outlook_connector.extraction.context import (
    ExtractionContext,
    ExtractionFailed,
    TextLimitReached,
)
from outlook_connector.extraction.model import ExtractionLimits, ExtractionResult
from outlook_connector.extraction.registry import FormatRegistry, FormatSpec

_TRAILING_SPACE = re.compile(r"[ \t\r\f\v]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")
_TAB_RUNS = re.compile(r"\t{2,}")
MEMORY_REASON = "exceeded the memory limit"
READY = b"ready"  # sent once set up, so that start-up time is not charged to an attachment


def run_extraction(
    registry: FormatRegistry,
    spec: FormatSpec,
    request: tuple[str, str | None, int],
    data: bytes,
    limits: ExtractionLimits,
) -> ExtractionResult:
    """Extract in this process; every failure becomes a reason, never an exception."""
    name, content_type, depth = request
    if spec.resolver is not None:
        refined = spec.resolver(data)
        if refined and refined in registry:
            spec = registry.get(refined)
    ctx = ExtractionContext(name, content_type, limits, depth)
    try:
        spec.handler(data, ctx)
    except TextLimitReached:
        pass
    except ExtractionFailed as exc:
        return ExtractionResult(None, exc.reason, ctx.nested)
    except MemoryError:
        return ExtractionResult(None, f"{spec.label} extraction {MEMORY_REASON}", [])
    except RecursionError:
        return ExtractionResult(None, f"{spec.label} is nested too deeply to parse", [])
    except Exception as exc:  # a parser's own bug or an unforeseen kind of damage
        detail = str(exc).strip()[:200] or "no details"
        reason = f"{spec.label} could not be parsed ({type(exc).__name__}: {detail})"
        return ExtractionResult(None, reason, ctx.nested)
    return _finish(spec, ctx)


def _finish(spec: FormatSpec, ctx: ExtractionContext) -> ExtractionResult:
    text = _tidy(ctx.text())
    notes = list(ctx.notes)
    if ctx.truncated:
        notes.insert(0, f"{spec.label}: text cut at {ctx.limits.max_extracted_chars:,} characters")
    if not text:
        notes.insert(0, f"{spec.label} contains no extractable text")
        return ExtractionResult(None, "; ".join(notes), ctx.nested)
    return ExtractionResult(text, "; ".join(notes) or None, ctx.nested)


def _tidy(text: str) -> str:
    text = _TRAILING_SPACE.sub("\n", text.replace("\x00", ""))
    return _TAB_RUNS.sub("\t", _BLANK_LINES.sub("\n\n", text)).strip()


def _confine(limits: ExtractionLimits) -> None:
    """Limits and quiet settings for this worker process only."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    # An unprivileged process cannot raise its hard limit; stay within it.
    ceiling = limits.max_memory_bytes if hard == resource.RLIM_INFINITY else min(
        limits.max_memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crashing parser must not dump core
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # the parent decides when workers stop
        signal.signal(stop_signal, signal.SIG_IGN)
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)  # parsers log every oddity of every damaged file


def serve() -> None:
    """Entry point of a worker process; argv[1] is its end of the socket to the parent.

    The first message carries the format registry and the limits.
    """
    conn = Connection(int(sys.argv[1]))
    try:
        registry, limits = pickle.loads(conn.recv_bytes())
        conn.send_bytes(READY)
    except (EOFError, OSError):
        return
    worker_main(conn, registry, limits)


def worker_main(conn: Connection, registry: FormatRegistry, limits: ExtractionLimits) -> None:
    """Serve requests until the parent closes the pipe.

    A request is (format name, attachment name, content type, depth) followed by
    the data as a separate bytes message, so large attachments are not pickled.
    After a memory error the worker answers and exits, because its heap may be
    left fragmented; the parent starts a fresh one.
    """
    _confine(limits)
    while True:
        try:
            fmt, name, content_type, depth = conn.recv()
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        result = run_extraction(registry, registry.get(fmt), (name, content_type, depth),
                                data, limits)
        del data
        conn.send(result)
        if result.reason and MEMORY_REASON in result.reason:
            return
