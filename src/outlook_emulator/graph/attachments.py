"""Attachments of messages, events and To Do tasks.

- attachment, fileAttachment, itemAttachment ("attachment resource type",
  learn.microsoft.com/graph/api/resources/attachment; "Get attachment" and its
  ``/$value`` raw content, .../api/attachment-get);
- taskFileAttachment for To Do tasks (.../api/resources/taskfileattachment).

Listing returns ``contentBytes`` for file attachments unless ``$select`` leaves
it out, which is how clients list metadata and then stream ``$value``.
"""

from __future__ import annotations

import base64
from typing import Any

from outlook_emulator.graph import errors, paging
from outlook_emulator.graph.context import Call, iso
from outlook_emulator.http import Response
from outlook_emulator.tenant.model import Attachment, Event, Item, Message, Task

_KIND = {Message: "Mail.Read", Event: "Calendars.Read", Task: "Tasks.Read.All"}


def attachment_json(item: Item, attachment: Attachment) -> dict[str, Any]:
    modified = iso(attachment.last_modified or item.last_modified)
    if isinstance(item, Task):
        return {
            "@odata.type": "#microsoft.graph.taskFileAttachment",
            "id": attachment.id, "name": attachment.name,
            "contentType": attachment.content_type, "size": attachment.size,
            "lastModifiedDateTime": modified,
            "contentBytes": base64.b64encode(attachment.content).decode("ascii"),
        }
    common = {
        "id": attachment.id, "lastModifiedDateTime": modified, "name": attachment.name,
        "contentType": attachment.content_type, "size": attachment.size,
        "isInline": attachment.is_inline,
    }
    if attachment.item is not None:
        return {"@odata.type": "#microsoft.graph.itemAttachment", **common}
    return {
        "@odata.type": "#microsoft.graph.fileAttachment", **common,
        "contentId": attachment.content_id, "contentLocation": None,
        "contentBytes": base64.b64encode(attachment.content).decode("ascii"),
    }


def _owner(call: Call, user: str, item_id: str, kind: type[Item]) -> Item:
    call.require(_KIND[kind])
    mailbox = call.mailbox(user)
    hit = mailbox.find_item(item_id)
    if hit is None or not isinstance(hit[1], kind):
        raise errors.item_not_found()
    return hit[1]


def _find(item: Item, attachment_id: str) -> Attachment:
    for attachment in item.attachments:
        if attachment.id == attachment_id:
            return attachment
    raise errors.item_not_found()


def _list(call: Call, item: Item, context: str) -> dict[str, Any]:
    return paging.collection(call, item.attachments, lambda a: attachment_json(item, a), context)


def _value(attachment: Attachment) -> Response:
    content_type = attachment.content_type or "application/octet-stream"
    if attachment.item is not None:
        content_type = "text/plain"  # an attached item comes back as its MIME/iCal/vCard text
    return Response(200, attachment.content, {"Content-Type": content_type})


def _routes_for(prefix: str, kind: type[Item], owner_param: str) -> list[tuple[str, Any]]:
    def owner(call: Call, params: dict[str, str]) -> Item:
        return _owner(call, params["user"], params[owner_param], kind)

    def list_(call: Call, **params: str) -> dict[str, Any]:
        item = owner(call, params)
        context = f"users('{params['user']}')/{owner_param}s('{item.id}')/attachments"
        return _list(call, item, context)

    def get(call: Call, **params: str) -> dict[str, Any]:
        item = owner(call, params)
        found = attachment_json(item, _find(item, params["attachment"]))
        return paging.entity(call, found, "attachments/$entity")

    def value(call: Call, **params: str) -> Response:
        item = owner(call, params)
        return _value(_find(item, params["attachment"]))

    return [
        (f"{prefix}/attachments", list_),
        (f"{prefix}/attachments/{{attachment}}", get),
        (f"{prefix}/attachments/{{attachment}}/$value", value),
    ]


ROUTES = [
    *_routes_for("users/{user}/messages/{message}", Message, "message"),
    *_routes_for("users/{user}/mailFolders/{folder}/messages/{message}", Message, "message"),
    *_routes_for("users/{user}/events/{event}", Event, "event"),
    *_routes_for("users/{user}/calendars/{calendar}/events/{event}", Event, "event"),
    *_routes_for("users/{user}/todo/lists/{list}/tasks/{task}", Task, "task"),
]
