"""Plain text from an HTML body, for messages and events that carry only HTML."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

# Elements that end a line of text; inline ones (b, i, span, a) join their neighbours.
_BLOCKS = "p, div, br, li, tr, td, th, h1, h2, h3, h4, h5, h6, blockquote, table, ul, ol, pre, hr"


def html_to_text(html: str) -> str:
    """The visible text of ``html``, one line per block, whitespace collapsed."""
    if not html.strip():
        return ""
    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, head, title"):
        node.decompose()
    for node in tree.css(_BLOCKS):
        node.insert_before("\n")
        node.insert_after("\n")
    root = tree.body or tree.root
    if root is None:
        return ""
    lines = (" ".join(line.split()) for line in root.text(separator="").splitlines())
    return "\n".join(line for line in lines if line)
