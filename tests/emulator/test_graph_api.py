"""Graph v1.0 as a client written from Microsoft's documentation sees it (raw HTTPS).

Every response body is checked against Microsoft's OpenAPI descriptions
(graph_schema), and each behaviour is the one the Graph reference pages
describe: paging, $select, Prefer headers, delta rounds, errors.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msal
import pytest
import requests
from graph_schema import assert_collection, assert_delta, assert_entity, assert_error
from tests.emulators import running_emulator

TENANT_ID = "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"
APP = "0b9d6c1e-3c7e-4c7a-8f3e-0d2c5b9a7e11"
USERS_ONLY_APP = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
ALICE = "alice@contoso.example"
INBOX_SIZE = 23
FILE_ATTACHMENT = b"quarterly numbers\n"
FUNCTIONS = "Users.Functions.yml"
ATTACHMENT_EXTRAS = ("contentBytes", "contentId", "contentLocation")

TENANT_TOML = f"""
tenant_id = "{TENANT_ID}"
domain = "contoso.example"
netbios_name = "CONTOSO"

[[applications]]
client_id = "{APP}"
client_secret = "app-secret"
permissions = ["User.Read.All", "Mail.Read", "Contacts.Read", "Calendars.Read",
               "Tasks.Read.All", "MailboxSettings.Read"]

[[applications]]
client_id = "{USERS_ONLY_APP}"
client_secret = "users-secret"
permissions = ["User.Read.All"]

[[users]]
mail = "{ALICE}"
display_name = "Alice Example"
given_name = "Alice"
job_title = "Engineer"

[[users]]
mail = "bob@contoso.example"
display_name = "Bob Disabled"
enabled = false

[[users]]
mail = "support@contoso.example"
display_name = "Support"
kind = "shared"
"""


def _eml(n: int) -> str:
    return (
        f"From: Bob <bob@contoso.example>\r\nTo: Alice <{ALICE}>\r\n"
        f"Subject: Status {n:02d}\r\nDate: Mon, {n:02d} Jan 2024 10:00:00 +0000\r\n"
        f"Message-ID: <status-{n}@contoso.example>\r\n\r\nStatus report number {n}.\r\n"
    )


def _eml_with_attachment() -> str:
    payload = base64.b64encode(FILE_ATTACHMENT).decode()
    return (
        f"From: Carol <carol@fabrikam.example>\r\nTo: {ALICE}\r\nSubject: Numbers\r\n"
        "Date: Tue, 06 Feb 2024 09:00:00 +0000\r\nMessage-ID: <numbers@fabrikam.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<html><body><p>See the <b>numbers</b>.</p></body></html>\r\n"
        "--b1\r\nContent-Type: text/plain; name=numbers.txt\r\n"
        "Content-Disposition: attachment; filename=numbers.txt\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{payload}\r\n--b1--\r\n"
    )


VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dave Contact\r\nN:Contact;Dave;;;\r\n"
    "EMAIL;TYPE=work:dave@fabrikam.example\r\nTEL;TYPE=cell:+1 555 0100\r\n"
    "ORG:Fabrikam\r\nTITLE:Buyer\r\nREV:20240101T000000Z\r\nEND:VCARD\r\n"
)
VCARD_GROUP = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Team\r\n"
    "MEMBER:mailto:dave@fabrikam.example\r\nEND:VCARD\r\n"
)
CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    "BEGIN:VEVENT\r\nUID:single-1\r\nDTSTAMP:20240101T000000Z\r\n"
    "DTSTART:20240110T090000Z\r\nDTEND:20240110T100000Z\r\nSUMMARY:Planning\r\n"
    "LOCATION:Room 1\r\nORGANIZER;CN=Alice:mailto:alice@contoso.example\r\n"
    "ATTENDEE;CN=Bob;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:bob@contoso.example\r\n"
    "ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;X-FILENAME=agenda.txt:"
    + base64.b64encode(b"agenda").decode() + "\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20240101T000000Z\r\n"
    "DTSTART:20240101T080000Z\r\nDTEND:20240101T081500Z\r\nSUMMARY:Standup\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6\r\nEXDATE:20240115T080000Z\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20240101T000000Z\r\n"
    "RECURRENCE-ID:20240122T080000Z\r\nDTSTART:20240122T090000Z\r\n"
    "DTEND:20240122T091500Z\r\nSUMMARY:Standup (moved)\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)
TASKS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    "BEGIN:VTODO\r\nUID:task-1\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:File report\r\n"
    "DESCRIPTION:Before Friday\r\nDUE:20240112T170000Z\r\nSTATUS:NEEDS-ACTION\r\n"
    "PRIORITY:1\r\nATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;"
    "X-FILENAME=notes.txt:" + base64.b64encode(b"notes").decode() + "\r\nEND:VTODO\r\n"
    "BEGIN:VTODO\r\nUID:task-2\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:Done thing\r\n"
    "STATUS:COMPLETED\r\nCOMPLETED:20240105T120000Z\r\nEND:VTODO\r\n"
    "END:VCALENDAR\r\n"
)


def write_tenant(root: Path) -> Path:
    (root / "tenant.toml").write_text(TENANT_TOML)
    box = root / "mailboxes" / ALICE
    for name in ("inbox", "sentitems", "Projects/Q3", "contacts", "calendar/Birthdays", "tasks"):
        (box / name).mkdir(parents=True)
    for n in range(1, INBOX_SIZE):
        (box / "inbox" / f"status-{n:02d}.eml").write_text(_eml(n), newline="")
    (box / "inbox" / "numbers.eml").write_text(_eml_with_attachment(), newline="")
    (box / "Projects" / "Q3" / "plan.eml").write_text(_eml(28), newline="")
    (box / "contacts" / "dave.vcf").write_text(VCARD, newline="")
    (box / "contacts" / "team.vcf").write_text(VCARD_GROUP, newline="")
    (box / "calendar" / "events.ics").write_text(CALENDAR, newline="")
    (box / "tasks" / "tasks.ics").write_text(TASKS, newline="")
    (root / "mailboxes" / "support@contoso.example" / "inbox").mkdir(parents=True)
    return root


class Graph:
    """A minimal Graph client: a token from msal, then plain HTTPS requests."""

    def __init__(
        self, info: dict[str, Any], client_id: str, secret: str, tenant_id: str = TENANT_ID
    ) -> None:
        session = requests.Session()
        session.trust_env = False
        session.verify = info["ca_cert"]
        app = msal.ConfidentialClientApplication(
            client_id, client_credential=secret, http_client=session,
            authority=f"{info['login_url']}/{tenant_id}", instance_discovery=False,
        )
        token = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
        self.root = info["graph_url"]
        self.http = httpx.Client(
            verify=ssl.create_default_context(cafile=info["ca_cert"]), trust_env=False,
            headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30,
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        url = path if path.startswith("https://") else self.root + path
        return self.http.get(url, **kwargs)

    def json(self, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def all_pages(self, path: str, **kwargs: Any) -> tuple[list[dict[str, Any]], list[dict]]:
        """Every entry and every page body, following @odata.nextLink."""
        pages, url = [], path
        while len(pages) < 100:
            body = self.json(url, **kwargs)
            pages.append(body)
            url = body.get("@odata.nextLink")
            kwargs.pop("params", None)  # the link carries the query (httpx would replace it)
            if not url:
                return [v for p in pages for v in p["value"]], pages
        raise AssertionError("more than 100 pages: the links do not advance")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with running_emulator(write_tenant(tmp_path_factory.mktemp("graph-tenant"))) as info:
        yield info


@pytest.fixture(scope="module")
def graph(emulator: dict[str, Any]) -> Iterator[Graph]:
    client = Graph(emulator, APP, "app-secret")
    yield client
    client.http.close()


def _control(emulator: dict[str, Any], method: str, path: str, content: bytes = b"") -> None:
    with httpx.Client(verify=ssl.create_default_context(cafile=emulator["ca_cert"]),
                      trust_env=False) as client:
        response = client.request(method, f"{emulator['login_url']}/_emulator/mailboxes/{path}",
                                  content=content)
    assert response.status_code == 200, response.text


# --- users ---------------------------------------------------------------------------------


def test_users_list_and_documented_filters(graph):
    body = graph.json("/users")
    assert_collection("Users.yml", "microsoft.graph.user", body)
    assert {u["mail"] for u in body["value"]} == {
        ALICE, "bob@contoso.example", "support@contoso.example"}
    assert "accountEnabled" not in body["value"][0]  # not a default property
    enabled = graph.json("/users", params={"$filter": "accountEnabled eq true",
                                           "$select": "id,mail,accountEnabled"})
    assert [u["mail"] for u in enabled["value"]] == [ALICE]
    starts = graph.json("/users", params={"$filter": "startswith(mail,'sup')"})
    assert [u["mail"] for u in starts["value"]] == ["support@contoso.example"]
    exact = graph.json("/users", params={"$filter": f"mail eq '{ALICE.upper()}'"})
    assert [u["displayName"] for u in exact["value"]] == ["Alice Example"]
    bad = graph.get("/users", params={"$filter": "mail ne null"})
    assert bad.status_code == 400
    assert_error(bad.json(), "Request_UnsupportedQuery")
    advanced = graph.json("/users", params={"$filter": "mail ne null", "$count": "true"},
                          headers={"ConsistencyLevel": "eventual"})
    assert len(advanced["value"]) == 3 and advanced["@odata.count"] == 3


def test_users_paging_and_lookup_by_id_or_principal_name(graph):
    entries, pages = graph.all_pages("/users?$top=2")
    assert [len(p["value"]) for p in pages] == [2, 1]
    by_upn = graph.json(f"/users/{ALICE}")
    assert_entity("Users.yml", "microsoft.graph.user", by_upn)
    assert graph.json(f"/users/{by_upn['id']}")["mail"] == ALICE
    missing = graph.get("/users/nobody@contoso.example")
    assert missing.status_code == 404
    assert_error(missing.json(), "Request_ResourceNotFound")


def test_mailbox_settings_tell_shared_mailboxes_apart(graph):
    alice = graph.json(f"/users/{ALICE}/mailboxSettings")
    assert_entity("Users.yml", "microsoft.graph.mailboxSettings", alice)
    assert alice["userPurpose"] == "user"
    shared = graph.json("/users/support@contoso.example/mailboxSettings")
    assert shared["userPurpose"] == "shared"


# --- mail ----------------------------------------------------------------------------------


def test_mail_folders_well_known_names_and_child_folders(graph):
    body = graph.json(f"/users/{ALICE}/mailFolders")
    assert_collection("Mail.yml", "microsoft.graph.mailFolder", body)
    names = {f["displayName"]: f for f in body["value"]}
    assert {"Inbox", "Sent Items", "Archive", "Junk Email", "Deleted Items", "Drafts",
            "Projects"} <= set(names)
    assert "Contacts" not in names and "Calendar" not in names
    inbox = graph.json(f"/users/{ALICE}/mailFolders/inbox")
    assert inbox["id"] == names["Inbox"]["id"]
    assert inbox["totalItemCount"] == INBOX_SIZE
    for well_known in ("sentitems", "archive", "junkemail", "deleteditems", "drafts",
                       "msgfolderroot"):
        assert graph.get(f"/users/{ALICE}/mailFolders/{well_known}").status_code == 200
    children = graph.json(f"/users/{ALICE}/mailFolders/{names['Projects']['id']}/childFolders")
    assert [c["displayName"] for c in children["value"]] == ["Q3"]
    missing = graph.get(f"/users/{ALICE}/mailFolders/AQMkADnotthere")
    assert missing.status_code == 404
    assert_error(missing.json(), "ErrorItemNotFound")


def test_folder_hierarchy_delta(graph):
    entries, pages = graph.all_pages(f"/users/{ALICE}/mailFolders/delta()",
                                     headers={"Prefer": "odata.maxpagesize=3"})
    for page in pages:
        assert_delta(FUNCTIONS, "/users/{user-id}/mailFolders/microsoft.graph.delta()",
                     "microsoft.graph.mailFolder", page)
    names = {f["displayName"] for f in entries}
    assert {"Inbox", "Projects", "Q3"} <= names and "Contacts" not in names
    again = graph.json(pages[-1]["@odata.deltaLink"])
    assert again["value"] == []
    contact_folders, _ = graph.all_pages(f"/users/{ALICE}/contactFolders/delta")
    assert contact_folders == []


def test_messages_page_with_top_and_skiptoken_newest_first(graph):
    entries, pages = graph.all_pages(f"/users/{ALICE}/mailFolders/inbox/messages?$top=5")
    assert [len(p["value"]) for p in pages] == [5, 5, 5, 5, 3]
    for page in pages:
        assert_collection("Mail.yml", "microsoft.graph.message", page)
    assert "$skiptoken=" in pages[0]["@odata.nextLink"]
    received = [m["receivedDateTime"] for m in entries]
    assert received == sorted(received, reverse=True)
    assert len({m["id"] for m in entries}) == INBOX_SIZE
    default = graph.json(f"/users/{ALICE}/mailFolders/inbox/messages")
    assert len(default["value"]) == 10  # Outlook's default page size
    oldest, _ = graph.all_pages(f"/users/{ALICE}/mailFolders/inbox/messages",
                                params={"$orderby": "receivedDateTime asc", "$top": "7"})
    assert [m["id"] for m in oldest] == [m["id"] for m in reversed(entries)]
    by_subject = graph.json(f"/users/{ALICE}/mailFolders/inbox/messages",
                            params={"$orderby": "subject desc", "$select": "subject"})
    assert by_subject["value"][0]["subject"] == "Status 22"
    bad = graph.get(f"/users/{ALICE}/mailFolders/inbox/messages",
                    params={"$orderby": "subject sideways"})
    assert bad.status_code == 400


def test_maxpagesize_select_and_preference_applied(graph):
    response = graph.get(f"/users/{ALICE}/mailFolders/inbox/messages",
                         params={"$select": "subject,from"},
                         headers={"Prefer": 'odata.maxpagesize=4, IdType="ImmutableId"'})
    assert response.status_code == 200
    applied = response.headers["Preference-Applied"]
    assert "odata.maxpagesize=4" in applied and 'IdType="ImmutableId"' in applied
    body = response.json()
    assert len(body["value"]) == 4
    assert set(body["value"][0]) == {"@odata.etag", "id", "subject", "from"}
    assert "%24select=subject%2Cfrom" in body["@odata.nextLink"] or \
        "$select=subject,from" in body["@odata.nextLink"]


def test_filter_on_messages_and_message_delta(graph):
    since = {"$filter": "receivedDateTime ge 2024-01-20T00:00:00Z", "$select": "subject"}
    listed, _ = graph.all_pages(f"/users/{ALICE}/mailFolders/inbox/messages", params=since)
    expected = {"Numbers", "Status 20", "Status 21", "Status 22"}
    assert {m["subject"] for m in listed} == expected
    delta, _ = graph.all_pages(f"/users/{ALICE}/mailFolders/inbox/messages/delta", params=since)
    assert {m["subject"] for m in delta} == expected
    sender = {"$filter": "from/emailAddress/address eq 'carol@fabrikam.example'"}
    assert [m["subject"] for m in graph.json(
        f"/users/{ALICE}/mailFolders/inbox/messages", params=sender)["value"]] == ["Numbers"]
    broken = graph.get(f"/users/{ALICE}/messages", params={"$filter": "subject eq"})
    assert broken.status_code == 400


def _numbers_message(graph: Graph, prefer: str | None = None) -> httpx.Response:
    headers = {"Prefer": prefer} if prefer else {}
    page = graph.json(f"/users/{ALICE}/mailFolders/inbox/messages?$top=50")
    found = next(m for m in page["value"] if m["subject"] == "Numbers")
    return graph.get(f"/users/{ALICE}/messages/{found['id']}", headers=headers)


def test_message_body_content_type_follows_prefer(graph):
    html_response = _numbers_message(graph)
    message = html_response.json()
    assert_entity("Mail.yml", "microsoft.graph.message", message)
    assert message["body"]["contentType"] == "html"
    assert "<b>numbers</b>" in message["body"]["content"]
    assert message["hasAttachments"] is True
    assert message["from"]["emailAddress"]["address"] == "carol@fabrikam.example"
    text_response = _numbers_message(graph, 'outlook.body-content-type="text"')
    assert text_response.headers["Preference-Applied"] == 'outlook.body-content-type="text"'
    text = text_response.json()["body"]
    assert text["contentType"] == "text" and "See the numbers." in text["content"]
    plain = graph.json(f"/users/{ALICE}/mailFolders/inbox/messages?$top=1")["value"][0]
    assert plain["body"]["content"].startswith("<html>")  # a text body converted to HTML


def test_message_attachments_listing_get_and_value(graph):
    message = _numbers_message(graph).json()
    base = f"/users/{ALICE}/messages/{message['id']}/attachments"
    listing = graph.json(base)
    assert_collection("Mail.yml", "microsoft.graph.attachment", listing, ATTACHMENT_EXTRAS)
    [attachment] = listing["value"]
    assert attachment["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert base64.b64decode(attachment["contentBytes"]) == FILE_ATTACHMENT
    assert attachment["size"] == len(FILE_ATTACHMENT) and attachment["name"] == "numbers.txt"
    light = graph.json(base, params={"$select": "id,name,size,isInline"})
    assert "contentBytes" not in light["value"][0]
    one = graph.json(f"{base}/{attachment['id']}")
    assert_entity("Mail.yml", "microsoft.graph.attachment", one, ATTACHMENT_EXTRAS)
    raw = graph.get(f"{base}/{attachment['id']}/$value")
    assert raw.status_code == 200 and raw.content == FILE_ATTACHMENT


def _delta_round(graph: Graph, url: str, **kwargs: Any) -> tuple[list[dict], str, int]:
    entries, pages = graph.all_pages(url, **kwargs)
    for page in pages:
        assert_delta(FUNCTIONS, "/users/{user-id}/mailFolders/{mailFolder-id}/messages/"
                     "microsoft.graph.delta()", "microsoft.graph.message", page)
    return entries, pages[-1]["@odata.deltaLink"], len(pages)


def test_message_delta_rounds_report_changes_and_removals(graph, emulator):
    url = f"/users/{ALICE}/mailFolders/inbox/messages/delta()"
    prefer = {"Prefer": "odata.maxpagesize=7"}
    entries, delta_link, pages = _delta_round(graph, url, headers=prefer)
    assert pages == 4 and len({e["id"] for e in entries}) == INBOX_SIZE
    quiet, delta_link, _ = _delta_round(graph, delta_link, headers=prefer)
    assert quiet == []
    _control(emulator, "PUT", f"{ALICE}/inbox/new.eml", _eml(29).encode())
    _control(emulator, "DELETE", f"{ALICE}/inbox/status-01.eml")
    changes, delta_link, _ = _delta_round(graph, delta_link, headers=prefer)
    assert [c["subject"] for c in changes if "@removed" not in c] == ["Status 29"]
    removed = [c for c in changes if "@removed" in c]
    assert len(removed) == 1 and removed[0]["@removed"] == {"reason": "deleted"}
    assert graph.get(f"/users/{ALICE}/mailFolders/inbox/messages/delta",
                     params={"$deltatoken": "bogus"}).status_code == 410


def test_a_moved_message_keeps_its_id_leaving_one_folder_for_another(graph, emulator):
    inbox_url = f"/users/{ALICE}/mailFolders/inbox/messages/delta"
    archive_url = f"/users/{ALICE}/mailFolders/archive/messages/delta"
    _, inbox_link, _ = _delta_round(graph, inbox_url)
    _, archive_link, _ = _delta_round(graph, archive_url)
    moved = [m for m in graph.all_pages(f"/users/{ALICE}/mailFolders/inbox/messages?$top=50")[0]
             if m["subject"] == "Status 02"][0]
    _control(emulator, "POST", f"{ALICE}/move",
             b'{"from": "inbox/status-02.eml", "to": "archive/status-02.eml"}')
    left, _, _ = _delta_round(graph, inbox_link, headers={"Prefer": 'IdType="ImmutableId"'})
    arrived, _, _ = _delta_round(graph, archive_link, headers={"Prefer": 'IdType="ImmutableId"'})
    assert left == [{"id": moved["id"], "@removed": {"reason": "deleted"}}]
    assert [(m["id"], m["subject"]) for m in arrived] == [(moved["id"], "Status 02")]
    assert arrived[0]["parentFolderId"] == graph.json(f"/users/{ALICE}/mailFolders/archive")["id"]


def test_message_delta_keeps_select_and_top_in_its_tokens(graph):
    url = f"/users/{ALICE}/mailFolders/inbox/messages/delta?$select=subject&$top=6"
    entries, pages = graph.all_pages(url)
    assert all(set(e) <= {"@odata.etag", "id", "subject", "@removed"} for e in entries)
    assert len(pages) > 1 and all(len(p["value"]) <= 6 for p in pages)
    assert "$top" not in pages[0]["@odata.nextLink"]  # the state lives in the token


def test_bad_sync_state_is_410_sync_state_not_found(graph):
    response = graph.get(f"/users/{ALICE}/mailFolders/inbox/messages/delta",
                         params={"$skiptoken": "AAAAAAAAAAAAAAAAAAAAAA"})
    assert response.status_code == 410
    assert_error(response.json(), "SyncStateNotFound")


# --- contacts ------------------------------------------------------------------------------


def test_contacts_list_delta_and_no_contact_groups(graph):
    body = graph.json(f"/users/{ALICE}/contacts")
    assert_collection("PersonalContacts.yml", "microsoft.graph.contact", body)
    [dave] = body["value"]
    assert dave["displayName"] == "Dave Contact"
    assert dave["emailAddresses"][0]["address"] == "dave@fabrikam.example"
    assert dave["mobilePhone"] == "+1 555 0100" and dave["companyName"] == "Fabrikam"
    entries, pages = graph.all_pages(f"/users/{ALICE}/contacts/delta()")
    for page in pages:
        assert_delta(FUNCTIONS, "/users/{user-id}/contacts/microsoft.graph.delta()",
                     "microsoft.graph.contact", page)
    assert [e["displayName"] for e in entries] == ["Dave Contact"]
    folders = graph.json(f"/users/{ALICE}/contactFolders")
    assert_collection("PersonalContacts.yml", "microsoft.graph.contactFolder", folders)


# --- calendar ------------------------------------------------------------------------------


def test_calendars_and_events_list_singles_and_series_masters(graph):
    calendars = graph.json(f"/users/{ALICE}/calendars")
    assert_collection("Calendar.yml", "microsoft.graph.calendar", calendars)
    assert sorted(c["name"] for c in calendars["value"]) == ["Birthdays", "Calendar"]
    assert [c["isDefaultCalendar"] for c in calendars["value"] if c["name"] == "Calendar"] == [
        True]
    events = graph.json(f"/users/{ALICE}/events")
    assert_collection("Calendar.yml", "microsoft.graph.event", events)
    kinds = {e["subject"]: e for e in events["value"]}
    assert set(kinds) == {"Planning", "Standup"}
    assert kinds["Planning"]["type"] == "singleInstance"
    standup = kinds["Standup"]
    assert standup["type"] == "seriesMaster"
    assert standup["recurrence"]["pattern"]["type"] == "weekly"
    assert standup["recurrence"]["pattern"]["daysOfWeek"] == ["monday"]
    assert standup["recurrence"]["range"]["type"] == "numbered"
    assert standup["recurrence"]["range"]["numberOfOccurrences"] == 6
    changed = graph.json(f"/users/{ALICE}/events", params={
        "$filter": "lastModifiedDateTime ge 2030-01-01T00:00:00Z", "$select": "subject"})
    assert changed["value"] == []
    planning = kinds["Planning"]
    assert planning["start"] == {"dateTime": "2024-01-10T09:00:00.0000000", "timeZone": "UTC"}
    assert planning["attendees"][0]["emailAddress"]["address"] == "bob@contoso.example"
    attachments = graph.json(f"/users/{ALICE}/events/{planning['id']}/attachments")
    assert_collection("Calendar.yml", "microsoft.graph.attachment", attachments,
                      ATTACHMENT_EXTRAS)
    assert attachments["value"][0]["name"] == "agenda.txt"


def test_calendar_view_delta_expands_the_series_in_the_window(graph):
    missing = graph.get(f"/users/{ALICE}/calendarView/delta")
    assert missing.status_code == 400
    assert_error(missing.json(), "ErrorInvalidParameter")
    window = {"startDateTime": "2024-01-01T00:00:00Z", "endDateTime": "2024-02-01T00:00:00Z"}
    entries, pages = graph.all_pages(f"/users/{ALICE}/calendarView/delta()", params=window,
                                     headers={"Prefer": "odata.maxpagesize=2"})
    for page in pages:
        assert_delta(FUNCTIONS, "/users/{user-id}/calendarView/microsoft.graph.delta()",
                     "microsoft.graph.event", page)
    shown = sorted((e["start"]["dateTime"][:16], e["type"]) for e in entries)
    # Weekly on Mondays from Jan 1, six times: Jan 15 is excluded, Jan 22 moved to 09:00.
    assert shown == [
        ("2024-01-01T08:00", "occurrence"), ("2024-01-08T08:00", "occurrence"),
        ("2024-01-10T09:00", "singleInstance"), ("2024-01-22T09:00", "exception"),
        ("2024-01-29T08:00", "occurrence"),
    ]
    assert len({e["id"] for e in entries}) == len(entries)
    again = graph.json(pages[-1]["@odata.deltaLink"])
    assert again["value"] == [] and "@odata.deltaLink" in again


def test_calendar_view_in_a_time_zone_and_single_event_get(graph):
    window = {"startDateTime": "2024-01-08T00:00:00", "endDateTime": "2024-01-11T00:00:00"}
    response = graph.get(f"/users/{ALICE}/calendarview", params=window,  # any letter case
                         headers={"Prefer": 'outlook.timezone="Europe/Berlin"'})
    assert response.headers["Preference-Applied"] == 'outlook.timezone="Europe/Berlin"'
    body = response.json()
    assert_collection("Calendar.yml", "microsoft.graph.event", body)
    starts = [(e["subject"], e["start"]) for e in body["value"]]
    assert starts == [
        ("Standup", {"dateTime": "2024-01-08T09:00:00.0000000", "timeZone": "Europe/Berlin"}),
        ("Planning", {"dateTime": "2024-01-10T10:00:00.0000000", "timeZone": "Europe/Berlin"}),
    ]
    planning = body["value"][1]
    standup = body["value"][0]["seriesMasterId"]
    series = graph.json(f"/users/{ALICE}/events/{standup}/instances", params={
        "startDateTime": "2024-01-01T00:00:00Z", "endDateTime": "2024-03-01T00:00:00Z"})
    assert_collection("Calendar.yml", "microsoft.graph.event", series)
    assert [(e["start"]["dateTime"][:13], e["type"]) for e in series["value"]] == [
        ("2024-01-01T08", "occurrence"), ("2024-01-08T08", "occurrence"),
        ("2024-01-22T09", "exception"), ("2024-01-29T08", "occurrence"),
        ("2024-02-05T08", "occurrence")]
    single = graph.json(f"/users/{ALICE}/events/{planning['id']}")
    assert single["isOrganizer"] is True and single["iCalUId"] == "single-1"


def test_message_mime_content(graph):
    message = _numbers_message(graph).json()
    raw = graph.get(f"/users/{ALICE}/messages/{message['id']}/$value")
    assert raw.status_code == 200
    assert b"Subject: Numbers" in raw.content and b"numbers.txt" in raw.content


# --- To Do ---------------------------------------------------------------------------------


def test_todo_lists_tasks_delta_and_attachments(graph):
    lists = graph.json(f"/users/{ALICE}/todo/lists")
    assert_collection("Users.yml", "microsoft.graph.todoTaskList", lists)
    [default] = lists["value"]
    assert default["wellknownListName"] == "defaultList"
    tasks = graph.json(f"/users/{ALICE}/todo/lists/{default['id']}/tasks")
    assert_collection("Users.yml", "microsoft.graph.todoTask", tasks)
    by_title = {t["title"]: t for t in tasks["value"]}
    report = by_title["File report"]
    assert report["status"] == "notStarted" and report["importance"] == "high"
    assert report["dueDateTime"]["dateTime"].startswith("2024-01-12T")  # To Do keeps a day
    assert by_title["Done thing"]["status"] == "completed"
    assert by_title["Done thing"]["completedDateTime"]["dateTime"].startswith("2024-01-05")
    entries, pages = graph.all_pages(
        f"/users/{ALICE}/todo/lists/{default['id']}/tasks/delta()")
    for page in pages:
        assert_delta(FUNCTIONS, "/users/{user-id}/todo/lists/{todoTaskList-id}/tasks/"
                     "microsoft.graph.delta()", "microsoft.graph.todoTask", page)
    assert len(entries) == 2
    base = f"/users/{ALICE}/todo/lists/{default['id']}/tasks/{report['id']}/attachments"
    attachments = graph.json(base)
    assert_collection("Users.yml", "microsoft.graph.attachmentBase", attachments,
                      ("contentBytes",))
    [note] = attachments["value"]
    assert note["@odata.type"] == "#microsoft.graph.taskFileAttachment"
    assert graph.get(f"{base}/{note['id']}/$value").content == b"notes"


# --- errors, permissions, batching ---------------------------------------------------------


def test_permissions_outside_the_grant_are_403(emulator):
    users_only = Graph(emulator, USERS_ONLY_APP, "users-secret")
    try:
        assert users_only.get("/users").status_code == 200
        for path in (f"/users/{ALICE}/mailFolders", f"/users/{ALICE}/contacts",
                     f"/users/{ALICE}/events", f"/users/{ALICE}/todo/lists"):
            response = users_only.get(path)
            assert response.status_code == 403, path
            assert_error(response.json(), "ErrorAccessDenied")
            assert response.json()["error"]["message"] == (
                "Access is denied. Check credentials and try again.")
    finally:
        users_only.http.close()


def test_unknown_user_and_bad_query_options(graph):
    unknown = graph.get("/users/nobody@contoso.example/messages")
    assert unknown.status_code == 404
    assert_error(unknown.json(), "ErrorInvalidUser")
    for params in ({"$top": "zero"}, {"$bogus": "1"}):
        bad = graph.get(f"/users/{ALICE}/messages", params=params)
        assert bad.status_code == 400, params
        assert_error(bad.json())
    me = graph.get("/me/messages")
    assert me.status_code == 400


def _batch(graph: Graph, count: int) -> httpx.Response:
    requests_ = [{"id": str(i), "method": "GET", "url": f"/users/{ALICE}/mailFolders/inbox"}
                 for i in range(1, count + 1)]
    return graph.http.post(f"{graph.root}/$batch", json={"requests": requests_})


def test_batch_of_20_answers_each_and_21_is_refused(graph):
    ok = _batch(graph, 20)
    assert ok.status_code == 200
    responses = ok.json()["responses"]
    assert sorted(int(r["id"]) for r in responses) == list(range(1, 21))
    for response in responses:
        assert response["status"] == 200
        assert_entity("Mail.yml", "microsoft.graph.mailFolder",
                      {k: v for k, v in response["body"].items() if k != "@odata.context"})
    refused = _batch(graph, 21)
    assert refused.status_code == 400
    assert_error(refused.json(), "BadRequest")


def test_batch_depends_on_failure_gives_424(graph):
    body = {"requests": [
        {"id": "1", "method": "GET", "url": "/users/nobody@contoso.example/mailFolders"},
        {"id": "2", "method": "GET", "url": f"/users/{ALICE}/mailFolders", "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/users?$top=1",
         "headers": {"Prefer": "odata.maxpagesize=1"}},
    ]}
    responses = {r["id"]: r for r in graph.http.post(f"{graph.root}/$batch", json=body)
                 .json()["responses"]}
    assert responses["1"]["status"] == 404
    assert responses["2"]["status"] == 424
    assert responses["3"]["status"] == 200 and len(responses["3"]["body"]["value"]) == 1
    unknown_dep = {"requests": [{"id": "1", "method": "GET", "url": "/users",
                                 "dependsOn": ["9"]}]}
    assert graph.http.post(f"{graph.root}/$batch", json=unknown_dep).status_code == 400

