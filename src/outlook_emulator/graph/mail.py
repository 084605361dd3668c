"""Mail folders and messages.

- mailFolder resource, "List mailFolders", "List childFolders", "Get mailFolder"
  (learn.microsoft.com/graph/api/resources/mailfolder; well-known folder names);
- message resource, "List messages", "Get message", "message: delta"
  (learn.microsoft.com/graph/api/resources/message, .../api/message-delta).
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import quote

from outlook_emulator.graph import bodies, delta, errors, paging
from outlook_emulator.graph.context import Call, etag, iso
from outlook_emulator.graph.recipients import recipient, recipients
from outlook_emulator.http import Response
from outlook_emulator.tenant.model import Folder, Item, Mailbox, Message

MAIL = "Mail.Read"
NEWEST_FIRST = "receivedDateTime desc"  # how Outlook lists messages unless told otherwise


def folder_json(call: Call, mailbox: Mailbox, folder: Folder) -> dict[str, Any]:
    def counts() -> tuple[int, int]:
        messages = [i for i in folder.items.values() if isinstance(i, Message)]
        return len(messages), sum(1 for m in messages if not m.is_read)

    total, unread = call.index.cached(mailbox, folder, "counts", counts)
    return {
        "id": folder.id,
        "displayName": folder.display_name,
        "parentFolderId": folder.parent_id or mailbox.root_id,
        "childFolderCount": len(_mail_children(mailbox, folder)),
        "unreadItemCount": unread,
        "totalItemCount": total,
        "isHidden": False,
    }


def message_json(call: Call, message: Message) -> dict[str, Any]:
    received = message.received or message.created
    return {
        "@odata.etag": etag(message.change_key),
        "id": message.id,
        "createdDateTime": iso(message.created),
        "lastModifiedDateTime": iso(message.last_modified),
        "changeKey": message.change_key,
        "categories": list(message.categories),
        "receivedDateTime": iso(received),
        "sentDateTime": iso(message.sent or received),
        "hasAttachments": any(not a.is_inline for a in message.attachments),
        "internetMessageId": message.internet_message_id,
        "subject": message.subject,
        "bodyPreview": bodies.preview(message.body_text, message.body_html),
        "importance": message.importance,
        "parentFolderId": message.folder_id,
        "conversationId": message.conversation_id,
        "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False,
        "isRead": message.is_read,
        "isDraft": False,
        "webLink": "https://outlook.office365.com/owa/?ItemID="
        + quote(message.id, safe="")
        + "&exvsurl=1&viewmodel=ReadMessageItem",
        "inferenceClassification": "focused",
        "body": bodies.body(message.body_text, message.body_html, call.prefs),
        **_addresses(message),
        "flag": {"flagStatus": "notFlagged"},
    }


def _addresses(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if message.sender is not None:
        out["sender"] = recipient(message.sender)
    if message.from_ is not None:
        out["from"] = recipient(message.from_)
    out["toRecipients"] = recipients(message.to)
    out["ccRecipients"] = recipients(message.cc)
    out["bccRecipients"] = recipients(message.bcc)
    out["replyTo"] = recipients(message.reply_to)
    return out


def _received(item: Item) -> Any:
    if isinstance(item, Message):
        return item.received or item.created
    return item.created


def _mail_children(mailbox: Mailbox, folder: Folder) -> list[Folder]:
    children = (mailbox.folders.get(c) for c in folder.child_ids)
    return [c for c in children if c is not None and c.kind == "mail"]


def list_folders(call: Call, user: str) -> dict[str, Any]:
    call.require(MAIL)
    mailbox = call.mailbox(user)
    root = mailbox.folders.get(mailbox.root_id)
    folders = _mail_children(mailbox, root) if root else []
    return paging.collection(
        call, folders, lambda f: folder_json(call, mailbox, f), f"users('{user}')/mailFolders"
    )


def folders_delta(call: Call, user: str) -> dict[str, Any]:
    call.require(MAIL)
    mailbox = call.mailbox(user)
    folders = [f for f in mailbox.folders.values() if f.kind == "mail" and f.id != mailbox.root_id]
    return delta.folders_round(
        call, mailbox, folders, f"{mailbox.root_id}:mailFolders",
        lambda f: folder_json(call, mailbox, f), f"users('{user}')/mailFolders/delta",
    )


def get_folder(call: Call, user: str, folder: str) -> dict[str, Any]:
    call.require(MAIL)
    mailbox = call.mailbox(user)
    found = call.folder(mailbox, folder, "mail")
    body = folder_json(call, mailbox, found)
    return paging.entity(call, body, f"users('{user}')/mailFolders/$entity")


def list_child_folders(call: Call, user: str, folder: str) -> dict[str, Any]:
    call.require(MAIL)
    mailbox = call.mailbox(user)
    parent = call.folder(mailbox, folder, "mail")
    return paging.collection(
        call, _mail_children(mailbox, parent), lambda f: folder_json(call, mailbox, f),
        f"users('{user}')/mailFolders('{parent.id}')/childFolders",
    )


def _newest_first(call: Call, mailbox: Mailbox, folder: Folder) -> list[str]:
    return call.index.ordered(mailbox, folder, Message, _received, reverse=True)


def _render(call: Call, folder: Folder) -> Any:
    # The ordering holds messages only (index.ordered filters by kind).
    return lambda item_id: message_json(call, cast(Message, folder.items[item_id]))


def list_messages(call: Call, user: str, folder: str) -> dict[str, Any]:
    call.require(MAIL)
    mailbox = call.mailbox(user)
    found = call.folder(mailbox, folder, "mail")
    return paging.collection(
        call, _newest_first(call, mailbox, found), _render(call, found),
        f"users('{user}')/mailFolders('{found.id}')/messages", natural=NEWEST_FIRST,
    )


def list_all_messages(call: Call, user: str) -> dict[str, Any]:
    """``/users/{id}/messages``: the messages of every mail folder, newest first."""
    call.require(MAIL)
    mailbox = call.mailbox(user)
    messages = [
        m for f in mailbox.folders.values() if f.kind == "mail"
        for m in (cast(Message, f.items[i]) for i in _newest_first(call, mailbox, f))
    ]
    messages.sort(key=lambda m: (_received(m), m.id), reverse=True)
    return paging.collection(
        call, messages, lambda m: message_json(call, m), f"users('{user}')/messages",
        natural=NEWEST_FIRST,
    )


def messages_delta(call: Call, user: str, folder: str) -> dict[str, Any]:
    call.require(MAIL)
    mailbox = call.mailbox(user)
    found = call.folder(mailbox, folder, "mail")

    def render(item: Item) -> dict[str, Any] | None:
        return message_json(call, item) if isinstance(item, Message) else None

    return delta.folder_round(
        call, mailbox, found, render,
        f"users('{user}')/mailFolders('{found.id}')/messages/delta",
    )


def find_message(call: Call, user: str, message: str, folder: str | None = None) -> Message:
    call.require(MAIL)
    mailbox = call.mailbox(user)
    if folder is not None:
        item = call.folder(mailbox, folder, "mail").items.get(message)
    else:
        hit = mailbox.find_item(message)
        item = hit[1] if hit else None
    if not isinstance(item, Message):
        raise errors.item_not_found()
    return item


def get_message(call: Call, user: str, message: str, folder: str | None = None) -> dict[str, Any]:
    found = find_message(call, user, message, folder)
    return paging.entity(call, message_json(call, found), f"users('{user}')/messages/$entity")


def message_mime(call: Call, user: str, message: str, folder: str | None = None) -> Response:
    """``GET .../messages/{id}/$value``: the message's MIME content."""
    found = find_message(call, user, message, folder)
    return Response(200, found.source_bytes, {"Content-Type": "text/plain"})


ROUTES = [
    ("users/{user}/mailFolders", list_folders),
    ("users/{user}/mailFolders/delta", folders_delta),
    ("users/{user}/mailFolders/{folder}", get_folder),
    ("users/{user}/mailFolders/{folder}/childFolders", list_child_folders),
    ("users/{user}/mailFolders/{folder}/messages", list_messages),
    ("users/{user}/mailFolders/{folder}/messages/delta", messages_delta),
    ("users/{user}/mailFolders/{folder}/messages/{message}", get_message),
    ("users/{user}/mailFolders/{folder}/messages/{message}/$value", message_mime),
    ("users/{user}/messages", list_all_messages),
    ("users/{user}/messages/{message}", get_message),
    ("users/{user}/messages/{message}/$value", message_mime),
]
