"""Plain text of an itemBody.

Messages and events are requested as text (``Prefer:
outlook.body-content-type="text"``), but To Do tasks ignore that preference,
and a server may answer HTML anyway; an HTML body is turned into text here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

_BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
)
_SKIP = frozenset({"script", "style", "head", "title"})


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_text(body: Any) -> str | None:
    """The text of a Graph ``itemBody`` ({contentType, content}); ``None`` when empty."""
    if not isinstance(body, dict):
        return None
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        return None
    if str(body.get("contentType") or "").lower() == "html":
        return html_to_text(content) or None
    return content.strip()
