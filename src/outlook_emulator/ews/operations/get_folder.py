"""GetFolder: folders by id or distinguished id, in one batch.

Implements ``getfolder-operation.md``: one ``GetFolderResponseMessage`` per
requested id, in request order; an id that names no folder gets
``ErrorFolderNotFound`` while the others succeed.
"""

from __future__ import annotations

from lxml import etree

from outlook_emulator.ews.context import EwsContext
from outlook_emulator.ews.folders import render_folder, resolve
from outlook_emulator.ews.shapes import parse_shape
from outlook_emulator.ews.soap import EwsError, M, required, response_message, response_root, sub
from outlook_emulator.ews.state import EwsState


def handle(ctx: EwsContext, request: etree._Element, state: EwsState) -> etree._Element:
    shape = parse_shape(required(request, "FolderShape"))
    response = response_root("GetFolderResponse")
    messages = sub(response, M + "ResponseMessages")
    folder_ids = required(request, "FolderIds")
    for el in folder_ids:
        try:
            ref = resolve(ctx, el)
        except EwsError as exc:
            response_message(messages, "GetFolderResponseMessage", exc)
            continue
        msg = response_message(messages, "GetFolderResponseMessage")
        render_folder(sub(msg, M + "Folders"), ref, shape, ctx.version)
    return response
