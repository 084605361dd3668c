"""Attachments of mails, events and tasks: listed with their item, downloaded on demand.

GetAttachment takes several AttachmentId elements in one request and answers
one message per id, in order ("GetAttachment operation"), so the attachments
of a page are downloaded several to a request: those of one mailbox and of
one kind (a file, or an attached item, which is asked for with its MIME
content and text body: the AttachmentShape is the request's).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from outlook_connector.sources.base import AttachmentRef, BatchFetch, SourceError
from outlook_connector.sources.ews import mapping
from outlook_connector.sources.ews.connection import EwsConnection
from outlook_connector.sources.ews.messages import MessageFacts
from outlook_connector.sources.ews.services import ChunkedGetAttachment

# Bounds of one GetAttachment request, from client CPU measured against the
# emulator (exchangelib and requests): a request costs about 4.5 ms of its
# own, each attachment in it about 0.6 ms more, and each MiB 11 to 18 ms.
# 16 small attachments to a request cost 1 ms each instead of 4.5; 32 would
# save only 0.2 ms more each. At 2 MiB of content a request's own cost is
# a fifth of the whole or less, and from 4 MiB on each MiB costs more (the reply
# is parsed and held whole), so larger attachments gain nothing from sharing
# a request and go alone.
BATCH_MAX_ATTACHMENTS = 16
BATCH_MAX_BYTES = 2 * 1024 * 1024


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
            batch=BatchFetch(
                key=(id(connection), mailbox, attachment.is_item),
                id=attachment.id,
                fetch=partial(fetch_many, connection, mailbox, attachment.is_item),
                max_count=BATCH_MAX_ATTACHMENTS,
                max_bytes=BATCH_MAX_BYTES,
            ),
        )
        for attachment in attachments
    ]


def fetch(connection: EwsConnection, mailbox: str, attachment_id: str, is_item: bool) -> bytes:
    """GetAttachment: a file's bytes; an attached item's MIME content (else its text)."""
    (answer,) = fetch_many(connection, mailbox, is_item, [attachment_id])
    if isinstance(answer, Exception):
        raise answer
    return answer


def fetch_many(
    connection: EwsConnection, mailbox: str, is_item: bool, attachment_ids: Sequence[str]
) -> list[bytes | Exception]:
    """One GetAttachment for several attachments of a kind: each one's bytes, or its error.

    An id the server answers with an error costs that attachment only; a
    request that fails as a whole (after the connection's retries) raises.
    """
    account = connection.account(mailbox)

    def get() -> list[Any]:
        return list(
            ChunkedGetAttachment(account=account).call(
                items=list(attachment_ids),
                include_mime_content=is_item,
                body_type="Text" if is_item else None,
                filter_html_content=None,
                additional_fields=None,
            )
        )

    answers = connection.call(get, mailbox)
    return [
        _content(mailbox, answers[position] if position < len(answers) else None)
        for position in range(len(attachment_ids))
    ]


def _content(mailbox: str, answer: Any) -> bytes | Exception:
    if answer is None:
        return SourceError(f"an attachment of {mailbox} came back empty")
    if isinstance(answer, Exception):
        return SourceError(f"an attachment of {mailbox} could not be read: {answer}")
    return attachment_bytes(answer)


def attachment_bytes(attachment: Any) -> bytes:
    if isinstance(attachment, bytes):  # a file's content, read from the answer's XML
        return attachment
    if type(attachment).__name__ == "FileAttachment":
        return bytes(attachment.content or b"")
    inner = getattr(attachment, "item", None)
    if inner is None:
        return b""
    mime = getattr(inner, "mime_content", None)
    if mime:
        return mime.encode("utf-8") if isinstance(mime, str) else bytes(mime)
    return (mapping.body_text(inner) or "").encode("utf-8")
