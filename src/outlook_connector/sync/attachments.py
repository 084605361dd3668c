"""Attachment documents: download what is worth extracting, extract it, build documents.

Sources list attachments cheaply (name, type, size). Content is downloaded
only for attachments under the size limit and of a format we can read; the
text is extracted in separate worker processes, so a parser that hangs or
crashes costs one attachment's body, never the sync.

A source that can download several attachments in one request says so on
each reference (``AttachmentRef.batch``); the attachments of a page are then
fetched in as few requests as its bounds allow, several requests at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from outlook_connector.documents import attachment_document
from outlook_connector.extraction import ExtractionLimits, Extractor, is_extractable, skip_reason
from outlook_connector.sources.base import AttachmentRef

log = logging.getLogger(__name__)

Document = dict[str, Any]
# What became of one attachment: its text, why it has none, files found inside it.
Outcome = tuple[str | None, str | None, list[Document]]


def request_groups(sizes: Sequence[int | None], max_count: int, max_bytes: int) -> list[list[int]]:
    """Positions of attachments (fetched alike, in order) grouped into requests.

    A group holds at most ``max_count`` attachments of at most ``max_bytes``
    declared size in all; an attachment of unknown size, or over ``max_bytes``
    on its own, is a request of its own.
    """
    groups: list[list[int]] = []
    current: list[int] = []
    total = 0
    for position, size in enumerate(sizes):
        if size is None or size > max_bytes:
            groups.append([position])
            continue
        if current and (len(current) >= max_count or total + size > max_bytes):
            groups.append(current)
            current, total = [], 0
        current.append(position)
        total += size
    if current:
        groups.append(current)
    return sorted(groups)


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
        # Attachments are downloaded and extracted several at a time: each request is
        # a round trip of its own. The sources keep each mailbox within its server's
        # limits (Graph: 4 requests in flight per mailbox).
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, downloads), thread_name_prefix="attachment"
        )
        # The attachments that came in one request are extracted in parallel here
        # while the downloading thread waits: a request's bytes are held only until
        # its attachments are extracted, so memory stays bounded by the requests in
        # flight. These threads never wait for a download, so neither pool can
        # starve the other.
        self._extractions = ThreadPoolExecutor(
            max_workers=max(1, downloads), thread_name_prefix="extraction"
        )

    def documents(self, refs: Iterable[AttachmentRef]) -> list[Document]:
        wanted = [ref for ref in refs if self.selected is None or self.selected(ref.name)]
        outcomes: list[Outcome | None] = [self._without_download(ref) for ref in wanted]
        requests = self._requests(wanted, [i for i, o in enumerate(outcomes) if o is None])
        if len(requests) <= 1:
            results = [self._download([wanted[i] for i in group]) for group in requests]
        else:
            results = list(
                self._pool.map(lambda group: self._download([wanted[i] for i in group]), requests)
            )
        for group, found in zip(requests, results, strict=True):
            for position, outcome in zip(group, found, strict=True):
                outcomes[position] = outcome
        return [
            doc
            for ref, outcome in zip(wanted, outcomes, strict=True)
            for doc in self._documents_for(ref, outcome)
        ]

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._extractions.shutdown(wait=True)

    def __enter__(self) -> AttachmentIndexer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _documents_for(self, ref: AttachmentRef, outcome: Outcome | None) -> list[Document]:
        body, reason, nested = outcome or (None, None, [])
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

    @staticmethod
    def _where(ref: AttachmentRef) -> str:
        return f"attachment '{ref.name}' of '{ref.parent_title or ref.parent_id}' in {ref.mailbox}"

    def _without_download(self, ref: AttachmentRef) -> Outcome | None:
        """The outcome of an attachment that is not downloaded; None if it is to be."""
        if self.extractor is None:
            return None, None, []
        # The extractor's registry: formats registered on it count, and it is not
        # rebuilt for every attachment.
        reason = skip_reason(
            ref.name, ref.content_type, ref.size, self.limits, self.extractor.registry
        )
        if reason is None:
            return None
        # Not downloaded at all: the reason is known from the name, type and size.
        # Pictures and other binaries are expected; a size cut is worth a warning.
        oversized = ref.size is not None and ref.size > self.limits.max_attachment_size
        log.log(
            logging.WARNING if oversized else logging.INFO,
            "%s: no text: %s",
            self._where(ref),
            reason,
        )
        return None, reason, []

    @staticmethod
    def _requests(wanted: list[AttachmentRef], positions: list[int]) -> list[list[int]]:
        """Positions in ``wanted`` grouped by the request that downloads them, in order."""
        requests: list[list[int]] = []
        alike: dict[Hashable, list[int]] = {}
        for position in positions:
            batch = wanted[position].batch
            if batch is None:
                requests.append([position])
            else:
                alike.setdefault(batch.key, []).append(position)
        for group in alike.values():
            first = wanted[group[0]].batch
            assert first is not None
            sizes = [wanted[position].size for position in group]
            for request in request_groups(sizes, first.max_count, first.max_bytes):
                requests.append([group[i] for i in request])
        return sorted(requests)

    def _download(self, refs: list[AttachmentRef]) -> list[Outcome]:
        """Download ``refs`` (one request), then extract each, several at a time."""
        contents = self._fetch(refs)
        rest = [
            self._extractions.submit(self._extracted, ref, content)
            for ref, content in zip(refs[1:], contents[1:], strict=True)
        ]
        first = self._extracted(refs[0], contents[0])
        return [first, *(future.result() for future in rest)]

    @staticmethod
    def _fetch(refs: list[AttachmentRef]) -> list[bytes | Exception]:
        """Each attachment's content, or why it could not be downloaded; never raises."""
        batch = refs[0].batch
        if batch is None:
            (ref,) = refs
            try:
                return [ref.fetch()]
            except Exception as exc:  # a download failure costs this body only
                return [exc]
        try:
            answers = list(batch.fetch([ref.batch.id for ref in refs if ref.batch is not None]))
        except Exception as exc:  # the whole request failed: it costs these bodies only
            return [exc] * len(refs)
        missing = LookupError("the server's answer did not include this attachment")
        return (answers + [missing] * len(refs))[: len(refs)]

    def _extracted(self, ref: AttachmentRef, content: bytes | Exception) -> Outcome:
        assert self.extractor is not None
        if isinstance(content, Exception):
            log.warning("%s: download failed: %s", self._where(ref), content)
            return None, f"download failed: {content}", []
        result = self.extractor.extract(ref.name, ref.content_type, content)
        if result.text is None and result.reason:
            log.warning("%s: no text: %s", self._where(ref), result.reason)
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
            name, content_type, len(data), self.limits, self.extractor.registry
        ):
            return None
        return self.extractor.extract(name, content_type, data, depth=depth).text
