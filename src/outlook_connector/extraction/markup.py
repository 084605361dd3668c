"""HTML (selectolax) and XML (lxml, with entity expansion and network access off)."""

from __future__ import annotations

import re
from typing import Any

from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed
from outlook_connector.extraction.decode import declared_charset, decode_text

_DROPPED_HTML = ("script", "style", "noscript", "template", "head > meta", "head > link")
_BLANK_RUNS = re.compile(r"[ \t\r\f\v]*\n[\s]*\n\s*")


def html_to_text(html: str) -> str:
    """Readable text of an HTML document, without scripts and styles."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for selector in _DROPPED_HTML:
        for node in tree.css(selector):
            node.decompose()
    root = tree.root
    if root is None:
        return ""
    text = root.text(separator="\n", strip=True)
    return _BLANK_RUNS.sub("\n", text)


def extract_html(data: bytes, ctx: ExtractionContext) -> None:
    ctx.emit(html_to_text(decode_text(data, declared_charset(data))))


def safe_xml_parser() -> Any:
    """An lxml parser that neither expands entities nor fetches DTDs or anything else."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=True,
    )


def parse_xml(data: bytes, label: str) -> Any:
    from lxml import etree

    try:
        root = etree.fromstring(data, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise ExtractionFailed(f"{label} is malformed: {exc}") from exc
    if root is None:
        raise ExtractionFailed(f"{label} is malformed: no root element")
    return root


def extract_xml(data: bytes, ctx: ExtractionContext) -> None:
    root = parse_xml(data, "XML document")
    for node in root.iter():
        # Entity references stay unexpanded nodes; only real elements contribute their text.
        if isinstance(node.tag, str) and node.text and node.text.strip():
            ctx.emit_line(node.text.strip())
        if node is not root and node.tail and node.tail.strip():
            ctx.emit_line(node.tail.strip())
