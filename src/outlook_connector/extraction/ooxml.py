"""Word (.docx) through python-docx and PowerPoint (.pptx) through python-pptx.

Text is read by walking each part's XML rather than the libraries' paragraph
objects, so text boxes, grouped shapes and nested tables are not lost.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from outlook_connector.extraction.archive import checked_zip
from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed
from outlook_connector.extraction.markup import parse_xml

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"

# tag -> text it stands for; "" means "emit the element's own text"
_WORD_TAGS = {_W + "t": "", _W + "tab": "\t", _W + "br": "\n", _W + "cr": "\n"}
_WORD_BREAKS = {_W + "p"}
_NOTE_PARTS = ("footnotes+xml", "endnotes+xml", "comments+xml")
_DRAWING_TAGS = {_A + "t": "", _A + "br": "\n"}
_DRAWING_BREAKS = {_A + "p"}


def walk_text(element: Any, tags: dict[str, str], breaks: set[str], ctx: ExtractionContext) -> None:
    """Emit the text runs under an element, with a line break after each paragraph."""
    from lxml import etree

    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = node.tag
        if event == "start":
            replacement = tags.get(tag)
            if replacement == "":
                ctx.emit(node.text)
            elif replacement:
                ctx.emit(replacement)
        elif tag in breaks:
            ctx.emit("\n")


def _open_package(data: bytes, ctx: ExtractionContext, label: str) -> None:
    """Run the bomb check; the libraries then open the archive themselves."""
    checked_zip(data, label, ctx.limits).close()


def extract_docx(data: bytes, ctx: ExtractionContext) -> None:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    label = "Word document (.docx)"
    _open_package(data, ctx, label)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise ExtractionFailed(f"{label} is corrupt or not a Word document: {exc}") from exc
    for part in _header_footer_parts(document, first=True):
        walk_text(part, _WORD_TAGS, _WORD_BREAKS, ctx)
    walk_text(document.element.body, _WORD_TAGS, _WORD_BREAKS, ctx)
    for part in _header_footer_parts(document, first=False):
        walk_text(part, _WORD_TAGS, _WORD_BREAKS, ctx)
    for element in _note_parts(document, label):
        walk_text(element, _WORD_TAGS, _WORD_BREAKS, ctx)


def _note_parts(document: Any, label: str) -> Iterator[Any]:
    """Footnotes, endnotes and comments, which python-docx does not expose as text."""
    for part in document.part.package.iter_parts():
        if part.content_type.endswith(_NOTE_PARTS):
            yield parse_xml(part.blob, label)


def _header_footer_parts(document: Any, first: bool) -> Iterator[Any]:
    """Headers (first=True) or footers of all sections, each distinct part once."""
    seen: set[int] = set()
    for section in document.sections:
        kinds = (
            (section.first_page_header, section.header, section.even_page_header)
            if first
            else (section.first_page_footer, section.footer, section.even_page_footer)
        )
        for item in kinds:
            if item.is_linked_to_previous:
                continue
            element = item._element  # noqa: SLF001 - python-docx exposes no public XML accessor
            if id(element) not in seen:
                seen.add(id(element))
                yield element


def extract_pptx(data: bytes, ctx: ExtractionContext) -> None:
    import pptx
    from pptx.exc import PackageNotFoundError

    label = "PowerPoint presentation (.pptx)"
    _open_package(data, ctx, label)
    try:
        presentation = pptx.Presentation(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise ExtractionFailed(f"{label} is corrupt or not a presentation: {exc}") from exc
    for slide in presentation.slides:
        walk_text(slide.element, _DRAWING_TAGS, _DRAWING_BREAKS, ctx)
        if slide.has_notes_slide:
            walk_text(slide.notes_slide.element, _DRAWING_TAGS, _DRAWING_BREAKS, ctx)
        ctx.emit("\n")
