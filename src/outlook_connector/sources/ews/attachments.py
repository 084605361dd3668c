"""Attachments of mails, events and tasks: listed with their item, downloaded on demand."""

from __future__ import annotations

from functools import partial
from typing import Any

from exchangelib.attachments import AttachmentId

from outlook_connector.sources.base import AttachmentRef, SourceError
from outlook_connector.sources.ews import mapping
from outlook_connector.sources.ews.connection import EwsConnection
from outlook_connector.sources.ews.services import ChunkedGetAttachment


def attachment_refs(
    connection: EwsConnection, item: Any, mailbox: str, label: str
) -> list[AttachmentRef]:
    """One reference per attachment of ``item``; its content is fetched only if asked."""
    refs: list[AttachmentRef] = []
    for attachment in getattr(item, "attachments", None) or ():
        attachment_id = getattr(getattr(attachment, "attachment_id", None), "id", None)
        if not attachment_id:
            continue
        is_item = type(attachment).__name__ == "ItemAttachment"
        refs.append(
            AttachmentRef(
                id=f"{item.id}/{attachment_id}",
                type=label,
                mailbox=mailbox,
                parent_id=item.id,
                parent_title=getattr(item, "subject", None),
                name=attachment.name or "",
                content_type=getattr(attachment, "content_type", None),
                size=getattr(attachment, "size", None),
                is_inline=bool(getattr(attachment, "is_inline", False)),
                last_modified=mapping.utc(getattr(attachment, "last_modified_time", None)),
                fetch=partial(fetch, connection, mailbox, attachment_id, is_item),
            )
        )
    return refs


def fetch(connection: EwsConnection, mailbox: str, attachment_id: str, is_item: bool) -> bytes:
    """GetAttachment: a file's bytes; an attached item's MIME content (else its text)."""
    account = connection.account(mailbox)

    def get() -> list[Any]:
        return list(
            ChunkedGetAttachment(account=account).call(
                items=[AttachmentId(id=attachment_id)],
                include_mime_content=is_item,
                body_type="Text" if is_item else None,
                filter_html_content=None,
                additional_fields=None,
            )
        )

    answers = connection.call(get, mailbox)
    if not answers:
        raise SourceError(f"an attachment of {mailbox} came back empty")
    if isinstance(answers[0], Exception):
        raise SourceError(f"an attachment of {mailbox} could not be read: {answers[0]}")
    return attachment_bytes(answers[0])


def attachment_bytes(attachment: Any) -> bytes:
    if type(attachment).__name__ == "FileAttachment":
        return bytes(attachment.content or b"")
    inner = getattr(attachment, "item", None)
    if inner is None:
        return b""
    mime = getattr(inner, "mime_content", None)
    if mime:
        return mime.encode("utf-8") if isinstance(mime, str) else bytes(mime)
    return (mapping.body_text(inner) or "").encode("utf-8")
