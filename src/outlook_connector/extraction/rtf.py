"""Rich Text Format through striprtf."""

from __future__ import annotations

from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed


def rtf_to_text(rtf: str) -> str:
    from striprtf.striprtf import rtf_to_text as strip

    return strip(rtf, errors="replace")


def extract_rtf(data: bytes, ctx: ExtractionContext) -> None:
    # RTF is 7-bit by definition; latin-1 maps any stray 8-bit byte without failing.
    text = data.decode("latin-1")
    if not text.lstrip().startswith("{\\rtf"):
        raise ExtractionFailed("RTF document is corrupt: it does not start with {\\rtf")
    ctx.emit(rtf_to_text(text))
