"""Exchange Server: a mail date window is decided from SyncFolderItems, before anything is read.

Mails received outside ``received_after`` / ``received_before`` are never in a
GetItem request and their attachments are never downloaded; the index still
ends up exactly as the rules select.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from exchangelib.items import Message
from lxml import etree

from outlook_connector.config import load_config
from outlook_connector.sources.base import Collection, Mailbox
from outlook_connector.sources.ews import EwsSettings
from outlook_connector.sources.ews.services import CREATE, DELETE, UPDATE, Change, SyncPage
from outlook_connector.sync.advanced_rules import AdvancedRules
from tests.connector_run import export, server_config, sync_json
from tests.emulators import running_emulator
from tests.ews_offline import offline_source
from tests.tenants import write_mail, write_tenant

ALICE = "alice@contoso.example"
AFTER = '[advanced_rules]\nreceived_after = "2024-01-01"\n'
BEFORE = '[advanced_rules]\nreceived_before = "2025-01-01"\n'
OLD = datetime(2023, 5, 1, tzinfo=UTC)
MID = datetime(2024, 6, 1, tzinfo=UTC)
LATE = datetime(2025, 3, 1, tzinfo=UTC)
# An old mail with an attachment: downloading it would be the costliest part of an old mail.
OLD_WITH_ATTACHMENT = (
    "From: vendor@fabrikam.example\r\nTo: alice@contoso.example\r\nSubject: Old price list\r\n"
    "Date: Mon, 01 May 2023 09:00:00 +0000\r\nMessage-ID: <old-prices@fabrikam.example>\r\n"
    'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    "--b\r\nContent-Type: text/plain\r\n\r\nSee the attached price list.\r\n"
    '--b\r\nContent-Type: text/plain; name="prices.txt"\r\n'
    'Content-Disposition: attachment; filename="prices.txt"\r\n\r\n'
    "Canoe 899 EUR, paddle 49 EUR\r\n--b--\r\n"
)
MAILS = {  # path: (title, received)
    "inbox/old0.eml": ("Old mail 0", OLD),
    "inbox/old1.eml": ("Old mail 1", OLD),
    "inbox/mid0.eml": ("Mid mail 0", MID),
    "inbox/mid1.eml": ("Mid mail 1", MID),
    "inbox/late0.eml": ("Late mail 0", LATE),
    "sentitems/sent.eml": ("Sent mail", MID),
}


def tenant_folder(root: Path, leave_out: set[str] | None = None) -> Path:
    """The tenant; ``leave_out`` names paths of mails it never had."""
    leave_out = leave_out or set()
    write_tenant(root, [ALICE])
    for path, (title, when) in MAILS.items():
        if path not in leave_out:
            write_mail(root, ALICE, path, title, f"{title} text", when=when)
    mailbox = root / "mailboxes" / ALICE
    if "inbox/old-prices.eml" not in leave_out:
        (mailbox / "inbox" / "old-prices.eml").write_text(OLD_WITH_ATTACHMENT)
    (mailbox / "contacts").mkdir()
    # REV fixes the contact's modified time: two tenants written apart index it alike.
    (mailbox / "contacts" / "c.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Joana Silva\r\nREV:20240101T000000Z\r\nEND:VCARD\r\n"
    )
    return root


class Emulator:
    def __init__(self, info: dict[str, Any]) -> None:
        self.client = httpx.Client(
            base_url=info["login_url"], verify=ssl.create_default_context(cafile=info["ca_cert"])
        )

    def stats(self) -> dict[str, Any]:
        return dict(self.client.get("/_emulator/stats").json())

    def reset(self) -> None:
        self.client.delete("/_emulator/stats")

    def put(self, path: str, content: str) -> None:
        r = self.client.put(f"/_emulator/mailboxes/{ALICE}/{path}", content=content.encode())
        assert r.status_code in (200, 201), r.text


def ids_by_title(documents: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {d["title"]: doc_id for doc_id, d in documents.items() if "parent_id" not in d}


@pytest.mark.parametrize(
    ("rules", "outside"),
    [
        (AFTER, {"inbox/old0.eml", "inbox/old1.eml", "inbox/old-prices.eml"}),
        (BEFORE, {"inbox/late0.eml"}),
    ],
    ids=["received_after", "received_before"],
)
def test_mails_outside_the_window_are_never_read(
    tmp_path: Path, rules: str, outside: set[str]
) -> None:
    root = tenant_folder(tmp_path / "tenant")
    with running_emulator(root) as info:
        emulator = Emulator(info)
        wide = server_config(tmp_path / "wide.toml", info, tmp_path / "wide.db", [ALICE])
        assert sync_json(wide)["errors"] == []
        everything = export(wide)
        ids = ids_by_title(everything)

        narrow = server_config(
            tmp_path / "narrow.toml", info, tmp_path / "narrow.db", [ALICE], rules
        )
        emulator.reset()
        assert sync_json(narrow)["errors"] == []
        stats = emulator.stats()
        selected = export(narrow)

    titles = {path: title for path, (title, _) in MAILS.items()}
    titles["inbox/old-prices.eml"] = "Old price list"
    excluded = {ids[titles[path]] for path in outside}
    read = set(stats["items_read"])
    assert excluded and not excluded & read, "a mail outside the window was fetched"
    inside = {ids[t] for path, t in titles.items() if path not in outside}
    assert inside <= read  # every mail inside the window is read
    if "inbox/old-prices.eml" in outside:
        assert "GetAttachment" not in stats["operations"]  # its attachment is never downloaded

    # The index is the one of a tenant that never had the excluded mails.
    trimmed = tenant_folder(tmp_path / "trimmed", leave_out=outside)
    with running_emulator(trimmed) as info:
        never_there = server_config(tmp_path / "t.toml", info, tmp_path / "t.db", [ALICE])
        assert sync_json(never_there)["errors"] == []
        assert selected == export(never_there)


def test_an_updated_mail_now_outside_the_window_is_removed_unread(tmp_path: Path) -> None:
    root = tenant_folder(tmp_path / "tenant")
    with running_emulator(root) as info:
        emulator = Emulator(info)
        config = server_config(tmp_path / "c.toml", info, tmp_path / "c.db", [ALICE], AFTER)
        assert sync_json(config)["errors"] == []
        mid0 = ids_by_title(export(config))["Mid mail 0"]

        # Taken in again with an older received time: now outside the window.
        redated = tmp_path / "redated"
        write_mail(redated, ALICE, "inbox/mid0.eml", "Mid mail 0", "Mid mail 0 text", when=OLD)
        emulator.put(
            "inbox/mid0.eml", (redated / "mailboxes" / ALICE / "inbox/mid0.eml").read_text()
        )
        emulator.reset()
        summary = sync_json(config)
        read = set(emulator.stats()["items_read"])
        after = export(config)

        fresh = server_config(tmp_path / "f.toml", info, tmp_path / "f.db", [ALICE], AFTER)
        assert sync_json(fresh)["errors"] == []
        assert after == export(fresh)

    assert summary["errors"] == [] and summary["deleted"] == 1
    assert mid0 not in after and mid0 not in read
    assert "Mid mail 1" in {d["title"] for d in after.values()}


def test_narrowing_then_widening_equals_a_fresh_sync_under_the_final_rules(
    tmp_path: Path,
) -> None:
    root = tenant_folder(tmp_path / "tenant")
    both = '[advanced_rules]\nreceived_after = "2024-01-01"\nreceived_before = "2025-01-01"\n'
    with running_emulator(root) as info:
        changing = tmp_path / "changing.toml"
        for step, rules in [("wide", ""), ("narrow", both), ("after only", AFTER), ("wide", "")]:
            server_config(changing, info, tmp_path / "changing.db", [ALICE], rules)
            assert sync_json(changing)["errors"] == [], step
            fresh = server_config(
                tmp_path / "fresh.toml", info, tmp_path / f"{step}.db", [ALICE], rules
            )
            assert sync_json(fresh)["errors"] == [], step
            assert export(changing) == export(fresh), step
            if step == "narrow":
                titles = {d["title"] for d in export(changing).values()}
                assert titles == {"Mid mail 0", "Mid mail 1", "Sent mail", "Joana Silva"}
    assert len(export(changing)) == 9  # 7 mails, the attachment and the contact


# -- the settings ---------------------------------------------------------------------------


def test_the_window_is_read_from_the_advanced_rules(tmp_path: Path) -> None:
    def settings(rules: str) -> EwsSettings:
        path = tmp_path / "c.toml"
        path.write_text(
            'data_source = "outlook_server"\nexchange_server = "exchange.contoso.example"\n'
            'active_directory_server = "dc.contoso.example"\nusername = "svc-search"\n'
            'password = "pw"\ndomain = "contoso.example"\n'
            f'mailboxes = ["{ALICE}"]\n{rules}\n[index]\npath = "{tmp_path / "i.db"}"\n'
        )
        return EwsSettings.from_config(load_config(path, environ={}))

    windowed = settings(AFTER)
    assert windowed.received_after == datetime(2024, 1, 1, tzinfo=UTC)
    assert windowed.received_before is None and windowed.has_mail_window
    assert settings(BEFORE).received_before == datetime(2025, 1, 1, tzinfo=UTC)
    assert not settings("").has_mail_window


def test_check_says_where_each_window_is_applied() -> None:
    rules = AdvancedRules(
        received_after="2024-01-01",
        received_before="2025-01-01",
        events_after="2024-01-01",
        events_before="2025-01-01",
    )
    server = dict(rules.plan(cloud=False))
    for key in ("received_after", "received_before"):
        assert server[key].startswith("at the source: SyncFolderItems lists received times")
    cloud = dict(rules.plan(cloud=True))
    assert cloud["received_after"].startswith("at the source: Graph filters")
    assert cloud["received_before"].startswith("locally")  # the delta filters only ge
    for plan in (server, cloud):
        for key in ("events_after", "events_before"):
            assert plan[key].startswith("locally") and "recurrence" in plan[key]


# -- the SyncFolderItems request ----------------------------------------------------------

INBOX = Collection("mail:inbox", "Inbox Mails", "Inbox", "F1")
CALENDAR = Collection("calendar:F2", "Calendar", "Calendar", "F2")


class Sent(Exception):
    """Raised instead of sending: the request is only looked at."""


@pytest.fixture
def sent_shapes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ItemShape of every SyncFolderItems request made (none reaches the network)."""
    shapes: list[Any] = []

    def capture(self: SyncPage, payload: Any) -> Iterator[Any]:
        # What would be sent: the request in its SOAP envelope.
        request = etree.fromstring(self.wrap(content=payload, api_version="Exchange2013_SP1"))
        shapes.append(request.find(".//{*}SyncFolderItems/{*}ItemShape"))
        raise Sent

    monkeypatch.setattr(SyncPage, "_get_elements", capture)
    return shapes


def first_sync_request(collection: Collection, **window: datetime) -> None:
    source = offline_source(**window)
    try:
        with pytest.raises(Sent):
            next(source.changes(Mailbox(ALICE), collection, None))
    finally:
        source.close()


def children(shape: Any) -> list[str]:
    return [etree.QName(child).localname for child in shape]


def test_without_a_window_the_sync_request_is_the_bare_id_only_shape(
    sent_shapes: list[Any],
) -> None:
    first_sync_request(INBOX)
    [shape] = sent_shapes
    assert children(shape) == ["BaseShape"] and shape[0].text == "IdOnly"


def test_with_a_window_mail_folders_list_the_received_time_and_nothing_else(
    sent_shapes: list[Any],
) -> None:
    first_sync_request(INBOX, received_after=MID)
    first_sync_request(INBOX, received_before=LATE)
    first_sync_request(CALENDAR, received_after=MID)  # events are not windowed by mail dates
    mail_after, mail_before, calendar = sent_shapes
    for shape in (mail_after, mail_before):
        assert children(shape) == ["BaseShape", "AdditionalProperties"]
        assert shape[0].text == "IdOnly"
        assert [p.get("FieldURI") for p in shape[1]] == ["item:DateTimeReceived"]
    assert children(calendar) == ["BaseShape"]


# -- deciding a page ------------------------------------------------------------------------


def test_a_page_fetches_only_mails_inside_the_window_or_without_a_received_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[list[str]] = []

    def get_item(self: Any, items: list[tuple[str, None]], **kwargs: Any) -> Iterator[Message]:
        asked.append([item_id for item_id, _ in items])
        for item_id, _ in items:
            yield Message(id=item_id, subject=item_id, datetime_received=MID)

    monkeypatch.setattr("outlook_connector.sources.ews.reader.TextGetItem.call", get_item)
    source = offline_source(
        received_after=datetime(2024, 1, 1, tzinfo=UTC),
        received_before=datetime(2025, 1, 1, tzinfo=UTC),
    )
    changes = [
        Change(CREATE, "old", received=OLD),
        Change(CREATE, "mid", received=MID),
        Change(CREATE, "edge", received=datetime(2024, 1, 1, tzinfo=UTC)),  # after: inclusive
        Change(CREATE, "late", received=datetime(2025, 1, 1, tzinfo=UTC)),  # before: exclusive
        Change(CREATE, "unknown"),  # no received time listed: the local filter decides
        Change(UPDATE, "aged", received=OLD),  # may be indexed from earlier rules
        Change(DELETE, "gone"),
    ]
    try:
        account = source.connection.account(ALICE)
        page = source.reader._page(account, Mailbox(ALICE), INBOX, "mail", changes)
    finally:
        source.close()
    assert asked == [["mid", "edge", "unknown"]]
    assert [doc["title"] for doc in page.upserts] == ["mid", "edge", "unknown"]
    assert page.deletions == ["old", "late", "aged", "gone"]
