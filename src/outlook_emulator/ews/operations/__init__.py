"""One module per EWS operation; each exposes ``handle(ctx, request, state)``."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from outlook_emulator.ews.context import EwsContext
from outlook_emulator.ews.operations import (
    convert_id,
    find_folder,
    find_item,
    get_attachment,
    get_folder,
    get_item,
    sync_folder_hierarchy,
    sync_folder_items,
)
from outlook_emulator.ews.soap import Spliced
from outlook_emulator.ews.state import EwsState

# A handler answers with the response element, or one with slots for serialised items.
Handler = Callable[[EwsContext, etree._Element, EwsState], etree._Element | Spliced]

OPERATIONS: dict[str, Handler] = {
    "ConvertId": convert_id.handle,
    "GetFolder": get_folder.handle,
    "FindFolder": find_folder.handle,
    "FindItem": find_item.handle,
    "GetItem": get_item.handle,
    "SyncFolderItems": sync_folder_items.handle,
    "SyncFolderHierarchy": sync_folder_hierarchy.handle,
    "GetAttachment": get_attachment.handle,
}
