"""GetAttachment: attachments by id, with their content.

Implements ``getattachment-operation.md``: a file attachment comes back as
``FileAttachment`` with base64 ``Content``; an item attachment as
``ItemAttachment`` holding the attached item (``itemattachment.md``), with
its MIME content when AttachmentShape's IncludeMimeContent asks for it. One
response message per requested id, in the order asked; unknown ids get
``ErrorItemNotFound`` for that id only.
"""

from __future__ import annotations

import base64

from lxml import etree

from outlook_emulator.ews.context import EwsContext
from outlook_emulator.ews.items import RenderContext, render_item, write_attachment_summary
from outlook_emulator.ews.lookup import find_attachment
from outlook_emulator.ews.shapes import Shape, parse_shape
from outlook_emulator.ews.soap import EwsError, M, T, required, response_message, response_root, sub
from outlook_emulator.ews.state import EwsState


def handle(ctx: EwsContext, request: etree._Element, state: EwsState) -> etree._Element:
    shape = _attached_item_shape(request.find(M + "AttachmentShape"))
    response = response_root("GetAttachmentResponse")
    messages = sub(response, M + "ResponseMessages")
    ids = required(request, "AttachmentIds")
    for el in ids:
        try:
            owner, att = find_attachment(ctx.mailbox_for(None), el.get("Id", ""), state)
        except EwsError as exc:
            sub(response_message(messages, "GetAttachmentResponseMessage", exc), M + "Attachments")
            continue
        msg = response_message(messages, "GetAttachmentResponseMessage")
        written = write_attachment_summary(sub(msg, M + "Attachments"), owner, att)
        if att.item is not None:
            render_item(written, att.item, RenderContext(shape=shape, version=ctx.version))
        else:
            sub(written, T + "Content", base64.b64encode(att.content).decode("ascii"))
    return response


def _attached_item_shape(el: etree._Element | None) -> Shape:
    """An attached item is returned with all its properties unless a shape says otherwise.

    AttachmentShape (``attachmentshape.md``) has no BaseShape; its
    IncludeMimeContent and BodyType apply to the attached item.
    """
    shape = parse_shape(el) if el is not None and el.find(T + "BaseShape") is not None else Shape()
    if el is None or el.find(T + "BaseShape") is None:
        shape.base = "AllProperties"
    if el is None:
        return shape
    body_type = el.find(T + "BodyType")
    if body_type is not None and body_type.text:
        shape.body_type = body_type.text
    include_mime = el.find(T + "IncludeMimeContent")
    if include_mime is not None:
        shape.include_mime = (include_mime.text or "").strip() in ("true", "1")
    return shape
