"""The demo tenant read end to end through Graph: every mailbox, folder, item and
attachment answers, and every answer matches Microsoft's OpenAPI descriptions.

Real-looking content (HTML mails, attached mails, recurring series with
exceptions, all-day events, rich vCards) is where shapes go wrong.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
from graph_schema import assert_collection, assert_delta
from test_graph_api import ATTACHMENT_EXTRAS, FUNCTIONS, Graph
from tests.emulators import demo_tenant_dir, running_emulator


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Graph, list[str]]]:
    config = tomllib.loads((demo_tenant_dir() / "tenant.toml").read_text())
    app = config["applications"][0]
    with running_emulator(demo_tenant_dir()) as info:
        graph = Graph(info, app["client_id"], app["client_secret"], config["tenant_id"])
        users = [u["mail"] for u in graph.json("/users?$select=mail")["value"]]
        try:
            yield graph, users
        finally:
            graph.http.close()


def _walk(graph: Graph, url: str, spec: str, component: str, **kwargs: Any) -> list[dict]:
    entries, pages = graph.all_pages(url, **kwargs)
    for page in pages:
        assert_collection(spec, component, page)
    return entries


def _attachments(graph: Graph, base: str, spec: str) -> None:
    body = graph.json(f"{base}/attachments")
    todo = "/todo/" in base
    component = "microsoft.graph.attachmentBase" if todo else "microsoft.graph.attachment"
    assert_collection(spec, component, body, ATTACHMENT_EXTRAS)
    for attachment in body["value"]:
        raw = graph.get(f"{base}/attachments/{attachment['id']}/$value")
        assert raw.status_code == 200 and len(raw.content) == attachment["size"]


def test_every_mail_folder_and_message(demo):
    graph, users = demo
    messages = 0
    for user in users:
        for folder in _walk(graph, f"/users/{user}/mailFolders", "Mail.yml",
                            "microsoft.graph.mailFolder"):
            listed = _walk(graph, f"/users/{user}/mailFolders/{folder['id']}/messages?$top=50",
                           "Mail.yml", "microsoft.graph.message",
                           headers={"Prefer": 'outlook.body-content-type="text"'})
            messages += len(listed)
            for message in listed:
                if message["hasAttachments"]:
                    _attachments(graph, f"/users/{user}/messages/{message['id']}", "Mail.yml")
            _, pages = graph.all_pages(
                f"/users/{user}/mailFolders/{folder['id']}/messages/delta",
                headers={"Prefer": "odata.maxpagesize=25"})
            for page in pages:
                assert_delta(FUNCTIONS, "/users/{user-id}/mailFolders/{mailFolder-id}/messages/"
                             "microsoft.graph.delta()", "microsoft.graph.message", page)
    assert messages > 0


def test_every_contact_event_and_task(demo):
    graph, users = demo
    window = {"startDateTime": "2020-01-01T00:00:00Z", "endDateTime": "2030-01-01T00:00:00Z"}
    for user in users:
        _walk(graph, f"/users/{user}/contacts", "PersonalContacts.yml", "microsoft.graph.contact")
        for calendar in _walk(graph, f"/users/{user}/calendars", "Calendar.yml",
                              "microsoft.graph.calendar"):
            events = _walk(graph, f"/users/{user}/calendars/{calendar['id']}/events",
                           "Calendar.yml", "microsoft.graph.event")
            for event in events:
                if event["hasAttachments"]:
                    _attachments(graph, f"/users/{user}/events/{event['id']}", "Calendar.yml")
        _, pages = graph.all_pages(f"/users/{user}/calendarView/delta", params=window,
                                   headers={"Prefer": "odata.maxpagesize=50"})
        for page in pages:
            assert_delta(FUNCTIONS, "/users/{user-id}/calendarView/microsoft.graph.delta()",
                         "microsoft.graph.event", page)
        for task_list in _walk(graph, f"/users/{user}/todo/lists", "Users.yml",
                               "microsoft.graph.todoTaskList"):
            base = f"/users/{user}/todo/lists/{task_list['id']}/tasks"
            for task in _walk(graph, base, "Users.yml", "microsoft.graph.todoTask"):
                if task["hasAttachments"]:
                    _attachments(graph, f"{base}/{task['id']}", "Users.yml")
