"""Caches an EwsApp keeps between requests, so paging stays cheap on big folders.

Sorted views of a folder are reused until the mailbox changes (its change
counter moves), so paging through 100,000 items sorts once, not per page.
Everything here belongs to one EwsApp; two emulators in a process share nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from outlook_emulator.ews.rendered import RenderedItems

V = TypeVar("V")


class EwsState:
    """A small LRU of derived views, keyed by whatever identifies their inputs."""

    def __init__(self, size: int = 64) -> None:
        self._views: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        # (where, id) -> the change sequence at which this server first saw an item in a
        # folder (where = the folder's id) or a folder (where = ""). The tenant model keeps
        # only the last change, but the sync operations must tell a new item or folder
        # (Create) from a changed one (Update); an item moved into a folder is new there.
        self._births: dict[tuple[str, str], int] = {}
        # Serialised items, so a page of items asked for again costs look-ups.
        self.rendered = RenderedItems()

    def note_births(self, sightings: Iterable[tuple[str, str, int]]) -> None:
        """Record (where, id, change sequence) sightings; the first sighting wins."""
        with self._lock:
            for where, what, seq in sightings:
                self._births.setdefault((where, what), seq)

    def born_after(self, where: str, what: str, seq: int) -> bool:
        """Whether ``what`` first appeared in ``where`` after change ``seq`` (unknown: yes)."""
        with self._lock:
            return self._births.get((where, what), seq + 1) > seq

    def view(self, key: Hashable, build: Callable[[], V]) -> V:
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                found: V = self._views[key]
                return found
        value = build()
        with self._lock:
            self._views[key] = value
            while len(self._views) > self._size:
                self._views.popitem(last=False)
        return value
