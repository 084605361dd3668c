"""Per-folder orderings, cached until the mailbox changes.

Listing a page or a delta round must not sort a 100,000-item folder on every
request. An ordering is rebuilt only when the mailbox's change counter (every
change takes a new value) or the folder's item or tombstone counts moved.
Callers hold the tenant lock.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from outlook_emulator.tenant.model import Folder, Item, Mailbox

SeqKey = tuple[int, str]


class FolderIndex:
    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[tuple[int, int, int], Any]] = {}

    def _get(self, mailbox: Mailbox, folder: Folder, name: str, build: Callable[[], Any]) -> Any:
        version = (mailbox.seq, len(folder.items), len(folder.tombstones))
        key = (folder.id, name)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = build()
        self._cache[key] = (version, value)
        return value

    def cached(self, mailbox: Mailbox, folder: Folder, name: str, build: Callable[[], Any]) -> Any:
        """Whatever ``build`` derives from the folder, rebuilt after a change."""
        return self._get(mailbox, folder, name, build)

    def ordered(
        self, mailbox: Mailbox, folder: Folder, kind: type[Item],
        sort_key: Callable[[Item], Any] | None = None, reverse: bool = False,
    ) -> list[str]:
        """Ids of the folder's items of ``kind``, by ``sort_key`` (ties by id) or as stored.

        The list is shared by every caller until the mailbox changes: do not modify it.
        """
        name = f"ordered:{kind.__name__}:{getattr(sort_key, '__name__', None)}:{reverse}"

        def build() -> list[str]:
            items = [i for i in folder.items.values() if isinstance(i, kind)]
            if sort_key is not None:
                items.sort(key=lambda i: (sort_key(i), i.id), reverse=reverse)
            return [i.id for i in items]

        return self._get(mailbox, folder, name, build)

    def by_change(self, mailbox: Mailbox, folder: Folder) -> list[SeqKey]:
        """(changed_seq, id) of every item, ascending."""

        def build() -> list[SeqKey]:
            return sorted((i.changed_seq, i.id) for i in folder.items.values())

        return self._get(mailbox, folder, "by_change", build)

    def tombstones(self, mailbox: Mailbox, folder: Folder) -> list[SeqKey]:
        def build() -> list[SeqKey]:
            return sorted((t.deleted_seq, t.item_id) for t in folder.tombstones)

        return self._get(mailbox, folder, "tombstones", build)


def after(keys: list[SeqKey], position: SeqKey) -> int:
    """Index of the first key strictly after ``position``."""
    return bisect.bisect_right(keys, position)
