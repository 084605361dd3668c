"""FindFolder: the subfolders of a folder, Shallow or Deep, paged.

Implements ``findfolder-operation.md`` with ``indexedpagefolderview.md``:
``RootFolder`` carries ``IndexedPagingOffset``, ``TotalItemsInView`` and
``IncludesLastItemInRange``. One response message per parent folder.
"""

from __future__ import annotations

from lxml import etree

from outlook_emulator.ews.context import EwsContext
from outlook_emulator.ews.folders import render_folder, resolve, walk
from outlook_emulator.ews.paging import parse_indexed_view
from outlook_emulator.ews.shapes import parse_shape
from outlook_emulator.ews.soap import (
    EwsError,
    EwsFault,
    M,
    T,
    required,
    response_message,
    response_root,
    sub,
    xml_bool,
)
from outlook_emulator.ews.state import EwsState


def handle(ctx: EwsContext, request: etree._Element, state: EwsState) -> etree._Element:
    traversal = request.get("Traversal", "Shallow")
    if traversal not in ("Shallow", "Deep", "SoftDeleted"):
        raise EwsFault("ErrorSchemaValidation", "The request failed schema validation: Traversal.")
    shape = parse_shape(required(request, "FolderShape"))
    response = response_root("FindFolderResponse")
    messages = sub(response, M + "ResponseMessages")
    parents = required(request, "ParentFolderIds")
    for el in parents:
        try:
            ref = resolve(ctx, el)
            view = parse_indexed_view(request.find(M + "IndexedPageFolderView"))
        except EwsError as exc:
            response_message(messages, "FindFolderResponseMessage", exc)
            continue
        # Soft-deleted folders do not exist in the tenant model.
        found = walk(ref, traversal == "Deep") if traversal != "SoftDeleted" else []
        start, stop = view.window(len(found))
        msg = response_message(messages, "FindFolderResponseMessage")
        root = sub(
            msg,
            M + "RootFolder",
            IndexedPagingOffset=str(view.next_offset(start, stop)),
            TotalItemsInView=str(len(found)),
            IncludesLastItemInRange=xml_bool(view.is_last(start, stop, len(found))),
        )
        box = sub(root, T + "Folders")
        for child in found[start:stop]:
            render_folder(box, child, shape, ctx.version)
    return response
