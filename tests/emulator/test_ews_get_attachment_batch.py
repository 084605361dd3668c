"""GetAttachment with several AttachmentId elements, driven by exchangelib.

Microsoft's "GetAttachment operation": AttachmentIds holds one or more ids,
and the response holds one GetAttachmentResponseMessage per id, in the order
asked, each with its own ResponseClass: an unknown id is an error for that id
only. Every response is validated against Microsoft's EWS schema.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from ews_schema import ValidatingMiddleware
from exchangelib import IMPERSONATION, NTLM, Account, Configuration, Credentials
from exchangelib.attachments import AttachmentId, FileAttachment, ItemAttachment
from exchangelib.errors import ErrorItemNotFound
from exchangelib.protocol import close_connections
from exchangelib.services import GetAttachment
from tests.tenants import SERVICE_PASSWORD, write_tenant

from outlook_emulator.ews.app import EwsApp
from outlook_emulator.http import EmulatorServer
from outlook_emulator.tenant.loader import load_tenant

ALICE = "alice@contoso.example"
CSV = b"quarter,revenue\nQ3,42\n"
NOTES = b"Bring the drawings.\n"

MAIL = (
    b"""\
From: Carol <carol@contoso.example>
To: Alice Example <alice@contoso.example>
Subject: Quarterly report
Date: Tue, 03 Sep 2024 10:15:00 +0000
Message-ID: <report-1@contoso.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

The numbers are in.
--b1
Content-Type: text/csv; name="q3.csv"
Content-Disposition: attachment; filename="q3.csv"
Content-Transfer-Encoding: base64

"""
    + base64.b64encode(CSV)
    + b"""
--b1
Content-Type: message/rfc822; name="forwarded.eml"
Content-Disposition: attachment; filename="forwarded.eml"

From: Erin <erin@contoso.example>
To: Carol <carol@contoso.example>
Subject: Draft numbers
Date: Mon, 02 Sep 2024 09:00:00 +0000

Draft attached earlier.
--b1
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"
Content-Transfer-Encoding: base64

"""
    + base64.b64encode(NOTES)
    + b"""
--b1--
"""
)


@pytest.fixture(scope="module")
def tenant_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tenant")
    write_tenant(root, [ALICE])
    inbox = root / "mailboxes" / ALICE / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "report.eml").write_bytes(MAIL)
    return root


@pytest.fixture
def served(tenant_dir: Path) -> Iterator[tuple[Account, ValidatingMiddleware]]:
    validator = ValidatingMiddleware()
    server = EmulatorServer([EwsApp(load_tenant(tenant_dir))], middleware=[validator])
    server.start()
    try:
        config = Configuration(
            service_endpoint=f"{server.base_url}/EWS/Exchange.asmx",
            credentials=Credentials("CONTOSO\\svc-search", SERVICE_PASSWORD),
            auth_type=NTLM,
        )
        yield (
            Account(ALICE, config=config, autodiscover=False, access_type=IMPERSONATION),
            validator,
        )
    finally:
        close_connections()
        server.stop()


def _ids(account: Account) -> dict[str, AttachmentId]:
    report = account.inbox.get(subject="Quarterly report")
    return {a.name: a.attachment_id for a in report.attachments}


def _get(account: Account, ids: list[AttachmentId], *, items: bool) -> list[object]:
    """One GetAttachment request (exchangelib sends up to 100 ids a request)."""
    return list(
        GetAttachment(account=account).call(
            items=ids,
            include_mime_content=items,
            body_type="Text" if items else None,
            filter_html_content=None,
            additional_fields=None,
        )
    )


def test_several_files_in_one_request_one_answer_each_in_order(served) -> None:
    account, validator = served
    ids = _ids(account)
    unknown = AttachmentId(id=base64.b64encode(b"no-such-attachment").decode())
    checked = validator.checked
    answers = _get(account, [ids["notes.txt"], unknown, ids["q3.csv"]], items=False)
    assert validator.checked == checked + 1  # one request, one response
    assert len(answers) == 3
    notes, missing, csv = answers
    assert isinstance(notes, FileAttachment) and notes.content == NOTES
    assert isinstance(missing, ErrorItemNotFound)
    assert isinstance(csv, FileAttachment) and csv.content == CSV
    assert validator.failures == []


def test_attached_items_in_one_request_next_to_an_unknown_id(served) -> None:
    account, validator = served
    ids = _ids(account)
    unknown = AttachmentId(id=base64.b64encode(b"gone").decode())
    checked = validator.checked
    answers = _get(account, [unknown, ids["forwarded.eml"], unknown], items=True)
    assert validator.checked == checked + 1
    missing, forwarded, missing_again = answers
    assert isinstance(missing, ErrorItemNotFound)
    assert isinstance(missing_again, ErrorItemNotFound)
    assert isinstance(forwarded, ItemAttachment)
    assert forwarded.item.subject == "Draft numbers"
    assert "Draft attached earlier." in forwarded.item.text_body
    assert validator.failures == []
