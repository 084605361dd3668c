"""Files that carry no extractable text: a specific reason instead of text."""

from __future__ import annotations

from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed

_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


def image_kind(head: bytes) -> str | None:
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return None


def unsupported(reason: str, data: bytes, ctx: ExtractionContext) -> None:
    """Bound with functools.partial to a fixed reason in the registry."""
    raise ExtractionFailed(reason)


def extract_image(data: bytes, ctx: ExtractionContext) -> None:
    kind = image_kind(data[:16]) or "unrecognised"
    raise ExtractionFailed(f"{kind} image has no text (images are not OCRed)")
