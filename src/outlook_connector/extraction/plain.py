"""Plain text, Markdown, CSV/TSV and JSON: decoded text, kept as written."""

from __future__ import annotations

import json
from typing import Any

from outlook_connector.extraction.context import ExtractionContext
from outlook_connector.extraction.decode import decode_text


def extract_text(data: bytes, ctx: ExtractionContext) -> None:
    """Plain text, Markdown and delimited tables are indexed as they are written."""
    ctx.emit(decode_text(data))


def extract_json(data: bytes, ctx: ExtractionContext) -> None:
    """Keys and scalar values, one per line; text that is not valid JSON is kept verbatim."""
    text = decode_text(data)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        ctx.emit(text)
        return
    _emit_json(value, ctx)


def _emit_json(value: Any, ctx: ExtractionContext) -> None:
    # An explicit stack: deeply nested JSON must not exhaust the interpreter's recursion limit.
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                stack.append(child)
                stack.append(_Key(key))
        elif isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, _Key):
            ctx.emit(item.name + ": ")
        elif item is not None:
            ctx.emit_line(str(item))


class _Key:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name
