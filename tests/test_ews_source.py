"""The Exchange Server source against the EWS emulator, run as users run it (HTTPS, NTLM)."""

from __future__ import annotations

import base64
import logging
import os
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from exchangelib.protocol import CachingProtocol

from outlook_connector.config import Secret
from outlook_connector.sources.base import (
    AttachmentRef,
    Collection,
    CursorExpired,
    Mailbox,
    MailboxUnavailable,
    Page,
    SourceError,
)
from outlook_connector.sources.ews import EwsSettings, EwsSource
from outlook_connector.sources.ews.connection import RetryBudget
from outlook_connector.sources.graph import GraphSettings, GraphSource
from outlook_emulator.ews.app import EwsApp
from outlook_emulator.faults import FaultInjector, FaultRates
from outlook_emulator.http import EmulatorServer, Request, Response
from outlook_emulator.tenant.loader import load_tenant
from tests import ews_source_tenant as tenant
from tests.emulators import running_emulator
from tests.ews_offline import offline_source

ALICE = Mailbox(tenant.ALICE)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tenant.write_tenant(tmp_path_factory.mktemp("ews-tenant"))
    with running_emulator(folder) as info:
        info["ca_pem"] = Path(info["ca_cert"]).read_text(encoding="utf-8")
        yield info


SourceFactory = Callable[..., EwsSource]


def _settings(info: dict[str, Any], **overrides: Any) -> EwsSettings:
    values: dict[str, Any] = {
        "exchange_server": info["ews_url"],
        "username": tenant.SERVICE_USER,
        "password": tenant.PASSWORD,
        "domain": tenant.DOMAIN,
        "ssl_enabled": True,
        "ssl_ca": info["ca_pem"],
        "mailboxes": (tenant.ALICE, tenant.HELPDESK),
        "page_size": 100,
    }
    values.update(overrides)
    return EwsSettings(**values)


@pytest.fixture
def make_source(emulator: dict[str, Any]) -> Iterator[SourceFactory]:
    made: list[EwsSource] = []

    def make(info: dict[str, Any] | None = None, **overrides: Any) -> EwsSource:
        source = EwsSource(_settings(info or emulator, **overrides))
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


def collection(source: EwsSource, mailbox: Mailbox, key_prefix: str, name: str) -> Collection:
    for found in source.collections(mailbox):
        if found.key.startswith(key_prefix) and found.name == name:
            return found
    raise AssertionError(f"no {key_prefix} collection named {name}")


def full_sync(source: EwsSource, mailbox: Mailbox, found: Collection) -> list[Page]:
    pages = list(source.changes(mailbox, found, None))
    assert pages[-1].complete
    assert all(not p.complete for p in pages[:-1])
    return pages


def by_title(pages: list[Page]) -> dict[str, dict[str, Any]]:
    return {doc["title"]: doc for page in pages for doc in page.upserts}


def test_collections_of_a_mailbox(make_source: SourceFactory) -> None:
    found = make_source().collections(ALICE)
    assert {c.key for c in found if c.key.startswith("mail:")} == {
        "mail:inbox",
        "mail:sentitems",
        "mail:archive",
        "mail:junkemail",
    }
    labels = {c.key: c.object_type for c in found}
    assert labels["mail:archive"] == "Archive Mails"
    names = {(c.key.split(":")[0], c.name, c.object_type) for c in found}
    assert {
        ("contacts", "Contacts", "Contact"),
        ("contacts", "Suppliers", "Contact"),
        ("calendar", "Calendar", "Calendar"),
        ("calendar", "Birthdays", "Calendar"),
        ("tasks", "Tasks", "Task"),
    } <= names
    for c in found:
        if not c.key.startswith("mail:"):
            assert c.key == f"{c.key.split(':')[0]}:{c.remote_id}"


def test_mails_land_with_the_fields_of_the_graph_path(make_source: SourceFactory) -> None:
    source = make_source()
    inbox = by_title(full_sync(source, ALICE, collection(source, ALICE, "mail:inbox", "Inbox")))
    report = inbox["Quarterly report"]
    assert report["type"] == "Inbox Mails"
    assert report["mailbox"] == tenant.ALICE
    assert report["sender"] == "carol@contoso.example"
    assert report["to_recipients"] == [tenant.ALICE]
    assert report["cc_recipients"] == ["dave@contoso.example"]
    assert report["message"] == "The numbers are in."  # the text body, not the HTML one
    assert report["received_at"] == "2024-09-03T10:15:00Z"  # 12:15 +0200 in UTC
    assert report["sent_at"] == "2024-09-03T10:15:00Z"
    assert report["internet_message_id"] == "<report-1@contoso.example>"
    assert report["has_attachments"] is True
    assert report["attachment_names"] == ["q3.csv", "forwarded.eml"]  # the server's order
    assert report["folder"] == "Inbox"
    assert report["conversation_id"]
    # A meeting request in the inbox is a mail like the others.
    assert inbox["Planning meeting"]["sender"] == "carol@contoso.example"
    assert len(inbox) == 2 + tenant.INBOX_BULK

    sent = by_title(
        full_sync(source, ALICE, collection(source, ALICE, "mail:sentitems", "Sent Items"))
    )
    offer = sent["Re: offer"]
    assert offer["type"] == "Sent Mails"
    assert offer["to_recipients"] == ["bob@fabrikam.example"]
    assert offer["message"] == "We accept."
    archived = by_title(
        full_sync(source, ALICE, collection(source, ALICE, "mail:archive", "Archive"))
    )
    assert archived["Old times"]["type"] == "Archive Mails"
    junk = by_title(
        full_sync(source, ALICE, collection(source, ALICE, "mail:junkemail", "Junk Email"))
    )
    assert junk["You won"]["type"] == "Junk Mails"


def test_attachments_are_listed_and_downloaded(make_source: SourceFactory) -> None:
    source = make_source()
    pages = full_sync(source, ALICE, collection(source, ALICE, "mail:inbox", "Inbox"))
    report = by_title(pages)["Quarterly report"]
    refs: dict[str, AttachmentRef] = {
        a.name: a for p in pages for a in p.attachments if a.parent_id == report["id"]
    }
    assert set(refs) == {"q3.csv", "forwarded.eml"}
    csv = refs["q3.csv"]
    assert csv.type == "Mail Attachment"
    assert csv.id.startswith(report["id"] + "/")
    assert csv.parent_title == "Quarterly report"
    assert csv.mailbox == tenant.ALICE
    assert csv.size == len(tenant.REPORT_CSV)
    assert csv.fetch() == tenant.REPORT_CSV
    assert b"Draft attached earlier." in refs["forwarded.eml"].fetch()


def test_event_and_task_attachments(make_source: SourceFactory) -> None:
    source = make_source()
    for prefix, name, label, content in (
        ("calendar:", "Calendar", "Calendar Attachment", tenant.AGENDA),
        ("tasks:", "Tasks", "Task Attachment", tenant.PADDLE_QUOTE),
    ):
        pages = full_sync(source, ALICE, collection(source, ALICE, prefix, name))
        refs = [a for p in pages for a in p.attachments]
        assert [(a.type, a.content_type) for a in refs] == [(label, "text/plain")]
        assert refs[0].fetch() == content
        assert refs[0].parent_id in {d["id"] for p in pages for d in p.upserts}


def test_contacts_and_contact_groups(make_source: SourceFactory) -> None:
    source = make_source()
    docs = by_title(full_sync(source, ALICE, collection(source, ALICE, "contacts:", "Contacts")))
    frank = docs["Frank Fisher"]
    assert frank["type"] == "Contact"
    assert frank["name"] == "Frank Fisher"
    assert frank["email_addresses"] == ["frank@fisheries.example", "frank.home@example.org"]
    assert frank["contact_numbers"] == ["+1 555 0100"]
    assert frank["company_name"] == "Fisheries Ltd"
    assert frank["birthday"] == "1980-05-17"
    group = docs["Kayak team"]
    assert group["type"] == "Distribution List"
    assert group["email_addresses"] == ["frank@fisheries.example", "carol@contoso.example"]
    suppliers = full_sync(source, ALICE, collection(source, ALICE, "contacts:", "Suppliers"))
    assert by_title(suppliers)["Grace Grain"]["email_addresses"] == ["grace@mill.example"]


def test_events_of_every_calendar(make_source: SourceFactory) -> None:
    source = make_source()
    docs = by_title(full_sync(source, ALICE, collection(source, ALICE, "calendar:", "Calendar")))
    review = docs["Design review"]
    assert review["type"] == "Calendar"
    assert review["meeting_type"] == "single"
    assert review["start_date"] == "2024-09-05T14:00:00Z"  # 16:00 in Berlin, summer time
    assert review["end_date"] == "2024-09-05T15:00:00Z"
    assert review["organizer"] == "carol@contoso.example"
    assert review["attendees"] == [tenant.ALICE, "dave@contoso.example"]
    assert review["location"] == "Room 4"
    assert review["content"] == "Bring the drawings."
    assert review["calendar"] == "Calendar"
    series = docs["Stand-up"]
    assert series["meeting_type"] == "recurring series"
    assert series["recurrence"] == "weekly on Monday, Wednesday, 6 times"
    holiday = docs["Company holiday"]
    assert holiday["is_all_day"] is True
    assert (holiday["start_date"], holiday["end_date"]) == (
        "2024-09-20T00:00:00Z",
        "2024-09-21T00:00:00Z",
    )
    assert review["attachment_names"] == ["agenda.txt"]
    birthdays = full_sync(source, ALICE, collection(source, ALICE, "calendar:", "Birthdays"))
    birthday = by_title(birthdays)["Frank's birthday"]
    assert birthday["calendar"] == "Birthdays"
    assert birthday["recurrence"] == "yearly on May 17"


def test_tasks(make_source: SourceFactory) -> None:
    source = make_source()
    docs = by_title(full_sync(source, ALICE, collection(source, ALICE, "tasks:", "Tasks")))
    paddles = docs["Order paddles"]
    assert paddles["type"] == "Task"
    assert paddles["status"] == "inProgress"
    assert paddles["importance"] == "high"
    assert paddles["start_date"] == "2024-09-01T00:00:00Z"
    assert paddles["due_date"] == "2024-09-15T00:00:00Z"
    assert paddles["content"] == "Two sets of paddles."
    assert paddles["owner"] == tenant.ALICE
    expenses = docs["File expenses"]
    assert expenses["status"] == "completed"
    assert expenses["complete_date"] == "2024-09-02T12:00:00Z"


def test_paging_through_a_folder_larger_than_a_page(make_source: SourceFactory) -> None:
    source = make_source(page_size=3)
    inbox = collection(source, ALICE, "mail:inbox", "Inbox")
    pages = full_sync(source, ALICE, inbox)
    assert len(pages) >= 3
    assert all(len(p.upserts) <= 3 for p in pages)
    assert all(p.cursor for p in pages)
    ids = [doc["id"] for p in pages for doc in p.upserts]
    assert len(ids) == len(set(ids)) == 2 + tenant.INBOX_BULK
    # Resuming from the cursor after the first page gives exactly the rest.
    rest = list(source.changes(ALICE, inbox, pages[0].cursor))
    assert [d["id"] for p in rest for d in p.upserts] == ids[len(pages[0].upserts) :]


def test_a_second_sync_without_changes_returns_nothing(make_source: SourceFactory) -> None:
    source = make_source()
    for found in source.collections(ALICE):
        last = full_sync(source, ALICE, found)[-1]
        again = list(source.changes(ALICE, found, last.cursor))
        assert len(again) == 1 and again[0].complete
        assert again[0].upserts == [] and again[0].deletions == []


def test_new_changed_and_deleted_items(
    emulator: dict[str, Any], make_source: SourceFactory
) -> None:
    source = make_source()
    junk = collection(source, ALICE, "mail:junkemail", "Junk Email")
    cursor = full_sync(source, ALICE, junk)[-1].cursor
    control = f"{emulator['ews_url'].rsplit('/EWS/', 1)[0]}/_emulator/mailboxes/{tenant.ALICE}"
    new = tenant.bulk_mail(500).replace(b"Bulk 500", b"Cheap pills")
    put = requests.put(f"{control}/junkemail/pills.eml", data=new, verify=emulator["ca_cert"])
    put.raise_for_status()
    gone = requests.delete(f"{control}/junkemail/prize.eml", verify=emulator["ca_cert"])
    gone.raise_for_status()
    pages = list(source.changes(ALICE, junk, cursor))
    assert [d["title"] for p in pages for d in p.upserts] == ["Cheap pills"]
    assert [i for p in pages for i in p.deletions] == [gone.json()["id"]]


def test_a_cursor_the_server_rejects_expires(make_source: SourceFactory) -> None:
    source = make_source()
    inbox = collection(source, ALICE, "mail:inbox", "Inbox")
    with pytest.raises(CursorExpired):
        list(source.changes(ALICE, inbox, "not-a-sync-state"))


def test_a_shared_mailbox_is_synced_too(make_source: SourceFactory) -> None:
    source = make_source()
    helpdesk = Mailbox(tenant.HELPDESK, kind="shared")
    docs = by_title(
        full_sync(source, helpdesk, collection(source, helpdesk, "mail:inbox", "Inbox"))
    )
    assert docs["Bulk 100"]["mailbox"] == tenant.HELPDESK


def test_configured_mailboxes_are_exactly_those(make_source: SourceFactory) -> None:
    source = make_source(mailboxes=(tenant.ALICE,))
    assert [m.address for m in source.mailboxes()] == [tenant.ALICE]


def test_a_mailbox_that_does_not_exist_is_unavailable(make_source: SourceFactory) -> None:
    source = make_source(mailboxes=("nobody@contoso.example",))
    with pytest.raises(MailboxUnavailable, match="nobody@contoso.example"):
        source.collections(Mailbox("nobody@contoso.example"))
    with pytest.raises(MailboxUnavailable, match="nobody@contoso.example"):
        list(source.changes(Mailbox("nobody@contoso.example"), source.collections(ALICE)[0], None))
    lines = {r.name: r for r in source.check()}
    assert lines["EWS sign-in"].ok
    assert not lines["EWS impersonation"].ok
    assert "ErrorNonExistentMailbox" in lines["EWS impersonation"].detail


def test_impersonation_denied_makes_the_mailbox_unavailable(
    tmp_path: Path, make_source: SourceFactory
) -> None:
    folder = tenant.write_tenant(tmp_path / "denied", impersonation=False)
    with running_emulator(folder) as info:
        info["ca_pem"] = Path(info["ca_cert"]).read_text(encoding="utf-8")
        source = make_source(info)
        with pytest.raises(MailboxUnavailable, match="ErrorImpersonateUserDenied"):
            source.collections(ALICE)
        lines = {r.name: r for r in source.check()}
        assert lines["EWS sign-in"].ok
        assert not lines["EWS impersonation"].ok


def test_a_wrong_password_is_a_source_error_that_does_not_show_it(
    make_source: SourceFactory,
) -> None:
    source = make_source(password="Wrong-Password-123")
    with pytest.raises(SourceError) as failure:
        source.collections(ALICE)
    assert "Wrong-Password-123" not in str(failure.value)
    assert "CONTOSO\\svc-search" in str(failure.value)
    lines = {r.name: r for r in source.check()}
    assert not lines["EWS sign-in"].ok
    assert "Wrong-Password-123" not in repr(lines)


def test_tls_is_verified_against_ssl_ca_only(make_source: SourceFactory) -> None:
    # The machine's REQUESTS_CA_BUNDLE must not make an unknown CA trusted or a known one fail.
    with pytest.raises(SourceError, match="certificate"):
        make_source(ssl_ca=None).collections(ALICE)
    assert make_source().collections(ALICE)


def test_without_ssl_verification_one_warning_and_no_noise(
    make_source: SourceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        source = make_source(ssl_enabled=False, ssl_ca=None)
        pages = full_sync(source, ALICE, collection(source, ALICE, "mail:inbox", "Inbox"))
    assert sum(len(p.upserts) for p in pages) == 2 + tenant.INBOX_BULK
    unverified = [r for r in caplog.records if "not verified" in r.getMessage()]
    assert len(unverified) == 1
    assert not [w for w in seen if "Unverified HTTPS" in str(w.message)]


def test_check_reports_each_step(make_source: SourceFactory) -> None:
    lines = make_source().check()
    assert [r.name for r in lines] == [
        "Active Directory",
        "EWS sign-in",
        "EWS impersonation",
        "mailbox opened",
    ]
    assert all(r.ok for r in lines), lines
    assert "inbox holds" in lines[-1].detail


def test_mailboxes_sync_from_several_threads(make_source: SourceFactory) -> None:
    source = make_source(max_concurrent_mailboxes=2)
    helpdesk = Mailbox(tenant.HELPDESK)
    counts: dict[str, int] = {}
    errors: list[BaseException] = []

    def run(mailbox: Mailbox) -> None:
        try:
            total = 0
            for found in source.collections(mailbox):
                total += sum(len(p.upserts) for p in source.changes(mailbox, found, None))
            counts[mailbox.address] = total
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(m,)) for m in (ALICE, helpdesk) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert counts[tenant.HELPDESK] == 1
    assert counts[tenant.ALICE] > 2 + tenant.INBOX_BULK


def test_close_leaves_no_connection_behind(make_source: SourceFactory) -> None:
    source = make_source()
    source.collections(ALICE)
    before = len(CachingProtocol._protocol_cache)
    source.close()
    assert len(CachingProtocol._protocol_cache) == before - 1


def _basic_only(request: Request, call_next: Callable[[Request], Response]) -> Response:
    """An Exchange whose EWS directory has Windows authentication switched off."""
    challenge = {"WWW-Authenticate": 'Basic realm="127.0.0.1"'}
    if (request.header("authorization") or "").lower().startswith(("ntlm", "negotiate")):
        return Response(status=401, body=b"", headers=challenge)
    response = call_next(request)
    if response.status == 401:
        return Response(status=401, body=response.body, headers=challenge)
    return response


def test_a_server_without_ntlm_is_signed_in_to_with_what_it_offers(
    tmp_path: Path, make_source: SourceFactory
) -> None:
    with in_process(tmp_path / "basic", _basic_only) as info:
        source = make_source(info, ssl_enabled=False)
        assert {c.key for c in source.collections(ALICE)} >= {"mail:inbox", "mail:archive"}


def titles_by_collection(source: EwsSource, mailbox: Mailbox) -> dict[str, set[str]]:
    return {
        found.name: {d["title"] for p in full_sync(source, mailbox, found) for d in p.upserts}
        for found in source.collections(mailbox)
    }


@contextmanager
def in_process(
    folder: Path, *middleware: Any, extra: dict[str, bytes] | None = None
) -> Iterator[dict[str, Any]]:
    """The EWS front end alone, over plain HTTP, with the given middleware.

    ``extra`` adds files to Alice's mailbox folder (path relative to it).
    """
    tenant.write_tenant(folder)
    for relative, content in (extra or {}).items():
        (folder / "mailboxes" / tenant.ALICE / relative).write_bytes(content)
    server = EmulatorServer([EwsApp(load_tenant(folder))], middleware=middleware)
    server.start()
    try:
        yield {"ews_url": f"{server.base_url}/EWS/Exchange.asmx", "ca_pem": None}
    finally:
        server.stop()


def test_server_errors_and_dropped_connections_are_waited_out(
    tmp_path: Path, make_source: SourceFactory
) -> None:
    with in_process(tmp_path / "clean") as info:
        expected = titles_by_collection(make_source(info, ssl_enabled=False), ALICE)
    faults = FaultInjector(FaultRates(server_error=0.08, reset=0.1, retry_after_seconds=0), seed=7)
    with in_process(tmp_path / "faulty", faults) as info:
        source = make_source(info, ssl_enabled=False, retry_wait=0.05, page_size=4)
        assert titles_by_collection(source, ALICE) == expected
    seen = faults.stats.as_json()["faults"]
    assert seen.get("server_error") and seen.get("reset"), seen


def test_documents_do_not_depend_on_the_machines_time_zone(
    make_source: SourceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_source()
    calendar = collection(source, ALICE, "calendar:", "Calendar")
    expected = by_title(full_sync(source, ALICE, calendar))
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: any local conversion shows
    time.tzset()
    try:
        assert by_title(full_sync(make_source(), ALICE, calendar)) == expected
    finally:
        monkeypatch.undo()
        time.tzset()
    assert expected["Company holiday"]["start_date"] == "2024-09-20T00:00:00Z"


def test_a_large_attachment_arrives_intact(tmp_path: Path, make_source: SourceFactory) -> None:
    payload = os.urandom(3 * 1024 * 1024)
    mail = (
        b"From: carol@contoso.example\nTo: alice@contoso.example\nSubject: Big scan\n"
        b"Date: Mon, 09 Sep 2024 09:00:00 +0000\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nSee scan.\n'
        b'--b\nContent-Type: application/octet-stream; name="scan.bin"\n'
        b'Content-Disposition: attachment; filename="scan.bin"\n'
        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(payload) + b"--b--\n"
    )
    with in_process(tmp_path / "big", extra={"junkemail/scan.eml": mail}) as info:
        source = make_source(info, ssl_enabled=False)
        pages = full_sync(source, ALICE, collection(source, ALICE, "mail:junkemail", "Junk Email"))
        (scan,) = [a for p in pages for a in p.attachments if a.name == "scan.bin"]
        assert scan.size == len(payload)
        assert scan.fetch() == payload


def test_debug_logs_never_hold_credentials(
    tmp_path: Path, make_source: SourceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    basic = base64.b64encode(f"CONTOSO\\{tenant.SERVICE_USER}:{tenant.PASSWORD}".encode())
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="exchangelib"):
        make_source().collections(ALICE)  # NTLM
        with in_process(tmp_path / "basic", _basic_only) as info:
            make_source(info, ssl_enabled=False).collections(ALICE)  # Basic
    logged = caplog.text
    assert "Request headers" in logged or "request_headers" in logged or "Authorization" in logged
    assert tenant.PASSWORD not in logged
    assert basic.decode() not in logged
    assert "TlRMTVNTUAAD" not in logged  # an NTLM authenticate message


def test_documents_equal_those_of_the_graph_source(
    emulator: dict[str, Any], make_source: SourceFactory
) -> None:
    """One mailbox read through EWS and through Graph gives the same documents."""

    def documents_of(source: Any) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for c in source.collections(ALICE):
            for page in source.changes(ALICE, c, None):
                for doc in page.upserts:
                    # Ids are each protocol's own; only Graph gives a web link (url).
                    found[(doc["type"], doc["title"])] = {
                        k: v for k, v in doc.items() if k not in ("id", "url")
                    }
        return found

    graph = GraphSource(
        GraphSettings(
            tenant_id=tenant.TENANT_ID,
            client_id=tenant.CLIENT_ID,
            client_secret=Secret(tenant.CLIENT_SECRET),
            graph_url=emulator["graph_url"],
            login_url=emulator["login_url"],
            ssl_ca=emulator["ca_pem"],
            mailboxes=(tenant.ALICE,),
        )
    )
    try:
        through_graph = documents_of(graph)
    finally:
        graph.close()
    through_ews = documents_of(make_source())
    # Graph has no API for personal contact groups: only EWS indexes them.
    assert {k for k in through_ews if k[0] == "Distribution List"} == {
        ("Distribution List", "Kayak team")
    }
    through_ews = {k: v for k, v in through_ews.items() if k[0] != "Distribution List"}
    assert set(through_ews) == set(through_graph)
    for key, document in through_ews.items():
        assert document == through_graph[key], key


def test_a_server_that_is_not_there_fails_at_once(make_source: SourceFactory) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = make_source(exchange_server=f"127.0.0.1:{port}", retry_wait=30.0)
    started = time.monotonic()
    with pytest.raises(SourceError, match="cannot talk to Exchange"):
        source.collections(ALICE)
    assert time.monotonic() - started < 10


def test_a_connection_dropped_during_the_ntlm_handshake_is_signed_in_again(
    tmp_path: Path, make_source: SourceFactory
) -> None:
    dropped: list[str] = []

    def drop_after_challenge(
        request: Request, call_next: Callable[[Request], Response]
    ) -> Response:
        response = call_next(request)
        negotiate = (request.header("authorization") or "").startswith("NTLM TlRMTVNTUAAB")
        if negotiate and len(dropped) < 2:
            dropped.append(request.path)
            response.truncate_at = len(response.body)  # the whole challenge, then a reset
        return response

    with in_process(tmp_path / "drop", drop_after_challenge) as info:
        source = make_source(info, ssl_enabled=False)
        assert {c.key for c in source.collections(ALICE)} >= {"mail:inbox", "mail:archive"}
    assert len(dropped) == 2


def test_a_wrong_password_is_tried_once(tmp_path: Path, make_source: SourceFactory) -> None:
    answers: list[str] = []

    def count_answers(request: Request, call_next: Callable[[Request], Response]) -> Response:
        if (request.header("authorization") or "").startswith("NTLM TlRMTVNTUAAD"):
            answers.append(request.path)
        return call_next(request)

    with in_process(tmp_path / "wrong", count_answers) as info:
        source = make_source(info, ssl_enabled=False, password="Wrong-Password-123")
        started = time.monotonic()
        with pytest.raises(SourceError, match="refused the sign-in"):
            source.collections(ALICE)
    assert len(answers) == 1
    assert time.monotonic() - started < 5


def test_throttling_is_waited_out_as_asked_without_shrinking_the_pool(
    tmp_path: Path, make_source: SourceFactory
) -> None:
    faults = FaultInjector(FaultRates(throttle=0.3, retry_after_seconds=0), seed=3)
    with in_process(tmp_path / "busy", faults) as info:
        source = make_source(info, ssl_enabled=False, max_concurrent_mailboxes=3)
        waits: list[float] = []
        source.connection._sleep = waits.append
        assert {c.key for c in source.collections(ALICE)} >= {"mail:inbox", "mail:archive"}
        protocol = source.connection._connect()[1]
        assert protocol.retry_policy.back_off_until is None
        assert protocol.session_pool_size >= 1
    assert faults.stats.faults["throttle"] >= 1
    # BackOffMilliseconds 0: tried again at once, never a wait of our own on top.
    assert waits and set(waits) == {0.0}, waits


def test_the_retry_budget() -> None:
    budget = RetryBudget(first=0.5, max_wait=10.0, max_retries=3, cap=1.5, rand=lambda: 1.0)
    assert budget.next_wait(2.0) == 2.0  # the server's wait, exactly
    assert [budget.next_wait(None) for _ in range(4)] == [0.5, 1.0, 1.5, None]
    assert budget.next_wait(6.0) is None  # past max_wait in all
    low = RetryBudget(first=1.0, max_wait=60.0, rand=lambda: 0.0)
    assert low.next_wait(None) == 0.5  # jitter: between half and all of the step


def _tls_failure(cause: ssl.SSLError) -> Callable[[], None]:
    """A call failing as exchangelib fails a POST on a TLS error: a TransportError."""
    from exchangelib.errors import TransportError

    def fail() -> None:
        try:
            try:
                raise cause
            except ssl.SSLError as exc:
                raise requests.exceptions.SSLError(exc) from exc
        except requests.exceptions.SSLError as exc:
            raise TransportError(str(exc))  # noqa: B904 - exchangelib chains it implicitly

    return fail


def test_a_tls_connection_cut_off_midway_is_tried_again() -> None:
    source = offline_source()
    waits: list[float] = []
    source.connection._sleep = waits.append
    tries: list[int] = []
    cut = _tls_failure(ssl.SSLEOFError(8, "EOF occurred in violation of protocol (_ssl.c:2427)"))

    def cut_twice() -> str:
        tries.append(1)
        if len(tries) <= 2:
            cut()
        return "answer"

    assert source.connection.call(cut_twice, "alice@contoso.example") == "answer"
    assert len(tries) == 3 and len(waits) == 2


def test_a_certificate_that_fails_verification_is_not_tried_again() -> None:
    source = offline_source()
    source.connection._sleep = lambda seconds: None
    tries: list[int] = []
    refused = _tls_failure(ssl.SSLCertVerificationError(1, "certificate verify failed"))

    def verify() -> None:
        tries.append(1)
        refused()

    with pytest.raises(SourceError, match="certificate verify failed"):
        source.connection.call(verify, "alice@contoso.example")
    assert len(tries) == 1
