"""Deciding before download whether an attachment's content is worth fetching."""

from __future__ import annotations

from outlook_connector.extraction.formats import default_registry
from outlook_connector.extraction.model import DEFAULT_LIMITS, ExtractionLimits
from outlook_connector.extraction.registry import FormatRegistry


def is_extractable(
    name: str,
    content_type: str | None,
    size: int | None = None,
    limits: ExtractionLimits = DEFAULT_LIMITS,
    registry: FormatRegistry | None = None,
) -> bool:
    """False for empty or oversized attachments and for formats known to give no text.

    Unknown names are worth a try: the extractor sniffs the bytes, and the size
    limit bounds the cost.
    """
    if size is not None and (size <= 0 or size > limits.max_attachment_size):
        return False
    registry = registry if registry is not None else default_registry()
    by_name = registry.by_extension(name)
    if by_name is not None:
        return by_name.extractable
    by_type = registry.by_content_type(content_type)
    return by_type.extractable if by_type is not None else True


def skip_reason(
    name: str,
    content_type: str | None,
    size: int | None = None,
    limits: ExtractionLimits = DEFAULT_LIMITS,
    registry: FormatRegistry | None = None,
) -> str | None:
    """Why an attachment is not worth downloading, or None when it is (see is_extractable)."""
    if size is not None and size <= 0:
        return "the attachment is empty"
    if size is not None and size > limits.max_attachment_size:
        return f"larger than max_attachment_size ({limits.max_attachment_size} bytes)"
    if is_extractable(name, content_type, size, limits, registry):
        return None
    registry = registry if registry is not None else default_registry()
    spec = registry.by_extension(name) or registry.by_content_type(content_type)
    if spec is None:
        return None
    return spec.unsupported_reason or f"{spec.label} files have no extractable text"
