"""Attachment text extraction, isolated in worker processes and bounded in time and memory.

The sync engine asks ``is_extractable`` before downloading an attachment, then
hands the bytes to ``Extractor.extract``. Attachments found inside attached
mails come back as ``ExtractionResult.nested``; the engine extracts each of them
in turn, passing ``depth=nested.depth``.
"""

from outlook_connector.extraction.model import (
    ExtractionLimits,
    ExtractionResult,
    NestedAttachment,
)
from outlook_connector.extraction.policy import is_extractable, skip_reason
from outlook_connector.extraction.pool import Extractor

__all__ = [
    "ExtractionLimits",
    "ExtractionResult",
    "Extractor",
    "NestedAttachment",
    "is_extractable",
    "skip_reason",
]
