"""Values exchanged between the sync engine and the extractor."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds that keep one attachment from stalling or exhausting a sync."""

    max_attachment_size: int = 10 * 1024 * 1024  # bytes; larger: not extracted
    max_extracted_chars: int = 1_000_000  # text cut here
    timeout_seconds: float = 30.0  # per attachment
    max_memory_bytes: int = 1024 * 1024 * 1024  # address-space limit of a worker
    max_depth: int = 3  # nesting of attached mails / archives


@dataclass
class NestedAttachment:
    """An attachment found inside an attached mail; the engine indexes it as its own document.

    ``depth`` is 1 for the attachments of a mail attached to an item, 2 one level
    further down, and so on; pass it back as ``Extractor.extract(..., depth=depth)``.
    """

    name: str
    content_type: str | None
    data: bytes
    depth: int


@dataclass
class ExtractionResult:
    text: str | None  # None when nothing could be extracted
    reason: str | None  # why text is None (or why it was cut); names the format
    nested: list[NestedAttachment] = field(default_factory=list)


DEFAULT_LIMITS = ExtractionLimits()  # immutable, so safe to share as a default argument
