"""Attachment documents: download what is worth extracting, extract it, build documents.

Sources list attachments cheaply (name, type, size). Content is downloaded
only for attachments under the size limit and of a format we can read; the
text is extracted in separate worker processes, so a parser that hangs or
crashes costs one attachment's body, never the sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from outlook_connector.documents import attachment_document
from outlook_connector.extraction import ExtractionLimits, Extractor, is_extractable, skip_reason
from outlook_connector.sources.base import AttachmentRef

log = logging.getLogger(__name__)

Document = dict[str, Any]


class AttachmentIndexer:
    def __init__(
        self,
        extractor: Extractor | None,
        limits: ExtractionLimits,
        selected: Callable[[str], bool] | None = None,
        downloads: int = 4,
    ) -> None:
        self.extractor = extractor
        self.limits = limits
        self.selected = selected  # by file name: rules may skip some types entirely
        # Attachments are downloaded and extracted several at a time: each one is a
        # round trip of its own. The sources keep each mailbox within its server's
        # limits (Graph: 4 requests in flight per mailbox).
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, downloads), thread_name_prefix="attachment"
        )

    def documents(self, refs: Iterable[AttachmentRef]) -> list[Document]:
        wanted = [ref for ref in refs if self.selected is None or self.selected(ref.name)]
        if len(wanted) <= 1:
            return [doc for ref in wanted for doc in self._documents_for(ref)]
        return [doc for docs in self._pool.map(self._documents_for, wanted) for doc in docs]

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> AttachmentIndexer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _documents_for(self, ref: AttachmentRef) -> list[Document]:
        body, reason, nested = self._extract(ref)
        doc = attachment_document(
            id=ref.id,
            type=ref.type,
            mailbox=ref.mailbox,
            name=ref.name,
            last_modified=ref.last_modified,
            size=ref.size,
            content_type=ref.content_type,
            parent_id=ref.parent_id,
            parent_title=ref.parent_title,
            is_inline=ref.is_inline,
            body=body,
            extraction_error=reason if body is None else None,
        )
        return [doc, *nested]

    def _extract(self, ref: AttachmentRef) -> tuple[str | None, str | None, list[Document]]:
        if self.extractor is None:
            return None, None, []
        where = f"attachment '{ref.name}' of '{ref.parent_title or ref.parent_id}' in {ref.mailbox}"
        reason = skip_reason(ref.name, ref.content_type, ref.size, self.limits)
        if reason is not None:
            # Not downloaded at all: the reason is known from the name, type and size.
            # Pictures and other binaries are expected; a size cut is worth a warning.
            oversized = ref.size is not None and ref.size > self.limits.max_attachment_size
            log.log(
                logging.WARNING if oversized else logging.INFO, "%s: no text: %s", where, reason
            )
            return None, reason, []
        try:
            data = ref.fetch()
        except Exception as exc:  # a download failure costs this body only
            log.warning("%s: download failed: %s", where, exc)
            return None, f"download failed: {exc}", []
        result = self.extractor.extract(ref.name, ref.content_type, data)
        if result.text is None and result.reason:
            log.warning("%s: no text: %s", where, result.reason)
        nested = [
            attachment_document(
                id=f"{ref.id}/{position}",
                type=ref.type,
                mailbox=ref.mailbox,
                name=item.name,
                last_modified=ref.last_modified,
                size=len(item.data),
                content_type=item.content_type,
                # Nested files hang off the top-level item, so they follow it when it goes.
                parent_id=ref.parent_id,
                parent_title=ref.parent_title,
                body=self._nested_text(item.name, item.content_type, item.data, item.depth),
            )
            for position, item in enumerate(result.nested, start=1)
        ]
        return result.text, result.reason, nested

    def _nested_text(
        self, name: str, content_type: str | None, data: bytes, depth: int
    ) -> str | None:
        assert self.extractor is not None
        if len(data) > self.limits.max_attachment_size or not is_extractable(
            name, content_type, len(data), self.limits
        ):
            return None
        return self.extractor.extract(name, content_type, data, depth=depth).text
