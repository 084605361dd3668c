"""Rich Text Format through striprtf, after dropping embedded binary groups."""

from __future__ import annotations

import re

from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed

# Groups that hold pictures, OLE objects and themes as hex data: no text, and most of the
# bytes of a typical Outlook RTF. striprtf would spend seconds scanning them.
_BINARY_GROUP = re.compile(
    r"\{\\(?:pict|\*\\(?:objdata|datastore|themedata|colorschememapping|blipuid|panose))\b"
)
_BRACE_OR_ESCAPE = re.compile(r"\\.|[{}]", re.DOTALL)


def drop_binary_groups(rtf: str) -> str:
    kept: list[str] = []
    position = 0
    for start in _BINARY_GROUP.finditer(rtf):
        if start.start() < position:
            continue  # inside a group already dropped
        kept.append(rtf[position:start.start()])
        position = _group_end(rtf, start.start())
    kept.append(rtf[position:])
    return "".join(kept)


def _group_end(rtf: str, opening: int) -> int:
    """Index just past the brace closing the group that opens at `opening`."""
    depth = 0
    for token in _BRACE_OR_ESCAPE.finditer(rtf, opening):
        if token.group() == "{":
            depth += 1
        elif token.group() == "}":
            depth -= 1
            if depth == 0:
                return token.end()
    return len(rtf)  # unbalanced: the rest of the document was inside the group


def rtf_to_text(rtf: str) -> str:
    from striprtf.striprtf import rtf_to_text as strip

    return strip(drop_binary_groups(rtf), errors="replace")


def extract_rtf(data: bytes, ctx: ExtractionContext) -> None:
    # RTF is 7-bit by definition; latin-1 maps any stray 8-bit byte without failing.
    text = data.decode("latin-1")
    if not text.lstrip().startswith("{\\rtf"):
        raise ExtractionFailed("RTF document is corrupt: it does not start with {\\rtf")
    ctx.emit(rtf_to_text(text))
