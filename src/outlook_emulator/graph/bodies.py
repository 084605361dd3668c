"""Item bodies in the content type the client prefers.

The ``Prefer: outlook.body-content-type`` header selects "text" or "html"
("Get message", learn.microsoft.com/graph/api/message-get). Exchange converts
between the two; here a text-only body becomes minimal HTML, and an HTML-only
body becomes its visible text.
"""

from __future__ import annotations

import html
import re
from typing import Any

from outlook_emulator.graph.odata import Preferences

_TAG = re.compile(r"<[^>]+>")
_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>", re.IGNORECASE)


def text_to_html(text: str) -> str:
    escaped = html.escape(text).replace("\r\n", "\n").replace("\n", "<br>\r\n")
    return (
        '<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"</head><body><div>{escaped}</div></body></html>"
    )


def html_to_text(markup: str) -> str:
    text = _BREAK.sub("\n", _DROP.sub("", markup))
    return html.unescape(_TAG.sub("", text)).strip()


def body(text: str, markup: str | None, prefs: Preferences) -> dict[str, Any]:
    if prefs.body_text:
        prefs.apply('outlook.body-content-type="text"')
        return {"contentType": "text", "content": text or html_to_text(markup or "")}
    if prefs.body_text is False:
        prefs.apply('outlook.body-content-type="html"')
    return {"contentType": "html", "content": markup or text_to_html(text)}


def preview(text: str, markup: str | None) -> str:
    """``bodyPreview``: the first 255 characters of the body text, whitespace collapsed.

    Only as much of the body as the preview needs is looked at: bodies can be long,
    and every listed message carries a preview.
    """
    plain = text or html_to_text(markup or "")
    window = 512
    while True:
        collapsed = " ".join(plain[:window].split())
        if len(collapsed) > 255 or window >= len(plain):
            return collapsed[:255]
        window *= 4
