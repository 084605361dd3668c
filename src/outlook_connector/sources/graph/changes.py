"""Pages of changes in one collection; the cursor is always a Graph URL.

Mail folders, contact folders and To Do lists have delta queries: the first
round enumerates everything, following ``@odata.nextLink`` (each one a
resume point), and ends with an ``@odata.deltaLink`` that starts the next
round and returns only what changed, removals included.

Calendars are different; see ``events``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from ... import documents
from ..base import AttachmentRef, Collection, CursorExpired, Mailbox, Page, SourceError
from . import mapping
from .attachments import AttachmentLister, Parent
from .client import PREFER_TEXT_BODY, GraphClient
from .errors import GraphError
from .paths import segment, slot_key, user_path
from .rounds import RoundState, id_digest, nothing_deleted, split_cursor, with_state
from .settings import GraphSettings
from .timezones import parse_timestamp

Document = dict[str, Any]
Built = tuple[Document, list[AttachmentRef]]

# Incremental calendar rounds ask for events modified since the previous round
# started, less this margin for clock skew and replication delay between servers.
EVENT_OVERLAP = timedelta(minutes=10)
# Page size of the id-only listing that detects deleted events.
ID_PAGE_SIZE = 1000


class ChangeReader:
    def __init__(
        self, client: GraphClient, attachments: AttachmentLister, settings: GraphSettings
    ) -> None:
        self._client = client
        self._attachments = attachments
        self._settings = settings

    # -- per kind ------------------------------------------------------------

    def messages(
        self, mailbox: Mailbox, collection: Collection, cursor: str | None
    ) -> Iterator[Page]:
        folder = segment(collection.remote_id or collection.key.split(":", 1)[1])
        start = f"{user_path(mailbox)}/mailFolders/{folder}/messages/delta"

        def build(item: dict[str, Any]) -> Built:
            message_id = mapping.item_id(item)
            path = f"{user_path(mailbox)}/messages/{segment(message_id)}"
            parent = Parent(message_id, item.get("subject"), path)
            refs = self._refs(mailbox, parent, documents.MAIL_ATTACHMENT, item)
            doc = mapping.message_document(
                item,
                mailbox=mailbox.address,
                object_type=collection.object_type,
                folder=collection.name,
                attachment_names=[r.name for r in refs],
            )
            return doc, refs

        # Message delta documents one filter, receivedDateTime ge: an advanced
        # rule's window is applied by the server, so older mails never travel.
        received_after = self._settings.received_after
        query = None
        if received_after is not None:
            stamp = received_after.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            query = {"$filter": f"receivedDateTime ge {stamp}"}
        yield from self._delta(mailbox, start, mapping.MESSAGE_FIELDS, cursor, build, query)

    def contacts(
        self, mailbox: Mailbox, collection: Collection, cursor: str | None
    ) -> Iterator[Page]:
        folder = segment(collection.remote_id or "")
        start = f"{user_path(mailbox)}/contactFolders/{folder}/contacts/delta"

        def build(item: dict[str, Any]) -> Built:
            return mapping.contact_document(item, mailbox=mailbox.address), []

        yield from self._delta(mailbox, start, mapping.CONTACT_FIELDS, cursor, build)

    def tasks(self, mailbox: Mailbox, collection: Collection, cursor: str | None) -> Iterator[Page]:
        task_list = f"{user_path(mailbox)}/todo/lists/{segment(collection.remote_id or '')}"

        def build(item: dict[str, Any]) -> Built:
            task_id = mapping.item_id(item)
            parent = Parent(task_id, item.get("title"), f"{task_list}/tasks/{segment(task_id)}")
            refs = self._refs(mailbox, parent, documents.TASK_ATTACHMENT, item, select=False)
            doc = mapping.task_document(
                item,
                mailbox=mailbox.address,
                task_list=collection.name,
                attachment_names=[r.name for r in refs],
            )
            return doc, refs

        yield from self._delta(
            mailbox, f"{task_list}/tasks/delta", mapping.TASK_FIELDS, cursor, build
        )

    def events(
        self, mailbox: Mailbox, collection: Collection, cursor: str | None
    ) -> Iterator[Page]:
        """Events of one calendar: one document per single event or recurring series.

        Graph v1.0 has no delta query for a calendar's events; its only event
        delta (``/calendarView/delta``) covers the primary calendar within a
        date window and expands each series into occurrences. What the index
        wants is one document per event or series, in every calendar, so a
        round reads ``/calendars/{id}/events`` (single events and series
        masters; occurrences are not expanded):

        - a first round reads them all;
        - a later round reads those modified since the previous round started
          (changing an occurrence or exception modifies its series master);
        - deletions: each round first lists the calendar's event ids (cheap);
          when an event the previous round saw is gone, ``CursorExpired`` makes
          the engine read the calendar in full and remove what it did not see.

        What a round needs to know about the previous one travels in the
        cursor's URL fragment (``rounds``).
        """
        calendar = f"{user_path(mailbox)}/calendars/{segment(collection.remote_id or '')}/events"
        url, state = split_cursor(cursor)
        params: dict[str, str] | None = None
        if url is None or state is None or state.checkpoint:
            started = datetime.now(UTC)
            listing = self._event_ids(mailbox, calendar)
            floor = None
            if state is not None and state.checkpoint:
                if not nothing_deleted(listing, state):
                    raise CursorExpired(
                        f"events were deleted from {collection.name}; it is read again in full"
                    )
                floor = state.since - EVENT_OVERLAP
            url, params = calendar, self._event_query(floor)
            state = RoundState(started, id_digest(listing), floor)
        prefer = [PREFER_TEXT_BODY, 'outlook.timezone="UTC"']

        def build(item: dict[str, Any]) -> Built:
            event_id = mapping.item_id(item)
            parent = Parent(
                event_id, item.get("subject"), f"{user_path(mailbox)}/events/{segment(event_id)}"
            )
            refs = self._refs(mailbox, parent, documents.CALENDAR_ATTACHMENT, item)
            doc = mapping.event_document(
                item,
                mailbox=mailbox.address,
                calendar=collection.name,
                attachment_names=[r.name for r in refs],
            )
            return doc, refs

        while True:
            body = self._client.get_json(
                url, params=params, prefer=prefer, mailbox=slot_key(mailbox)
            )
            page = self._page(mailbox, _modified_since(body.get("value"), state.floor), build)
            next_link = body.get("@odata.nextLink")
            if next_link:
                page.cursor = with_state(next_link, state)
            else:
                page.cursor = with_state(self._client.url(calendar), state.at_end())
                page.complete = True
            yield page
            if not next_link:
                return
            url, params = next_link, None

    def _event_query(self, floor: datetime | None) -> dict[str, str]:
        query = {"$select": mapping.EVENT_FIELDS, "$top": str(self._page_size)}
        if floor is not None:
            stamp = floor.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            query["$filter"] = f"lastModifiedDateTime ge {stamp}"
        return query

    def _event_ids(self, mailbox: Mailbox, calendar: str) -> dict[str, datetime | None]:
        """Every event of the calendar: its id and when it was created."""
        params = {"$select": "id,createdDateTime", "$top": str(ID_PAGE_SIZE)}
        return {
            str(item["id"]): parse_timestamp(item.get("createdDateTime"))
            for item in self._client.items(calendar, params=params, mailbox=slot_key(mailbox))
            if isinstance(item.get("id"), str)
        }

    # -- shared --------------------------------------------------------------

    @property
    def _page_size(self) -> int:
        return max(1, int(self._settings.page_size))

    def _delta(
        self,
        mailbox: Mailbox,
        start: str,
        fields: str,
        cursor: str | None,
        build: Callable[[dict[str, Any]], Built],
        query: dict[str, str] | None = None,
    ) -> Iterator[Page]:
        # Query options go on the first request only: Graph encodes them into
        # the links. The page-size preference is a header, sent every time.
        url = cursor or start
        params: dict[str, str] | None = None if cursor else {"$select": fields, **(query or {})}
        prefer = [PREFER_TEXT_BODY, f"odata.maxpagesize={self._page_size}"]
        while True:
            body = self._client.get_json(
                url, params=params, prefer=prefer, mailbox=slot_key(mailbox)
            )
            next_link = body.get("@odata.nextLink")
            delta_link = body.get("@odata.deltaLink")
            if not next_link and not delta_link:
                raise SourceError(f"{mailbox.address}: a delta reply without a next or delta link")
            page = self._page(mailbox, body.get("value"), build)
            page.cursor = next_link or delta_link
            page.complete = not next_link
            yield page
            if not next_link:
                return
            url, params = next_link, None

    def _page(self, mailbox: Mailbox, items: Any, build: Callable[[dict[str, Any]], Built]) -> Page:
        page = Page()
        live: list[dict[str, Any]] = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and mapping.is_removed(item):
                try:
                    page.deletions.append(mapping.item_id(item))
                except mapping.MalformedItem as exc:
                    page.skipped.append((_describe(item), str(exc)))
            else:
                live.append(item)
        for item, outcome in zip(live, self._build_all(live, build), strict=True):
            if isinstance(outcome, Exception):
                page.skipped.append((_describe(item), _reason(outcome)))
            else:
                page.upserts.append(outcome[0])
                page.attachments.extend(outcome[1])
        return page

    def _build_all(
        self, items: Sequence[dict[str, Any]], build: Callable[[dict[str, Any]], Built]
    ) -> list[Built | Exception]:
        """Map the items; attachment listings run side by side within the mailbox's budget."""

        def one(item: dict[str, Any]) -> Built | Exception:
            try:
                return build(item)
            except GraphError as exc:
                if exc.is_not_found:  # deleted since the delta page was made
                    return exc
                raise
            except SourceError:
                raise
            except Exception as exc:  # a malformed item costs that item only
                return exc

        needs_requests = sum(1 for i in items if isinstance(i, dict) and i.get("hasAttachments"))
        if needs_requests < 2:
            return [one(item) for item in items]
        workers = min(self._settings.requests_per_mailbox, needs_requests)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graph-att") as pool:
            return list(pool.map(one, items))

    def _refs(
        self,
        mailbox: Mailbox,
        parent: Parent,
        label: str,
        item: dict[str, Any],
        *,
        select: bool = True,
    ) -> list[AttachmentRef]:
        if not item.get("hasAttachments"):
            return []
        return self._attachments.refs(mailbox, parent, label, select=select)


def _modified_since(items: Any, floor: datetime | None) -> Any:
    """The listed events modified at or after ``floor`` (all of them without one)."""
    if floor is None or not isinstance(items, list):
        return items
    return [
        item
        for item in items
        if not isinstance(item, dict)
        or (parse_timestamp(item.get("lastModifiedDateTime")) or floor) >= floor
    ]


def _describe(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("id") or item.get("subject") or item.get("title") or "item")
    return repr(item)[:80]


def _reason(exc: Exception) -> str:
    if isinstance(exc, mapping.MalformedItem | GraphError):
        return str(exc)
    return f"cannot be mapped: {type(exc).__name__}: {exc}"
