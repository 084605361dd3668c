"""Attachment metadata of mails, events and tasks, and the download of their content.

Listing asks only for metadata (``$select`` without ``contentBytes``); the
content is fetched from ``.../attachments/{id}/$value`` when the engine
decides it is worth extracting. For an item attachment (a mail or event
attached to another) ``$value`` gives the attached item's MIME content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..base import AttachmentRef, Mailbox, SourceError
from .client import GraphClient
from .mapping import (
    ATTACHMENT_FIELDS,
    attachment_kind,
    attachment_modified,
    attachment_size,
    item_id,
)
from .paths import segment, slot_key


@dataclass(frozen=True)
class Parent:
    """An item that may have attachments: its document id, title and resource path."""

    id: str
    title: str | None
    path: str  # e.g. "users/{u}/messages/{id}"


def attachment_document_id(parent_id: str, attachment_id: str) -> str:
    return f"{parent_id}/{attachment_id}"


class AttachmentLister:
    def __init__(self, client: GraphClient, max_size: int) -> None:
        self._client = client
        self._max_size = max_size

    def refs(
        self, mailbox: Mailbox, parent: Parent, label: str, *, select: bool = True
    ) -> list[AttachmentRef]:
        """The parent's attachments (the caller skips items without any).

        ``select`` asks for metadata only; To Do's listing never returns the
        content and its attachments have no ``isInline``, so it goes without.
        """
        refs = []
        items = self._client.items(
            f"{parent.path}/attachments",
            params={"$select": ATTACHMENT_FIELDS} if select else None,
            mailbox=slot_key(mailbox),
        )
        for attachment in items:
            try:
                attachment_id = item_id(attachment)
            except ValueError:
                continue  # an attachment without an id cannot be fetched or tracked
            refs.append(self._ref(mailbox, parent, label, attachment_id, attachment))
        return refs

    def _ref(
        self,
        mailbox: Mailbox,
        parent: Parent,
        label: str,
        attachment_id: str,
        attachment: dict[str, Any],
    ) -> AttachmentRef:
        kind = attachment_kind(attachment)
        content_type = attachment.get("contentType") or None
        if kind == "item" and not content_type:
            content_type = "message/rfc822"
        return AttachmentRef(
            id=attachment_document_id(parent.id, attachment_id),
            type=label,
            mailbox=mailbox.address,
            parent_id=parent.id,
            parent_title=parent.title,
            name=str(attachment.get("name") or attachment_id),
            content_type=content_type,
            size=attachment_size(attachment),
            is_inline=bool(attachment.get("isInline")),
            last_modified=attachment_modified(attachment),
            fetch=self._fetcher(mailbox, parent, attachment_id, kind),
        )

    def _fetcher(
        self, mailbox: Mailbox, parent: Parent, attachment_id: str, kind: str
    ) -> Callable[[], bytes]:
        if kind == "reference":

            def no_content() -> bytes:
                raise SourceError("a link to a cloud file has no content to download")

            return no_content
        path = f"{parent.path}/attachments/{segment(attachment_id)}/$value"
        client, limit, key = self._client, self._max_size, slot_key(mailbox)
        return lambda: client.download(path, mailbox=key, limit=limit)
