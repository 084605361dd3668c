"""Pages of changes in one collection; the cursor is always a Graph URL.

Mail folders, contact folders and To Do lists have delta queries: the first
round enumerates everything, following ``@odata.nextLink`` (each one a
resume point), and ends with an ``@odata.deltaLink`` that starts the next
round and returns only what changed, removals included.

Calendars are different; see ``events``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from ... import documents
from ..base import AttachmentRef, Collection, Mailbox, Page, SourceError
from . import mapping
from .attachments import AttachmentLister, Parent
from .client import PREFER_TEXT_BODY, GraphClient
from .errors import GraphError
from .paths import segment, slot_key, user_path
from .settings import GraphSettings

log = logging.getLogger(__name__)

Document = dict[str, Any]
Built = tuple[Document, list[AttachmentRef]]

# Incremental calendar rounds ask for events modified since the previous round
# started, less this margin for clock skew and replication delay between servers.
EVENT_OVERLAP = timedelta(minutes=10)
_ROUND_MARK = "round="


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

        yield from self._delta(mailbox, start, mapping.MESSAGE_FIELDS, cursor, build)

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
        wants is one document per event or series, in every calendar, so:

        - a full round lists ``/calendars/{id}/events``, which returns single
          events and series masters (occurrences are not expanded);
        - the round then ends with the same listing filtered on
          ``lastModifiedDateTime`` since the round started (less a margin), and
          that URL is the cursor of the next, incremental round. Changing an
          occurrence or exception changes its series master, so the series is
          re-read.

        Deleted events are not reported by an incremental round (a listing
        does not show what is gone); the engine's full sync removes them.
        Intermediate cursors carry the round's start in their URL fragment
        (never sent to the server), so a round resumed after a crash still
        knows since when to ask next time.
        """
        calendar = f"{user_path(mailbox)}/calendars/{segment(collection.remote_id or '')}/events"
        url, started = _resume(cursor)
        params: dict[str, str] | None = None
        if url is None:
            url, params = calendar, {"$select": mapping.EVENT_FIELDS, "$top": str(self._page_size)}
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
            page = self._page(mailbox, body.get("value"), build)
            next_link = body.get("@odata.nextLink")
            if next_link:
                page.cursor = f"{next_link}#{_ROUND_MARK}{started.isoformat()}"
            else:
                page.cursor = self._changed_since(calendar, started - EVENT_OVERLAP)
                page.complete = True
            yield page
            if not next_link:
                return
            url, params = next_link, None

    # -- shared --------------------------------------------------------------

    @property
    def _page_size(self) -> int:
        return max(1, int(self._settings.page_size))

    def _changed_since(self, calendar_path: str, since: datetime) -> str:
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {
            "$select": mapping.EVENT_FIELDS,
            "$top": str(self._page_size),
            "$filter": f"lastModifiedDateTime ge {stamp}",
        }
        return str(httpx.URL(self._client.url(calendar_path), params=params))

    def _delta(
        self,
        mailbox: Mailbox,
        start: str,
        fields: str,
        cursor: str | None,
        build: Callable[[dict[str, Any]], Built],
    ) -> Iterator[Page]:
        # Query options go on the first request only: Graph encodes them into
        # the links. The page-size preference is a header, sent every time.
        url = cursor or start
        params: dict[str, str] | None = None if cursor else {"$select": fields}
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


def _resume(cursor: str | None) -> tuple[str | None, datetime]:
    """The URL to ask and the start of the round it belongs to."""
    now = datetime.now(UTC)
    if cursor is None:
        return None, now
    parts = urlsplit(cursor)
    started = now
    if parts.fragment.startswith(_ROUND_MARK):
        try:
            started = datetime.fromisoformat(parts.fragment[len(_ROUND_MARK) :])
        except ValueError:
            started = now
    return urlunsplit(parts._replace(fragment="")), started


def _describe(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("id") or item.get("subject") or item.get("title") or "item")
    return repr(item)[:80]


def _reason(exc: Exception) -> str:
    if isinstance(exc, mapping.MalformedItem | GraphError):
        return str(exc)
    return f"cannot be mapped: {type(exc).__name__}: {exc}"
