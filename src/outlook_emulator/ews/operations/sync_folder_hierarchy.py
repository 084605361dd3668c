"""SyncFolderHierarchy: the folders below a folder that changed since a state.

Implements ``syncfolderhierarchy-operation.md``: without ``SyncFolderId``
the whole mailbox (from ``msgfolderroot``) is synchronised; the first call
reports every folder as a Create, later calls the folders whose change
sequence moved (Create for folders this server had not seen before, else
Update). The tenant model does not delete folders, so there are no
Delete changes. The response is never paged (IncludesLastFolderInRange).
"""

from __future__ import annotations

from lxml import etree

from outlook_emulator.ews.context import EwsContext
from outlook_emulator.ews.folders import FolderRef, distinguished, render_folder, resolve, walk
from outlook_emulator.ews.shapes import parse_shape
from outlook_emulator.ews.soap import EwsError, M, T, required, response_message, response_root, sub
from outlook_emulator.ews.state import EwsState
from outlook_emulator.ews.syncstate import SyncState, decode


def handle(ctx: EwsContext, request: etree._Element, state: EwsState) -> etree._Element:
    shape = parse_shape(required(request, "FolderShape"))
    response = response_root("SyncFolderHierarchyResponse")
    messages = sub(response, M + "ResponseMessages")
    try:
        ref = _sync_root(ctx, request.find(M + "SyncFolderId"))
        sync_el = request.find(M + "SyncState")
        previous = decode(
            sync_el.text if sync_el is not None else None,
            ref.id,
            ref.mailbox.seq,
            ctx.tenant.instance,
        )
    except EwsError as exc:
        response_message(messages, "SyncFolderHierarchyResponseMessage", exc)
        return response
    following = SyncState(ref.id, ref.mailbox.seq, False, previous.base, ctx.tenant.instance)
    msg = response_message(messages, "SyncFolderHierarchyResponseMessage")
    sub(msg, M + "SyncState", following.encode())
    sub(msg, M + "IncludesLastFolderInRange", "true")
    box = sub(msg, M + "Changes")
    folders = walk(ref, deep=True)
    for child in folders:
        changed_seq = child.folder.changed_seq if child.folder else 0
        if previous.initial or changed_seq > previous.seq:
            is_new = previous.initial or state.born_after("", child.id, previous.seq)
            render_folder(
                sub(box, T + ("Create" if is_new else "Update")), child, shape, ctx.version
            )
    state.note_births(("", c.id, c.folder.changed_seq) for c in folders if c.folder is not None)
    return response


def _sync_root(ctx: EwsContext, el: etree._Element | None) -> FolderRef:
    if el is None or len(el) == 0:
        return distinguished(ctx.mailbox_for(None), "msgfolderroot")
    return resolve(ctx, el[0])
