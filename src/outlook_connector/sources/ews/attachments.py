"""Attachments of mails, events and tasks: listed with their item, downloaded on demand."""

from __future__ import annotations

from functools import partial
from typing import Any

from exchangelib.attachments import AttachmentId

from outlook_connector.sources.base import AttachmentRef, SourceError
from outlook_connector.sources.ews import mapping
from outlook_connector.sources.ews.connection import EwsConnection
from outlook_connector.sources.ews.messages import MessageFacts
from outlook_connector.sources.ews.services import ChunkedGetAttachment


def attachment_refs(
    connection: EwsConnection, item: Any, mailbox: str, label: str
) -> list[AttachmentRef]:
    """One reference per attachment of ``item``; its content is fetched only if asked.

    ``item``: an exchangelib item, or the ``MessageFacts`` of a mail.
    """
    if isinstance(item, MessageFacts):
        attachments, title = item.attachments, item.subject
    else:
        attachments = mapping.attachment_facts(getattr(item, "attachments", None))
        title = getattr(item, "subject", None)
    return [
        AttachmentRef(
            id=f"{item.id}/{attachment.id}",
            type=label,
            mailbox=mailbox,
            parent_id=item.id,
            parent_title=title,
            name=attachment.name,
            content_type=attachment.content_type,
            size=attachment.size,
            is_inline=attachment.is_inline,
            last_modified=attachment.last_modified,
            fetch=partial(fetch, connection, mailbox, attachment.id, attachment.is_item),
        )
        for attachment in attachments
    ]


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
