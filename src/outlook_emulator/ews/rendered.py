"""Serialised items kept between requests, so an item asked for again is not rendered again.

A sync asks for every item of a mailbox with one response shape, and the next
sync (or the next client) asks again with the same shape: rendering an item
element by element is most of what GetItem costs. Each entry is the item's
serialised element for one way of asking (shape, schema version, FindItem-style
or not) together with everything else its rendering read (``items.render_inputs``:
the item's change number and folder, the parent folder's change key, the mailbox
owner, the exceptions of a series). An entry whose inputs no longer match is
rendered afresh and replaced, so a changed, moved or deleted item is never
served stale; and the whole store is bounded in bytes, least recently used
first out, so it never outgrows what a tenant's items serialise to.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from outlook_emulator.ews.shapes import Shape

DEFAULT_MAX_BYTES = 512 * 1024 * 1024


def shape_key(shape: Shape, version: str, find: bool) -> Hashable:
    """Everything about the way of asking that changes how an item is written."""
    return (
        shape.base,
        shape.body_type,
        frozenset(shape.uris),
        frozenset(shape.indexed),
        shape.include_mime,
        shape.max_body_kb,
        version,
        find,
    )


class RenderedItems:
    """A byte-bounded LRU of serialised items by (way of asking, item id)."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[tuple[Hashable, str], tuple[Hashable, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def find(self, way: Hashable, item_id: str, inputs: Hashable) -> bytes | None:
        """The serialised item kept for this way of asking and these very inputs, if any."""
        key = (way, item_id)
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != inputs:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, way: Hashable, item_id: str, inputs: Hashable, data: bytes) -> None:
        """Keep ``data`` in place of whatever was kept for the item and way of asking."""
        self._put((way, item_id), inputs, data)

    def _put(self, key: tuple[Hashable, str], inputs: Hashable, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= len(old[1])
            self._entries[key] = (inputs, data)
            self.size += len(data)
            while self.size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)
