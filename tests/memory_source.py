"""A source whose mailboxes live in memory: for testing the engine's own rules.

It implements the Source protocol the way the real sources do (pages with a
cursor; a cursor that is a position in a change log), so engine behaviour —
resume, deletions, failure isolation — can be tested without a server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from outlook_connector.sources.base import (
    CheckResult,
    Collection,
    CursorExpired,
    Mailbox,
    MailboxUnavailable,
    Page,
)


@dataclass
class MemoryFolder:
    items: dict[str, str] = field(default_factory=dict)  # id -> title
    log: list[tuple[str, str]] = field(default_factory=list)  # (op, id) since creation


class MemorySource:
    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.folders: dict[tuple[str, str], MemoryFolder] = {}
        self.broken_mailboxes: set[str] = set()
        self.fail_after_pages: int | None = None  # raise after this many pages (a crash)
        self.expired_cursors: set[str] = set()
        self.pages_served = 0
        # (mailbox, folder) -> the name users see, where it is not the folder's key
        self.display_names: dict[tuple[str, str], str] = {}

    # test controls
    def put(self, mailbox: str, folder: str, item_id: str, title: str) -> None:
        f = self.folders.setdefault((mailbox, folder), MemoryFolder())
        f.items[item_id] = title
        f.log.append(("upsert", item_id))

    def delete(self, mailbox: str, folder: str, item_id: str) -> None:
        f = self.folders[(mailbox, folder)]
        del f.items[item_id]
        f.log.append(("delete", item_id))

    # Source protocol
    def check(self) -> list[CheckResult]:
        return [CheckResult("memory", True)]

    def mailboxes(self) -> Iterator[Mailbox]:
        for address in sorted({m for m, _ in self.folders}):
            yield Mailbox(address=address)

    def collections(self, mailbox: Mailbox) -> list[Collection]:
        if mailbox.address in self.broken_mailboxes:
            raise MailboxUnavailable(f"{mailbox.address}: mailbox cannot be opened")
        return [
            Collection(
                key=f"mail:{f}", object_type="Inbox Mails", name=self.display_names.get((m, f), f)
            )
            for (m, f) in sorted(self.folders)
            if m == mailbox.address
        ]

    def changes(
        self, mailbox: Mailbox, collection: Collection, cursor: str | None
    ) -> Iterator[Page]:
        folder = self.folders[(mailbox.address, collection.key.removeprefix("mail:"))]
        if cursor in self.expired_cursors:
            raise CursorExpired("cursor expired")
        if cursor is None or cursor.startswith("enum:"):
            # an enumeration: pages over the current items, then a delta cursor at the log's end
            start = 0 if cursor is None else int(cursor.split(":")[1])
            ids = sorted(folder.items)[start * self.page_size :]
            chunks = [ids[i : i + self.page_size] for i in range(0, len(ids), self.page_size)] or [
                []
            ]
            for n, chunk in enumerate(chunks):
                last = n == len(chunks) - 1
                following = f"log:{len(folder.log)}" if last else f"enum:{start + n + 1}"
                yield self._page(
                    mailbox, collection, folder, [("upsert", i) for i in chunk], following, last
                )
            return
        position = int(cursor.split(":")[1])
        ops = folder.log[position:]
        chunks = [ops[i : i + self.page_size] for i in range(0, len(ops), self.page_size)] or [[]]
        for n, chunk in enumerate(chunks):
            position += len(chunk)
            yield self._page(
                mailbox, collection, folder, chunk, f"log:{position}", n == len(chunks) - 1
            )

    def _page(
        self,
        mailbox: Mailbox,
        collection: Collection,
        folder: MemoryFolder,
        ops: list[tuple[str, str]],
        cursor: str,
        complete: bool,
    ) -> Page:
        if self.fail_after_pages is not None and self.pages_served >= self.fail_after_pages:
            raise ConnectionError("connection reset by peer")
        self.pages_served += 1
        page = Page(cursor=cursor, complete=complete)
        for op, item_id in ops:
            if op == "upsert" and item_id in folder.items:
                page.upserts.append(
                    {
                        "id": item_id,
                        "type": collection.object_type,
                        "title": folder.items[item_id],
                        "mailbox": mailbox.address,
                        "folder": collection.name,
                    }
                )
            elif op == "delete":
                page.deletions.append(item_id)
        return page

    def close(self) -> None:
        pass
