"""What a format handler receives and how it reports text, nested files and failures."""

from __future__ import annotations

from dataclasses import dataclass, field

from outlook_connector.extraction.model import ExtractionLimits, NestedAttachment


class ExtractionFailed(Exception):
    """Raised by a handler with a human-readable reason that names the format."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TextLimitReached(BaseException):
    """Stops a handler once enough text is collected.

    A BaseException so that broad ``except Exception`` blocks inside handlers or
    parser callbacks do not swallow it.
    """


@dataclass
class ExtractionContext:
    """Collects the output of one extraction, enforcing the character limit as text arrives."""

    name: str
    content_type: str | None
    limits: ExtractionLimits
    depth: int = 0
    nested: list[NestedAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    truncated: bool = False
    _parts: list[str] = field(default_factory=list)
    _length: int = 0

    def emit(self, text: str | None) -> None:
        """Append text; raises TextLimitReached once max_extracted_chars is reached."""
        if not text:
            return
        room = self.limits.max_extracted_chars - self._length
        if len(text) >= room:
            self._parts.append(text[:room])
            self._length += room
            self.truncated = True
            raise TextLimitReached
        self._parts.append(text)
        self._length += len(text)

    @property
    def emitted(self) -> bool:
        return self._length > 0

    def emit_line(self, text: str | None) -> None:
        if text:
            self.emit(text)
            self.emit("\n")

    def add_nested(self, name: str, content_type: str | None, data: bytes) -> None:
        """Record an attachment of an attached mail, unless it is nested too deep."""
        depth = self.depth + 1
        if depth > self.limits.max_depth:
            note = f"attachments nested deeper than {self.limits.max_depth} levels were skipped"
            if note not in self.notes:
                self.notes.append(note)
            return
        self.nested.append(NestedAttachment(name, content_type, data, depth))

    def text(self) -> str:
        return "".join(self._parts)
