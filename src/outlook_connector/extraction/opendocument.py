"""OpenDocument text, spreadsheets and presentations: content.xml read with a safe parser."""

from __future__ import annotations

import zipfile
from typing import Any

from outlook_connector.extraction.archive import checked_zip
from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed
from outlook_connector.extraction.markup import parse_xml

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"

_PARAGRAPHS = {_TEXT + "p", _TEXT + "h"}
_CELLS = {_TABLE + "table-cell", _TABLE + "covered-table-cell"}
_ROWS = {_TABLE + "table-row"}
_SKIPPED = {_TEXT + "tracked-changes", _TEXT + "sequence-decls", _TEXT + "variable-decls"}

_LABELS = {
    "odt": "OpenDocument text (.odt)",
    "ods": "OpenDocument spreadsheet (.ods)",
    "odp": "OpenDocument presentation (.odp)",
}


def _emit_node(node: Any, ctx: ExtractionContext) -> None:
    """Depth-first text of a node, with ODF's space, tab and line-break elements honoured."""
    stack = [(node, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag
        if closing:
            ctx.emit(_separator(element))
            if element is not node:
                ctx.emit(element.tail)
            continue
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag == _TEXT + "s":
            ctx.emit(" " * min(int(element.get(_TEXT + "c", "1") or 1), 100))
        elif tag == _TEXT + "tab":
            ctx.emit("\t")
        elif tag == _TEXT + "line-break":
            ctx.emit("\n")
        ctx.emit(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))


def _separator(element: Any) -> str | None:
    """What follows an element: paragraphs end lines, except inside a table cell."""
    tag = element.tag
    if tag in _PARAGRAPHS:
        parent = element.getparent()
        return " " if parent is not None and parent.tag in _CELLS else "\n"
    if tag in _CELLS:
        return "\t"
    if tag in _ROWS:
        return "\n"
    return None


def _check_not_encrypted(archive: zipfile.ZipFile, label: str) -> None:
    try:
        manifest = archive.read("META-INF/manifest.xml")
    except KeyError:
        return
    if b"encryption-data" in manifest:
        raise ExtractionFailed(f"{label} is password-protected")


def _extract(kind: str, data: bytes, ctx: ExtractionContext) -> None:
    label = _LABELS[kind]
    with checked_zip(data, label, ctx.limits) as archive:
        _check_not_encrypted(archive, label)
        try:
            content = archive.read("content.xml")
        except KeyError as exc:
            raise ExtractionFailed(f"{label} has no content.xml") from exc
    root = parse_xml(content, label)
    _emit_node(root, ctx)


def extract_odt(data: bytes, ctx: ExtractionContext) -> None:
    _extract("odt", data, ctx)


def extract_ods(data: bytes, ctx: ExtractionContext) -> None:
    _extract("ods", data, ctx)


def extract_odp(data: bytes, ctx: ExtractionContext) -> None:
    _extract("odp", data, ctx)
