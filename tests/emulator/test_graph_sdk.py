"""The official Microsoft Graph Python SDK (msgraph-sdk) reads the emulator.

A client we did not write: if the emulator's URLs, paging links, delta links
or JSON shapes drift from Graph's, the SDK's generated models and request
builders notice. The emulator runs as a subprocess (HTTPS, its printed CA);
the SDK is pointed at its base URL (the SDK asks for ``delta()``).
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msal
import pytest
import requests
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.headers_collection import HeadersCollection
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.file_attachment import FileAttachment
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.calendar_view.delta.delta_request_builder import (
    DeltaRequestBuilder as CalendarViewDelta,
)
from msgraph.generated.users.item.mail_folders.item.messages.messages_request_builder import (
    MessagesRequestBuilder,
)
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import GraphClientFactory
from tests.emulators import running_emulator

TENANT_ID = "2b0f7c3a-9d41-4e6a-8f25-61c8d0e4b7a9"
APP = "3e7d9a1b-5c2f-4d8e-a6b0-9f1e2d3c4b5a"
ALICE = "alice@fabrikam.example"
MESSAGES = 9


def _write_tenant(root: Path) -> Path:
    (root / "tenant.toml").write_text(
        f'tenant_id = "{TENANT_ID}"\ndomain = "fabrikam.example"\nnetbios_name = "FABRIKAM"\n\n'
        f'[[applications]]\nclient_id = "{APP}"\nclient_secret = "sdk-secret"\n'
        'permissions = ["User.Read.All", "Mail.Read", "Contacts.Read", "Calendars.Read",'
        ' "Tasks.Read.All"]\n\n'
        f'[[users]]\nmail = "{ALICE}"\ndisplay_name = "Alice Fabrikam"\n\n'
        '[[users]]\nmail = "bob@fabrikam.example"\n'
    )
    box = root / "mailboxes" / ALICE
    for name in ("inbox", "contacts", "calendar", "tasks"):
        (box / name).mkdir(parents=True)
    for n in range(1, MESSAGES):
        (box / "inbox" / f"m{n}.eml").write_text(
            f"From: bob@fabrikam.example\r\nTo: {ALICE}\r\nSubject: Note {n}\r\n"
            f"Date: Wed, {n:02d} May 2024 08:00:00 +0000\r\n\r\nText {n}\r\n", newline="")
    (box / "inbox" / "attached.eml").write_text(
        f"From: bob@fabrikam.example\r\nTo: {ALICE}\r\nSubject: Attached\r\n"
        "Date: Fri, 31 May 2024 08:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
        "Content-Type: text/plain\r\n\r\nsee file\r\n--x\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Disposition: attachment; filename=data.bin\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"\x00\x01binary").decode() + "\r\n--x--\r\n", newline="")
    (box / "contacts" / "carol.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carol Vendor\r\nN:Vendor;Carol;;;\r\n"
        "EMAIL:carol@contoso.example\r\nEND:VCARD\r\n", newline="")
    (box / "calendar" / "review.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:r1\r\n"
        "DTSTAMP:20240501T000000Z\r\nDTSTART:20240603T100000Z\r\nDTEND:20240603T110000Z\r\n"
        "SUMMARY:Review\r\nRRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        newline="")
    (box / "tasks" / "t.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\nUID:t1\r\n"
        "DTSTAMP:20240501T000000Z\r\nSUMMARY:Renew licence\r\nDUE:20240620T000000Z\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n", newline="")
    return root


class _StaticToken(AccessTokenProvider):
    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(self, uri: str, additional_authentication_context:
                                      dict[str, Any] | None = None) -> str:
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator(["127.0.0.1"])


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with running_emulator(_write_tenant(tmp_path_factory.mktemp("sdk-tenant"))) as info:
        session = requests.Session()
        session.trust_env = False
        session.verify = info["ca_cert"]
        app = msal.ConfidentialClientApplication(
            APP, client_credential="sdk-secret", http_client=session,
            authority=f"{info['login_url']}/{TENANT_ID}", instance_discovery=False,
        )
        result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
        info["token"] = result["access_token"]
        yield info


def _run(emulator: dict[str, Any], body: Any) -> Any:
    """Run ``body(client)`` with an SDK client bound to this event loop."""

    async def main() -> Any:
        context = ssl.create_default_context(cafile=emulator["ca_cert"])
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(verify=context, trust_env=False))
        adapter = GraphRequestAdapter(
            BaseBearerTokenAuthenticationProvider(_StaticToken(emulator["token"])), client=http)
        adapter.base_url = emulator["graph_url"]
        try:
            return await body(GraphServiceClient(request_adapter=adapter))
        finally:
            await http.aclose()

    return asyncio.run(main())


def _prefer(size: int, query: Any = None) -> RequestConfiguration[Any]:
    headers = HeadersCollection()
    headers.add("Prefer", f"odata.maxpagesize={size}")
    return RequestConfiguration(headers=headers, query_parameters=query)


def test_sdk_reads_users_with_select(emulator):
    async def body(client: GraphServiceClient) -> Any:
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            select=["id", "mail", "displayName"])
        return await client.users.get(RequestConfiguration(query_parameters=query))

    users = _run(emulator, body)
    assert sorted(u.mail for u in users.value) == ["alice@fabrikam.example",
                                                   "bob@fabrikam.example"]


def test_sdk_reads_mail_folders_and_pages_messages(emulator):
    async def body(client: GraphServiceClient) -> Any:
        user = client.users.by_user_id(ALICE)
        folders = await user.mail_folders.get()
        query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
            top=4, select=["subject", "receivedDateTime"])
        inbox = user.mail_folders.by_mail_folder_id("inbox").messages
        page = await inbox.get(RequestConfiguration(query_parameters=query))
        pages = [page]
        while page.odata_next_link:
            page = await inbox.with_url(page.odata_next_link).get()
            pages.append(page)
        return folders, pages

    folders, pages = _run(emulator, body)
    assert "Inbox" in {f.display_name for f in folders.value}
    assert [len(p.value) for p in pages] == [4, 4, 1]
    subjects = [m.subject for p in pages for m in p.value]
    assert subjects[0] == "Attached" and len(set(subjects)) == MESSAGES


def test_sdk_message_delta_next_and_delta_links(emulator):
    async def body(client: GraphServiceClient) -> Any:
        delta = client.users.by_user_id(ALICE).mail_folders.by_mail_folder_id(
            "inbox").messages.delta
        page = await delta.get(_prefer(4))
        seen, pages = list(page.value), 1
        while page.odata_next_link:
            page = await delta.with_url(page.odata_next_link).get(_prefer(4))
            seen += page.value
            pages += 1
        again = await delta.with_url(page.odata_delta_link).get(_prefer(4))
        return seen, pages, again

    seen, pages, again = _run(emulator, body)
    assert pages == 3 and len({m.id for m in seen}) == MESSAGES
    assert again.value == [] and again.odata_delta_link


def test_sdk_reads_a_file_attachment(emulator):
    async def body(client: GraphServiceClient) -> Any:
        user = client.users.by_user_id(ALICE)
        inbox = await user.mail_folders.by_mail_folder_id("inbox").messages.get()
        message = next(m for m in inbox.value if m.subject == "Attached")
        return await user.messages.by_message_id(message.id).attachments.get()

    attachments = _run(emulator, body)
    [attachment] = attachments.value
    assert isinstance(attachment, FileAttachment)
    assert attachment.name == "data.bin" and attachment.content_bytes == b"\x00\x01binary"


def test_sdk_reads_contacts_events_and_todo(emulator):
    async def body(client: GraphServiceClient) -> Any:
        user = client.users.by_user_id(ALICE)
        contacts = await user.contacts.get()
        query = CalendarViewDelta.DeltaRequestBuilderGetQueryParameters(
            start_date_time="2024-06-01T00:00:00Z", end_date_time="2024-07-01T00:00:00Z")
        events = await user.calendar_view.delta.get(_prefer(2, query))
        occurrences = list(events.value)
        while events.odata_next_link:
            events = await user.calendar_view.delta.with_url(events.odata_next_link).get(
                _prefer(2))
            occurrences += events.value
        lists = await user.todo.lists.get()
        tasks = await user.todo.lists.by_todo_task_list_id(lists.value[0].id).tasks.get()
        task_delta = await user.todo.lists.by_todo_task_list_id(
            lists.value[0].id).tasks.delta.get()
        return contacts, occurrences, events, lists, tasks, task_delta

    contacts, occurrences, last, lists, tasks, task_delta = _run(emulator, body)
    assert [c.display_name for c in contacts.value] == ["Carol Vendor"]
    assert [e.start.date_time[:10] for e in occurrences] == [
        "2024-06-03", "2024-06-04", "2024-06-05"]
    assert {e.type.value for e in occurrences} == {"occurrence"}
    assert last.odata_delta_link
    assert lists.value[0].wellknown_list_name.value == "defaultList"
    assert [t.title for t in tasks.value] == ["Renew licence"]
    assert tasks.value[0].due_date_time.date_time.startswith("2024-06-20")
    assert [t.title for t in task_delta.value] == ["Renew licence"]


def test_sdk_parses_graph_errors(emulator):
    async def body(client: GraphServiceClient) -> Any:
        with pytest.raises(ODataError) as missing:
            await client.users.by_user_id("nobody@fabrikam.example").mail_folders.get()
        with pytest.raises(ODataError) as gone:
            await client.users.by_user_id(ALICE).mail_folders.by_mail_folder_id(
                "inbox").messages.delta.with_url(
                f"{emulator['graph_url']}/users/{ALICE}/mailFolders/inbox/messages/delta()"
                "?$deltatoken=stale").get()
        return missing.value, gone.value

    missing, gone = _run(emulator, body)
    assert missing.response_status_code == 404
    assert missing.error.code == "ErrorInvalidUser"
    assert gone.response_status_code == 410 and gone.error.code == "SyncStateNotFound"
