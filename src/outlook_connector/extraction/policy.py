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
