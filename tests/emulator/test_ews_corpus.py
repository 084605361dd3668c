"""The real-world files of the shared corpus, served over EWS: every answer schema-valid.

Each folder is synchronised, every item fetched with all its properties (and its
MIME content, in both body types), every attachment fetched, and the calendar
expanded; nothing may fail the server or produce a response outside the schema.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from ews_schema import ValidatingMiddleware, shared_dir
from lxml import etree

from outlook_emulator.ews.app import EwsApp
from outlook_emulator.http import EmulatorServer
from outlook_emulator.tenant.loader import load_tenant

CORPUS = shared_dir() / "corpus"
BOX = "corpus@contoso.example"
PASSWORD = "corpus-secret"
NS = {
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
}

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no shared corpus at {CORPUS}")


def link_all(files: list[Path], folder: Path, extension: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, source in enumerate(files):
        (folder / f"{number:04d}-{source.name}{extension}").symlink_to(source)


def corpus_files(kind: str) -> list[Path]:
    return sorted(p for p in (CORPUS / kind).rglob("*") if p.is_file())


class Client:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.auth = ("svc-search", PASSWORD)

    def call(self, body: str) -> etree._Element:
        envelope = (
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            f'xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}"><s:Header>'
            '<t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation>'
            f"<t:ConnectingSID><t:PrimarySmtpAddress>{BOX}</t:PrimarySmtpAddress>"
            f"</t:ConnectingSID></t:ExchangeImpersonation></s:Header><s:Body>{body}</s:Body>"
            "</s:Envelope>"
        )
        response = self.session.post(
            self.url,
            data=envelope.encode(),
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=120,
        )
        assert response.status_code == 200, response.text[:2000]
        doc = etree.fromstring(response.content)
        codes = {c.text for c in doc.iterfind(".//m:ResponseCode", NS)}
        assert codes == {"NoError"}, codes
        return doc


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    root = tmp_path_factory.mktemp("corpus-ews")
    (root / "tenant.toml").write_text(
        'domain = "contoso.example"\nnetbios_name = "CONTOSO"\n'
        f'[service_account]\nusername = "svc-search"\npassword = "{PASSWORD}"\n',
        encoding="utf-8",
    )
    box = root / "mailboxes" / BOX
    link_all(corpus_files("mail"), box / "inbox", ".eml")
    link_all(corpus_files("calendar"), box / "calendar", ".ics")
    link_all(corpus_files("calendar"), box / "tasks", ".ics")
    link_all(corpus_files("contacts"), box / "contacts", ".vcf")
    validator = ValidatingMiddleware()
    server = EmulatorServer([EwsApp(load_tenant(root))], middleware=[validator])
    server.start()
    try:
        yield Client(f"{server.base_url}/EWS/Exchange.asmx")
    finally:
        server.stop()
    assert validator.checked > 0
    assert validator.failures == []


def synced_ids(client: Client, folder: str) -> list[str]:
    ids: list[str] = []
    state = ""
    while True:
        doc = client.call(
            "<m:SyncFolderItems><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>"
            f'<m:SyncFolderId><t:DistinguishedFolderId Id="{folder}"/></m:SyncFolderId>{state}'
            "<m:MaxChangesReturned>200</m:MaxChangesReturned></m:SyncFolderItems>"
        )
        ids += [i.get("Id") for i in doc.iterfind(".//m:Changes/t:Create/*/t:ItemId", NS)]
        state = f"<m:SyncState>{doc.findtext('.//m:SyncState', namespaces=NS)}</m:SyncState>"
        if doc.findtext(".//m:IncludesLastItemInRange", namespaces=NS) == "true":
            return ids


@pytest.mark.parametrize("folder", ["inbox", "calendar", "tasks", "contacts"])
@pytest.mark.parametrize("body_type", ["Best", "Text"])
def test_every_item_and_attachment_of_the_corpus(
    client: Client, folder: str, body_type: str
) -> None:
    ids = synced_ids(client, folder)
    assert ids
    attachment_ids: list[str] = []
    for start in range(0, len(ids), 50):
        doc = client.call(
            "<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape>"
            f"<t:BodyType>{body_type}</t:BodyType><t:AdditionalProperties>"
            '<t:FieldURI FieldURI="item:MimeContent"/></t:AdditionalProperties></m:ItemShape>'
            "<m:ItemIds>"
            + "".join(f'<t:ItemId Id="{i}"/>' for i in ids[start : start + 50])
            + "</m:ItemIds></m:GetItem>"
        )
        attachment_ids += [
            a.get("Id") for a in doc.iterfind(".//t:Attachments/*/t:AttachmentId", NS)
        ]
    for start in range(0, len(attachment_ids), 20):
        doc = client.call(
            "<m:GetAttachment><m:AttachmentIds>"
            + "".join(f'<t:AttachmentId Id="{a}"/>' for a in attachment_ids[start : start + 20])
            + "</m:AttachmentIds></m:GetAttachment>"
        )
        for content in doc.iterfind(".//t:FileAttachment/t:Content", NS):
            base64.b64decode(content.text or "", validate=True)


def test_the_corpus_calendar_expands(client: Client) -> None:
    found = 0
    for year in range(2000, 2030, 2):  # CalendarView spans at most two years
        doc = client.call(
            '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>AllProperties'
            f'</t:BaseShape></m:ItemShape><m:CalendarView StartDate="{year}-01-01T00:00:00Z" '
            f'EndDate="{year + 2}-01-01T00:00:00Z"/><m:ParentFolderIds>'
            '<t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>'
        )
        found += len(doc.findall(".//t:CalendarItem", NS))
    assert found
