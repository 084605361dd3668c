"""Source behaviour on Graph replies the emulator does not produce on its own:
removals, expired delta tokens, malformed items, missing folders and mailboxes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from outlook_connector.sources.base import (
    Collection,
    CursorExpired,
    Mailbox,
    MailboxUnavailable,
    SourceError,
)
from outlook_connector.sources.graph import GraphSettings, GraphSource

GRAPH = "https://graph.test/v1.0"
BOX = Mailbox(address="alice@contoso.example", id="u1")
INBOX = Collection("mail:inbox", "Inbox Mails", "Inbox", "f-inbox")
CALENDAR = Collection("calendar:c1", "Calendar", "Calendar", "c1")


class FakeTokens:
    def token(self, *, force_refresh: bool = False) -> str:
        return "token"

    def close(self) -> None:
        pass


Route = Callable[[httpx.Request], httpx.Response]


def source(route: Route, **settings: Any) -> GraphSource:
    return GraphSource(
        GraphSettings(tenant_id="t", client_id="c", graph_url=GRAPH, **settings),
        transport=httpx.MockTransport(route),
        tokens=FakeTokens(),  # type: ignore[arg-type]
        sleep=lambda seconds: None,
    )


def ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def graph_error(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": f"{code} message"}})


def test_removed_items_become_deletions_and_malformed_ones_are_skipped() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1.0/users/u1/mailFolders/f-inbox/messages/delta"
        assert "odata.maxpagesize=50" in request.headers["Prefer"]
        assert "hasAttachments" in request.url.params["$select"]
        return ok(
            {
                "value": [
                    {"id": "m1", "subject": "kept"},
                    {"id": "m2", "@removed": {"reason": "deleted"}},
                    {"subject": "no id"},
                    "not an object",
                    {"id": "m3", "receivedDateTime": 12, "toRecipients": "junk"},
                ],
                "@odata.deltaLink": f"{GRAPH}/users/u1/messages/delta?$deltatoken=d1",
            }
        )

    with source(route, page_size=50) as graph:
        [page] = list(graph.changes(BOX, INBOX, None))
    assert [d["id"] for d in page.upserts] == ["m1", "m3"]
    assert page.deletions == ["m2"]
    assert [reason for _, reason in page.skipped] == ["the item has no id", "not a JSON object"]
    assert page.complete and page.cursor and page.cursor.endswith("$deltatoken=d1")


@pytest.mark.parametrize(
    "reply",
    [
        graph_error(410, "Gone"),
        graph_error(400, "SyncStateNotFound"),
        graph_error(400, "resyncRequired"),
    ],
)
def test_an_expired_delta_link_asks_for_a_new_enumeration(reply: httpx.Response) -> None:
    with source(lambda r: reply) as graph, pytest.raises(CursorExpired):
        list(
            graph.changes(
                BOX, INBOX, f"{GRAPH}/users/u1/mailFolders/f-inbox/messages/delta?$deltatoken=old"
            )
        )


def test_a_cursor_for_another_host_starts_over_instead_of_leaking_the_token() -> None:
    with (
        source(lambda r: pytest.fail("no request expected")) as graph,
        pytest.raises(CursorExpired),
    ):
        list(graph.changes(BOX, INBOX, "https://elsewhere.test/v1.0/users/u1/messages/delta"))


def test_a_mailbox_without_exchange_online_is_unavailable() -> None:
    reply = graph_error(404, "MailboxNotEnabledForRESTAPI")
    with source(lambda r: reply) as graph:
        with pytest.raises(MailboxUnavailable, match="MailboxNotEnabledForRESTAPI"):
            graph.collections(BOX)
        with pytest.raises(MailboxUnavailable):
            list(graph.changes(BOX, INBOX, None))


def test_a_kind_the_application_may_not_read_is_reported_and_the_rest_synced() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if "/todo/" in request.url.path:
            return graph_error(403, "ErrorAccessDenied")
        if "/mailFolders/" in request.url.path:
            return ok({"id": "f", "displayName": "Inbox"})
        if request.url.path.endswith("/calendars"):
            return ok({"value": [{"id": "c1", "name": "Calendar"}]})
        return ok({"value": []})

    with source(route) as graph:
        collections = graph.collections(BOX)
        keys = [c.key for c in collections]
        assert keys[-2:] == ["calendar:c1", "tasks:access-denied"]
        denied = collections[-1]
        assert denied.object_type == "Task"  # sync rules that leave tasks out skip it
        with pytest.raises(MailboxUnavailable, match="Tasks.Read.All"):
            list(graph.changes(BOX, denied, None))


def test_a_missing_well_known_folder_is_left_out() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/mailFolders/archive"):
            return graph_error(404, "ErrorFolderNotFound")
        if "/mailFolders/" in request.url.path:
            name = request.url.path.rsplit("/", 1)[1]
            return ok({"id": f"id-{name}", "displayName": name.title()})
        return ok({"value": []})

    with source(route) as graph:
        keys = [c.key for c in graph.collections(BOX)]
    assert keys == ["mail:inbox", "mail:sentitems", "mail:junkemail"]


def test_a_mailbox_without_an_inbox_cannot_be_read() -> None:
    missing = graph_error(404, "ErrorItemNotFound")
    with source(lambda r: missing) as graph, pytest.raises(MailboxUnavailable, match="no mailbox"):
        graph.collections(BOX)


def test_contact_folders_are_found_from_their_parent() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/users/u1/contactFolders"):
            return ok(
                {"value": [{"id": "cf1", "displayName": "Suppliers", "parentFolderId": "root"}]}
            )
        if path.endswith("/contactFolders/cf1/childFolders"):
            return ok({"value": [{"id": "cf2", "displayName": "Europe", "parentFolderId": "cf1"}]})
        if "/mailFolders/" in path:
            return ok({"id": "f", "displayName": "Folder"})
        return ok({"value": []})

    with source(route) as graph:
        contacts = [(c.key, c.name) for c in graph.collections(BOX) if c.object_type == "Contact"]
    assert contacts == [
        ("contacts:root", "Contacts"),
        ("contacts:cf1", "Suppliers"),
        ("contacts:cf2", "Europe"),
    ]


def test_throttled_delta_pages_are_retried() -> None:
    replies = [
        httpx.Response(
            429, headers={"Retry-After": "1"}, json={"error": {"code": "TooManyRequests"}}
        ),
        ok({"value": [{"id": "m1"}], "@odata.deltaLink": f"{GRAPH}/x?$deltatoken=1"}),
    ]
    with source(lambda r: replies.pop(0)) as graph:
        [page] = list(graph.changes(BOX, INBOX, None))
    assert [d["id"] for d in page.upserts] == ["m1"]


class FakeCalendar:
    """/calendars/c1/events as Graph lists it: two events a page; ids-only on request."""

    def __init__(self) -> None:
        old = "2024-01-01T00:00:00Z"
        self.events = {
            "e1": {"id": "e1", "type": "singleInstance", "subject": "One", "createdDateTime": old},
            "e2": {"id": "e2", "type": "seriesMaster", "subject": "Two", "createdDateTime": old},
            "e3": {
                "id": "e3",
                "type": "singleInstance",
                "subject": "Three",
                "createdDateTime": old,
            },
        }
        for event in self.events.values():
            event["lastModifiedDateTime"] = old
        self.filters: list[str] = []

    def add(self, event_id: str, subject: str) -> None:
        # Created after the previous round started (Graph's times have whole seconds).
        now = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.events[event_id] = {
            "id": event_id,
            "type": "singleInstance",
            "subject": subject,
            "createdDateTime": now,
            "lastModifiedDateTime": now,
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1.0/users/u1/calendars/c1/events"
        assert "#" not in str(request.url)
        params = request.url.params
        if "$filter" in params:
            self.filters.append(params["$filter"])  # and ignored, as some servers do
        items = list(self.events.values())
        if params.get("$select") == "id,createdDateTime":
            return ok({"value": [{k: e[k] for k in ("id", "createdDateTime")} for e in items]})
        skip = int(params.get("$skip", "0"))
        body: dict[str, Any] = {"value": items[skip : skip + 2]}
        if skip + 2 < len(items):
            body["@odata.nextLink"] = f"{GRAPH}/users/u1/calendars/c1/events?$skip={skip + 2}"
        return ok(body)


def titles(pages: list[Any]) -> list[str]:
    return [d["title"] for p in pages for d in p.upserts]


def test_calendar_rounds_read_changes_only_and_fall_back_to_a_full_read_on_deletion() -> None:
    calendar = FakeCalendar()
    with source(calendar) as graph:
        first = list(graph.changes(BOX, CALENDAR, None))
        assert titles(first) == ["One", "Two", "Three"]
        assert [d["meeting_type"] for p in first for d in p.upserts][:2] == [
            "single",
            "recurring series",
        ]
        assert [p.complete for p in first] == [False, True]
        assert "#page;" in (first[0].cursor or "")
        checkpoint = first[-1].cursor or ""
        assert "#checkpoint;" in checkpoint

        unchanged = list(graph.changes(BOX, CALENDAR, checkpoint))
        assert titles(unchanged) == [] and unchanged[-1].complete
        assert calendar.filters and calendar.filters[-1].startswith("lastModifiedDateTime ge ")

        calendar.add("e4", "Four")
        added = list(graph.changes(BOX, CALENDAR, unchanged[-1].cursor))
        assert titles(added) == ["Four"]

        del calendar.events["e2"]
        with pytest.raises(CursorExpired, match="deleted"):
            list(graph.changes(BOX, CALENDAR, added[-1].cursor))
        # What the engine does next: read everything again, and remove what it did not see.
        assert titles(list(graph.changes(BOX, CALENDAR, None))) == ["One", "Three", "Four"]


def test_a_calendar_round_resumed_from_a_page_link_keeps_its_state() -> None:
    calendar = FakeCalendar()
    with source(calendar) as graph:
        first = list(graph.changes(BOX, CALENDAR, None))
        resumed = list(graph.changes(BOX, CALENDAR, first[0].cursor))
    assert titles(resumed) == ["Three"]
    assert resumed[-1].cursor == first[-1].cursor


def test_attachment_listing_of_an_item_deleted_meanwhile_skips_the_item() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/attachments"):
            return graph_error(404, "ErrorItemNotFound")
        return ok(
            {
                "value": [{"id": "m1", "hasAttachments": True}, {"id": "m2"}],
                "@odata.deltaLink": f"{GRAPH}/x?$deltatoken=1",
            }
        )

    with source(route) as graph:
        [page] = list(graph.changes(BOX, INBOX, None))
    assert [d["id"] for d in page.upserts] == ["m2"]
    assert [item for item, _ in page.skipped] == ["m1"]


def test_unknown_collection_kind_is_an_error() -> None:
    with source(lambda r: ok({})) as graph, pytest.raises(SourceError):
        list(graph.changes(BOX, Collection("notes:1", "Note", "Notes"), None))


def test_reference_attachments_have_no_content_and_item_attachments_are_mime() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/attachments"):
            return ok(
                {
                    "value": [
                        {
                            "@odata.type": "#microsoft.graph.referenceAttachment",
                            "id": "a1",
                            "name": "link",
                        },
                        {
                            "@odata.type": "#microsoft.graph.itemAttachment",
                            "id": "a2",
                            "name": "fwd",
                            "size": 9,
                        },
                    ]
                }
            )
        if request.url.path.endswith("/attachments/a2/$value"):
            return httpx.Response(200, content=b"Subject: x\r\n\r\nbody")
        return ok(
            {"value": [{"id": "m1", "hasAttachments": True}], "@odata.deltaLink": f"{GRAPH}/x?d=1"}
        )

    with source(route) as graph:
        [page] = list(graph.changes(BOX, INBOX, None))
        link, item = page.attachments
        with pytest.raises(SourceError):
            link.fetch()
        assert item.content_type == "message/rfc822"
        assert item.fetch() == b"Subject: x\r\n\r\nbody"
    assert page.upserts[0]["attachment_names"] == ["link", "fwd"]
    assert json.dumps(page.upserts)  # documents are plain JSON


def test_a_configured_address_that_is_not_the_sign_in_name_is_found_by_mail() -> None:
    user = {"id": "u9", "mail": "Alice@Contoso.com", "accountEnabled": True}

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1.0/users/alice@contoso.com":
            return graph_error(404, "Request_ResourceNotFound")
        assert request.url.params["$filter"] == "mail eq 'alice@contoso.com'"
        return ok({"value": [user]})

    with source(route, mailboxes=["alice@contoso.com"]) as graph:
        assert list(graph.mailboxes()) == [Mailbox("alice@contoso.com", None, "user", "u9")]


def test_listing_users_without_permission_names_it() -> None:
    denied = graph_error(403, "Authorization_RequestDenied")
    with source(lambda r: denied) as graph, pytest.raises(SourceError, match="User.Read.All"):
        list(graph.mailboxes())


def test_the_flagged_email_list_is_not_synced_as_tasks() -> None:
    lists = [
        {"id": "l1", "displayName": "Tasks", "wellknownListName": "defaultList"},
        {"id": "l2", "displayName": "Flagged email", "wellknownListName": "flaggedEmails"},
        {"id": "l3", "displayName": "Groceries", "wellknownListName": "none"},
    ]

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/todo/lists"):
            return ok({"value": lists})
        if "/mailFolders/" in request.url.path:
            return ok({"id": "f", "displayName": "Folder"})
        return ok({"value": []})

    with source(route) as graph:
        tasks = [(c.key, c.name) for c in graph.collections(BOX) if c.object_type == "Task"]
    assert tasks == [("tasks:l1", "Tasks"), ("tasks:l3", "Groceries")]
