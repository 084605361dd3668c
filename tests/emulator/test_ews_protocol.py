"""The EWS emulator at the SOAP level: faults, versions, errors per id, paging, sync states.

Requests are written from Microsoft's operation reference pages; every
response is validated against the EWS schema by the test server.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator

import pytest
import requests
from ews_schema import ValidatingMiddleware, problems
from lxml import etree
from requests_ntlm import HttpNtlmAuth
from test_ews_exchangelib import ALICE, BULK, PASSWORD, write_tenant

from outlook_emulator.ews.app import EwsApp
from outlook_emulator.http import EmulatorServer
from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import Tenant

NS = {
    "s": "http://schemas.xmlsoap.org/soap/envelope/",
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
    "e": "http://schemas.microsoft.com/exchange/services/2006/errors",
}
USER = "CONTOSO\\svc-search"


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    return load_tenant(write_tenant(tmp_path_factory.mktemp("tenant")))


class Ews:
    def __init__(self, tenant: Tenant) -> None:
        self.validator = ValidatingMiddleware()
        self.server = EmulatorServer([EwsApp(tenant)], middleware=[self.validator])
        self.url = f"{self.server.base_url}/EWS/Exchange.asmx"
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.auth = (USER, PASSWORD)

    def post(
        self, body: str, header: str | None = None, authorization: str | None = None
    ) -> requests.Response:
        if header is None:
            header = (
                '<t:RequestServerVersion Version="Exchange2016"/>'
                "<t:ExchangeImpersonation><t:ConnectingSID>"
                f"<t:PrimarySmtpAddress>{ALICE}</t:PrimarySmtpAddress>"
                "</t:ConnectingSID></t:ExchangeImpersonation>"
            )
        envelope = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}">'
            f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
        )
        return self.raw(envelope.encode(), authorization)

    def raw(self, data: bytes, authorization: str | None = None) -> requests.Response:
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        if authorization is not None:
            headers["Authorization"] = authorization
        return self.session.post(self.url, data=data, headers=headers, timeout=30)

    def call(self, body: str, header: str | None = None) -> etree._Element:
        response = self.post(body, header)
        assert response.status_code == 200, response.text
        return etree.fromstring(response.content)


def serve(tenant: Tenant) -> Iterator[Ews]:
    """The fixtures' body: the tenant served; every response checked against the schema."""
    ews = Ews(tenant)
    ews.server.start()
    try:
        yield ews
    finally:
        ews.session.close()
        ews.server.stop()
    assert ews.validator.failures == []


@pytest.fixture
def ews(tenant: Tenant) -> Iterator[Ews]:
    yield from serve(tenant)


def codes(doc: etree._Element) -> list[str]:
    return [el.text for el in doc.iterfind(".//m:ResponseCode", NS)]


def fault_code(response: requests.Response) -> str:
    assert response.status_code == 500
    assert problems(response.content) == []  # header present, body a fault
    doc = etree.fromstring(response.content)
    return doc.findtext(".//s:Fault/detail/e:ResponseCode", namespaces=NS)


GET_INBOX = (
    "<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>"
    '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
)


# -- HTTP and SOAP envelope -----------------------------------------------------------------------


def test_unauthenticated_requests_get_both_challenges(ews: Ews) -> None:
    response = requests.post(ews.url, data=b"<x/>", timeout=10)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert "NTLM" in challenge
    assert 'Basic realm="contoso.example"' in challenge


def test_ntlm_authenticates_the_connection(ews: Ews) -> None:
    ews.session.auth = HttpNtlmAuth(USER, PASSWORD)
    first = ews.post(GET_INBOX)
    assert first.status_code == 200
    # The handshake is bound to the kept-alive connection: later requests need no header.
    second = ews.post(GET_INBOX)
    assert second.status_code == 200
    assert "Authorization" not in second.request.headers
    assert codes(etree.fromstring(second.content)) == ["NoError"]


@pytest.mark.parametrize(
    "user", ["svc-search", "svc-search@contoso.example", "contoso\\SVC-SEARCH"]
)
def test_the_service_account_may_name_itself_three_ways(ews: Ews, user: str) -> None:
    ews.session.auth = HttpNtlmAuth(user, PASSWORD)
    assert ews.post(GET_INBOX).status_code == 200


@pytest.mark.parametrize(
    "user", ["CONTOSO\\alice", "OTHER\\svc-search", "svc-search@other.example"]
)
def test_other_accounts_are_refused(ews: Ews, user: str) -> None:
    ews.session.auth = HttpNtlmAuth(user, PASSWORD)
    assert ews.post(GET_INBOX).status_code == 401
    ews.session.auth = (user, PASSWORD)
    assert ews.post(GET_INBOX).status_code == 401


def test_malformed_xml_is_a_schema_validation_fault(ews: Ews) -> None:
    response = ews.raw(b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>")
    assert fault_code(response) == "ErrorSchemaValidation"
    doc = etree.fromstring(response.content)
    assert doc.findtext(".//s:Fault/faultcode", namespaces=NS) == "a:ErrorSchemaValidation"
    assert doc.findtext(".//t:MessageXml/t:LineNumber", namespaces=NS) == "1"


def test_an_unknown_operation_is_a_schema_validation_fault(ews: Ews) -> None:
    assert fault_code(ews.post("<m:LaunchRocket/>")) == "ErrorSchemaValidation"


def test_an_unsupported_server_version_is_refused(ews: Ews) -> None:
    header = '<t:RequestServerVersion Version="Exchange2031"/>'
    assert fault_code(ews.post(GET_INBOX, header)) == "ErrorInvalidServerVersion"


@pytest.mark.parametrize(
    "version", ["Exchange2010_SP2", "Exchange2013", "Exchange2013_SP1", "Exchange2016"]
)
def test_supported_versions_are_answered(ews: Ews, version: str) -> None:
    header = (
        f'<t:RequestServerVersion Version="{version}"/><t:ExchangeImpersonation><t:ConnectingSID>'
        f"<t:SmtpAddress>{ALICE}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
    )
    doc = ews.call(GET_INBOX, header)
    info = doc.find("s:Header/t:ServerVersionInfo", NS)
    assert (info.get("MajorVersion"), info.get("MinorVersion")) == ("15", "1")
    assert info.get("MajorBuildNumber") == "2507"
    assert codes(doc) == ["NoError"]


def test_impersonation_by_principal_name(ews: Ews) -> None:
    header = (
        '<t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation>'
        "<t:ConnectingSID><t:PrincipalName>alice@contoso.example</t:PrincipalName>"
        "</t:ConnectingSID></t:ExchangeImpersonation>"
    )
    assert codes(ews.call(GET_INBOX, header)) == ["NoError"]


def test_impersonating_an_unknown_address_is_a_fault(ews: Ews) -> None:
    header = (
        '<t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation>'
        "<t:ConnectingSID><t:PrimarySmtpAddress>ghost@contoso.example</t:PrimarySmtpAddress>"
        "</t:ConnectingSID></t:ExchangeImpersonation>"
    )
    assert fault_code(ews.post(GET_INBOX, header)) == "ErrorNonExistentMailbox"


def test_without_impersonation_the_service_account_has_no_mailbox(ews: Ews) -> None:
    header = '<t:RequestServerVersion Version="Exchange2016"/>'
    doc = ews.call(GET_INBOX, header)
    assert codes(doc) == ["ErrorNonExistentMailbox"]


# -- folders --------------------------------------------------------------------------------------


def test_get_folder_answers_each_id_on_its_own(ews: Ews) -> None:
    ids = [
        "inbox",
        "archive",
        "calendar",
        "voicemail",
        "archivemsgfolderroot",
        "msgfolderroot",
        "root",
    ]
    body = (
        "<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape>"
        '<t:AdditionalProperties><t:FieldURI FieldURI="folder:DistinguishedFolderId"/>'
        "</t:AdditionalProperties></m:FolderShape><m:FolderIds>"
        + "".join(f'<t:DistinguishedFolderId Id="{i}"/>' for i in ids)
        + '<t:FolderId Id="AQMkADnope"/></m:FolderIds></m:GetFolder>'
    )
    doc = ews.call(body)
    assert codes(doc) == [
        "NoError",
        "NoError",
        "NoError",
        "ErrorFolderNotFound",
        "ErrorFolderNotFound",
        "NoError",
        "NoError",
        "ErrorFolderNotFound",
    ]
    folders = doc.findall(".//m:Folders/*", NS)
    names = [f.findtext("t:DisplayName", namespaces=NS) for f in folders]
    assert names == ["Inbox", "Archive", "Calendar", "Top of Information Store", "Root"]
    assert etree.QName(folders[2]).localname == "CalendarFolder"
    assert folders[0].findtext("t:FolderClass", namespaces=NS) == "IPF.Note"
    assert folders[0].findtext("t:TotalCount", namespaces=NS) == "2"
    assert folders[0].findtext("t:DistinguishedFolderId", namespaces=NS) == "inbox"


def test_get_folder_id_only_returns_just_the_id(ews: Ews) -> None:
    body = GET_INBOX.replace("Default", "IdOnly")
    (folder,) = ews.call(body).findall(".//m:Folders/*", NS)
    assert [etree.QName(c).localname for c in folder] == ["FolderId"]


def find_folder(traversal: str, offset: int, size: int, parent: str = "msgfolderroot") -> str:
    return (
        f'<m:FindFolder Traversal="{traversal}"><m:FolderShape><t:BaseShape>Default</t:BaseShape>'
        f'</m:FolderShape><m:IndexedPageFolderView MaxEntriesReturned="{size}" Offset="{offset}" '
        f'BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="{parent}"/>'
        "</m:ParentFolderIds></m:FindFolder>"
    )


def test_find_folder_shallow_deep_and_paged(ews: Ews) -> None:
    shallow = ews.call(find_folder("Shallow", 0, 100))
    names = [n.text for n in shallow.iterfind(".//t:Folders/*/t:DisplayName", NS)]
    assert "Inbox" in names and "Birthdays" not in names
    deep = ews.call(find_folder("Deep", 0, 100))
    root = deep.find(".//m:RootFolder", NS)
    total = int(root.get("TotalItemsInView"))
    assert "Birthdays" in [n.text for n in deep.iterfind(".//t:Folders/*/t:DisplayName", NS)]
    seen: list[str] = []
    offset = 0
    while True:
        page = ews.call(find_folder("Deep", offset, 3)).find(".//m:RootFolder", NS)
        seen += [n.text for n in page.iterfind("t:Folders/*/t:DisplayName", NS)]
        offset = int(page.get("IndexedPagingOffset"))
        if page.get("IncludesLastItemInRange") == "true":
            break
    assert len(seen) == total


# -- items ----------------------------------------------------------------------------------------


def find_items(offset: int, size: int, extra: str = "", base: str = "Beginning") -> str:
    return (
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        '<t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>'
        f'</m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="{size}" Offset="{offset}" '
        f'BasePoint="{base}"/>{extra}<m:ParentFolderIds>'
        '<t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>'
    )


def folder_id(ews: Ews, name: str) -> str:
    doc = ews.call(find_folder("Shallow", 0, 100))
    for folder in doc.iterfind(".//t:Folders/*", NS):
        if folder.findtext("t:DisplayName", namespaces=NS) == name:
            return folder.find("t:FolderId", NS).get("Id")
    raise AssertionError(name)


def bulk_find(
    ews: Ews, offset: int, size: int, extra: str = "", base: str = "Beginning"
) -> etree._Element:
    body = find_items(offset, size, extra, base).replace(
        '<t:DistinguishedFolderId Id="inbox"/>', f'<t:FolderId Id="{folder_id(ews, "Bulk")}"/>'
    )
    return ews.call(body).find(".//m:RootFolder", NS)


SORT_SUBJECT = (
    '<m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:Subject"/>'
    "</t:FieldOrder></m:SortOrder>"
)


def subjects(root: etree._Element) -> list[str]:
    return [s.text for s in root.iterfind("t:Items/*/t:Subject", NS)]


def test_find_item_paging_attributes(ews: Ews) -> None:
    first = bulk_find(ews, 0, 100, SORT_SUBJECT)
    assert (first.get("TotalItemsInView"), first.get("IndexedPagingOffset")) == (str(BULK), "100")
    assert first.get("IncludesLastItemInRange") == "false"
    assert subjects(first)[:2] == ["Bulk 000", "Bulk 001"]
    last = bulk_find(ews, 200, 100, SORT_SUBJECT)
    assert last.get("IncludesLastItemInRange") == "true"
    assert len(subjects(last)) == BULK - 200
    from_end = bulk_find(ews, 0, 10, SORT_SUBJECT, base="End")
    assert subjects(from_end) == [f"Bulk {n:03d}" for n in range(BULK - 10, BULK)]


def test_find_item_never_returns_bodies_or_recipient_lists(ews: Ews) -> None:
    body = find_items(0, 10).replace(
        '<t:FieldURI FieldURI="item:Subject"/>',
        '<t:FieldURI FieldURI="item:Body"/><t:FieldURI FieldURI="message:ToRecipients"/>'
        '<t:FieldURI FieldURI="item:DisplayTo"/>',
    )
    items = ews.call(body).findall(".//t:Items/*", NS)
    assert items
    for item in items:
        assert item.find("t:Body", NS) is None
        assert item.find("t:ToRecipients", NS) is None
        assert item.findtext("t:DisplayTo", namespaces=NS) == "Alice Example"


def comparison(op: str, uri: str, value: str) -> str:
    return (
        f'<t:{op}><t:FieldURI FieldURI="{uri}"/>'
        f'<t:FieldURIOrConstant><t:Constant Value="{value}"/></t:FieldURIOrConstant></t:{op}>'
    )


def restriction(expression: str) -> str:
    return f"<m:Restriction>{expression}</m:Restriction>"


def test_find_item_restrictions(ews: Ews) -> None:
    after = restriction(
        comparison("IsGreaterThan", "item:DateTimeReceived", "2024-01-10T23:30:00Z")
    )
    assert len(subjects(bulk_find(ews, 0, 100, after + SORT_SUBJECT))) == 10
    either = restriction(
        "<t:Or>"
        + comparison("IsEqualTo", "item:Subject", "Bulk 003")
        + comparison("IsLessThan", "item:LastModifiedTime", "2024-01-01T02:00:00Z")
        + "</t:Or>"
    )
    assert subjects(bulk_find(ews, 0, 100, either + SORT_SUBJECT)) == [
        "Bulk 000",
        "Bulk 001",
        "Bulk 003",
    ]
    window = restriction(
        "<t:And>"
        + comparison("IsGreaterThanOrEqualTo", "item:DateTimeReceived", "2024-01-02T00:00:00Z")
        + comparison("IsLessThan", "item:DateTimeReceived", "2024-01-02T03:00:00Z")
        + "</t:And>"
    )
    assert subjects(bulk_find(ews, 0, 100, window + SORT_SUBJECT)) == [
        "Bulk 024",
        "Bulk 025",
        "Bulk 026",
    ]


def test_calendar_view_and_its_limits(ews: Ews) -> None:
    body = (
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>'
        '<m:CalendarView MaxEntriesReturned="2" StartDate="2024-09-01T00:00:00Z" '
        'EndDate="2024-09-30T00:00:00Z"/><m:ParentFolderIds>'
        '<t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>'
    )
    root = ews.call(body).find(".//m:RootFolder", NS)
    assert root.get("IncludesLastItemInRange") == "false"
    assert len(root.findall("t:Items/t:CalendarItem", NS)) == 2
    wrong = body.replace('Id="calendar"', 'Id="inbox"')
    assert codes(ews.call(wrong)) == ["ErrorCalendarFolderIsInvalidForCalendarView"]
    too_long = body.replace("2024-09-30", "2027-09-30")
    assert codes(ews.call(too_long)) == ["ErrorCalendarViewRangeTooBig"]
    backwards = body.replace("2024-09-30", "2023-09-30")
    assert codes(ews.call(backwards)) == ["ErrorCalendarEndDateIsEarlierThanStartDate"]


def inbox_ids(ews: Ews) -> list[str]:
    doc = ews.call(find_items(0, 10))
    return [i.get("Id") for i in doc.iterfind(".//t:Items/*/t:ItemId", NS)]


def get_item(ids: list[str], body_type: str = "Best", extra: str = "") -> str:
    return (
        f"<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape><t:BodyType>{body_type}"
        f"</t:BodyType>{extra}</m:ItemShape><m:ItemIds>"
        + "".join(f'<t:ItemId Id="{i}"/>' for i in ids)
        + "</m:ItemIds></m:GetItem>"
    )


def test_get_item_answers_each_id_on_its_own(ews: Ews) -> None:
    ids = inbox_ids(ews)
    doc = ews.call(get_item([ids[0], "AAMkAGnope", ids[1]]))
    assert codes(doc) == ["NoError", "ErrorItemNotFound", "NoError"]
    assert len(doc.findall(".//m:Items/*", NS)) == 2


@pytest.mark.parametrize(
    ("body_type", "expected_type", "fragment"),
    [
        ("HTML", "HTML", "<b>numbers</b>"),
        ("Text", "Text", "The numbers are in."),
        ("Best", "HTML", "<b>"),
    ],
)
def test_body_types(ews: Ews, body_type: str, expected_type: str, fragment: str) -> None:
    doc = ews.call(get_item(inbox_ids(ews), body_type))
    bodies = {b.text for b in doc.iterfind(".//t:Body", NS) if fragment in (b.text or "")}
    assert bodies
    assert {b.get("BodyType") for b in doc.iterfind(".//t:Body", NS)} <= {expected_type, "Text"}


def test_get_item_returns_mime_content_when_asked(ews: Ews) -> None:
    extra = (
        '<t:AdditionalProperties><t:FieldURI FieldURI="item:MimeContent"/></t:AdditionalProperties>'
    )
    doc = ews.call(get_item(inbox_ids(ews), extra=extra))
    mime = [base64.b64decode(m.text) for m in doc.iterfind(".//t:MimeContent", NS)]
    assert any(b"Subject: Quarterly report" in m for m in mime)


def test_get_attachment_unknown_id(ews: Ews) -> None:
    body = '<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="AAMkATnope"/></m:AttachmentIds></m:GetAttachment>'
    assert codes(ews.call(body)) == ["ErrorItemNotFound"]


# -- sync -----------------------------------------------------------------------------------------


def sync(max_changes: int | str, state: str | None = None) -> str:
    state_el = f"<m:SyncState>{state}</m:SyncState>" if state is not None else ""
    return (
        "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
        '<m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId>'
        f"{state_el}<m:MaxChangesReturned>{max_changes}</m:MaxChangesReturned></m:SyncFolderItems>"
    )


@pytest.mark.parametrize("bad", ["0", "513", "many"])
def test_max_changes_returned_must_be_1_to_512(ews: Ews, bad: str) -> None:
    assert fault_code(ews.post(sync(bad))) == "ErrorSchemaValidation"


@pytest.mark.parametrize("state", ["not base64!", base64.b64encode(b"garbage").decode()])
def test_an_invalid_sync_state_is_refused(ews: Ews, state: str) -> None:
    assert codes(ews.call(sync(10, state))) == ["ErrorInvalidSyncStateData"]


def test_a_sync_state_of_another_folder_is_refused(ews: Ews) -> None:
    doc = ews.call(sync(10))
    state = doc.findtext(".//m:SyncState", namespaces=NS)
    other = sync(10, state).replace('Id="inbox"', 'Id="calendar"')
    assert codes(ews.call(other)) == ["ErrorInvalidSyncStateData"]


def test_sync_pages_one_change_at_a_time(ews: Ews) -> None:
    doc = ews.call(sync(1))
    assert doc.findtext(".//m:IncludesLastItemInRange", namespaces=NS) == "false"
    state = doc.findtext(".//m:SyncState", namespaces=NS)
    doc = ews.call(sync(1, state))
    assert doc.findtext(".//m:IncludesLastItemInRange", namespaces=NS) == "true"
    assert len(doc.findall(".//m:Changes/t:Create", NS)) == 1
    state = doc.findtext(".//m:SyncState", namespaces=NS)
    doc = ews.call(sync(1, state))
    assert doc.findall(".//m:Changes/*", NS) == []


# -- ConvertId ------------------------------------------------------------------------------------


FORMATS = ["EwsId", "EwsLegacyId", "EntryId", "HexEntryId", "StoreId", "OwaId"]


def convert(value: str, source: str, destination: str) -> str:
    return (
        f'<m:ConvertId DestinationFormat="{destination}"><m:SourceIds>'
        f'<t:AlternateId Format="{source}" Id="{value}" Mailbox="{ALICE}"/>'
        "</m:SourceIds></m:ConvertId>"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_convert_id_round_trips(ews: Ews, fmt: str) -> None:
    original = inbox_ids(ews)[0]
    there = ews.call(convert(original, "EwsId", fmt)).find(".//m:AlternateId", NS)
    assert there.get("Format") == fmt and there.get("Mailbox") == ALICE
    back = ews.call(convert(there.get("Id"), fmt, "EwsId")).find(".//m:AlternateId", NS)
    assert back.get("Id") == original


def test_convert_id_reports_malformed_ids_one_by_one(ews: Ews) -> None:
    body = (
        '<m:ConvertId DestinationFormat="EwsId"><m:SourceIds>'
        f'<t:AlternateId Format="HexEntryId" Id="zz" Mailbox="{ALICE}"/>'
        f'<t:AlternateId Format="EntryId" Id="{base64.b64encode(b"AAMkAGx").decode()}" Mailbox="{ALICE}"/>'
        "</m:SourceIds></m:ConvertId>"
    )
    assert codes(ews.call(body)) == ["ErrorInvalidIdMalformed", "NoError"]


def test_keep_alive_connection_serves_many_requests(ews: Ews) -> None:
    # Exchange keeps connections open (NTLM depends on it); one socket, several requests.
    host, port = ews.server.host, ews.server.port
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    body = (
        f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}"><s:Header>'
        f'<t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body>{GET_INBOX}'
        "</s:Body></s:Envelope>"
    ).encode()
    request = (
        f"POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {token}\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection((host, port), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(request)
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(65536)
            header, _, rest = head.partition(b"\r\n\r\n")
            length = int(
                next(
                    h for h in header.split(b"\r\n") if h.lower().startswith(b"content-length")
                ).split(b":")[1]
            )
            while len(rest) < length:
                rest += sock.recv(65536)
            assert header.startswith(b"HTTP/1.1 200")


def test_ntlm_inside_negotiate(ews: Ews) -> None:
    import spnego

    client = spnego.client(USER, PASSWORD, protocol="ntlm")
    ews.session.auth = None
    negotiate = client.step()
    first = ews.post(GET_INBOX, authorization=f"Negotiate {base64.b64encode(negotiate).decode()}")
    assert first.status_code == 401
    scheme, _, token = first.headers["WWW-Authenticate"].partition(" ")
    assert scheme == "Negotiate"
    authenticate = client.step(base64.b64decode(token))
    second = ews.post(
        GET_INBOX, authorization=f"Negotiate {base64.b64encode(authenticate).decode()}"
    )
    assert second.status_code == 200


def contact_notes(ews: Ews, version: str) -> str | None:
    header = (
        f'<t:RequestServerVersion Version="{version}"/><t:ExchangeImpersonation><t:ConnectingSID>'
        f"<t:SmtpAddress>{ALICE}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
    )
    find = (
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        '</m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/>'
        "</m:ParentFolderIds></m:FindItem>"
    )
    ids = [i.get("Id") for i in ews.call(find, header).iterfind(".//t:Contact/t:ItemId", NS)]
    doc = ews.call(get_item(ids).replace("Default", "AllProperties"), header)
    return doc.findtext(".//t:Contact/t:Notes", namespaces=NS)


def test_elements_newer_than_the_requested_version_are_left_out(ews: Ews) -> None:
    assert contact_notes(ews, "Exchange2013") == "Prefers phone calls."
    assert contact_notes(ews, "Exchange2010_SP1") is None


def ntlm_messages(ews: Ews, user: str = USER) -> tuple[object, requests.Response]:
    import spnego

    client = spnego.client(user, PASSWORD, protocol="ntlm")
    ews.session.auth = None
    first = ews.post(GET_INBOX, authorization=f"NTLM {base64.b64encode(client.step()).decode()}")
    return client, first


def test_a_tampered_ntlm_message_is_refused(ews: Ews) -> None:
    from spnego._ntlm_raw.messages import Authenticate

    client, first = ntlm_messages(ews)
    challenge = base64.b64decode(first.headers["WWW-Authenticate"].partition(" ")[2])
    authenticate = Authenticate.unpack(client.step(challenge))
    assert authenticate.mic is not None  # pyspnego sends a MIC, so the server checks it
    authenticate.mic = bytes(16)
    forged = base64.b64encode(authenticate.pack()).decode()
    assert ews.post(GET_INBOX, authorization=f"NTLM {forged}").status_code == 401


def test_an_ntlm_message_for_another_handshake_is_refused(ews: Ews) -> None:
    client, first = ntlm_messages(ews)
    challenge = base64.b64decode(first.headers["WWW-Authenticate"].partition(" ")[2])
    answer = base64.b64encode(client.step(challenge)).decode()
    assert ews.post(GET_INBOX, authorization=f"NTLM {answer}").status_code == 200
    # Replayed on the same connection after the handshake completed: no challenge is pending.
    assert ews.post(GET_INBOX, authorization=f"NTLM {answer}").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape></m:GetItem>",
        '<m:GetFolder><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>',
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        "</m:ItemShape></m:FindItem>",
        '<m:ConvertId DestinationFormat="Nonsense"><m:SourceIds>'
        f'<t:AlternateId Format="EwsId" Id="x" Mailbox="{ALICE}"/></m:SourceIds></m:ConvertId>',
        "<m:GetItem><m:ItemShape><t:BaseShape>Everything</t:BaseShape></m:ItemShape>"
        '<m:ItemIds><t:ItemId Id="x"/></m:ItemIds></m:GetItem>',
    ],
)
def test_requests_missing_what_the_schema_requires_fail_validation(ews: Ews, body: str) -> None:
    assert fault_code(ews.post(body)) == "ErrorSchemaValidation"


def test_concurrent_ntlm_connections_do_not_mix(ews: Ews) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def client(n: int) -> list[int]:
        session = requests.Session()
        session.trust_env = False
        # Every other client signs in with a wrong password on its own connection.
        password = PASSWORD if n % 2 == 0 else "wrong"
        session.auth = HttpNtlmAuth(USER, password)
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        envelope = (
            f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}">'
            '<s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header>'
            f"<s:Body>{GET_INBOX}</s:Body></s:Envelope>"
        ).encode()
        with session:
            return [
                session.post(ews.url, data=envelope, headers=headers, timeout=30).status_code
                for _ in range(4)
            ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(client, range(8)))
    for n, statuses in enumerate(results):
        assert statuses == ([200] * 4 if n % 2 == 0 else [401] * 4)


def bulk_codes(ews: Ews, offset: int, size: int, extra: str = "") -> list[str]:
    body = find_items(offset, size, extra).replace(
        '<t:DistinguishedFolderId Id="inbox"/>', f'<t:FolderId Id="{folder_id(ews, "Bulk")}"/>'
    )
    return codes(ews.call(body))


def test_bad_paging_values_are_errors_of_the_response(ews: Ews) -> None:
    assert bulk_codes(ews, -1, 10) == ["ErrorInvalidIndexedPagingParameters"]
    assert bulk_codes(ews, 0, 0) == ["ErrorInvalidPagingMaxRows"]


def test_a_restriction_value_of_the_wrong_type_is_an_error(ews: Ews) -> None:
    bad = restriction(comparison("IsGreaterThan", "item:DateTimeReceived", "yesterday"))
    assert bulk_codes(ews, 0, 10, bad) == ["ErrorInvalidValueForProperty"]


def test_a_property_compared_with_another(ews: Ews) -> None:
    same = restriction(
        '<t:IsEqualTo><t:FieldURI FieldURI="item:DateTimeSent"/><t:FieldURIOrConstant>'
        '<t:FieldURI FieldURI="item:DateTimeReceived"/></t:FieldURIOrConstant></t:IsEqualTo>'
    )
    root = bulk_find(ews, 0, 1000, same)
    assert root.get("TotalItemsInView") == str(BULK)


@pytest.mark.parametrize(
    "authorization",
    [
        "NTLM " + base64.b64encode(b"NTLMSSP\x00\x01\x00\x00\x00garbage").decode(),
        "NTLM " + base64.b64encode(b"NTLMSSP\x00\x03\x00\x00\x00garbage").decode(),
        "NTLM not-base64!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer abc.def.ghi",
    ],
)
def test_malformed_credentials_are_refused_not_crashed_on(ews: Ews, authorization: str) -> None:
    ews.session.auth = None
    assert ews.post(GET_INBOX, authorization=authorization).status_code == 401


def test_an_emulator_defect_is_still_a_soap_fault(
    ews: Ews, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outlook_emulator.ews import operations

    def broken(*args: object) -> None:
        raise RuntimeError("defect")

    monkeypatch.setitem(operations.OPERATIONS, "GetFolder", broken)
    assert fault_code(ews.post(GET_INBOX)) == "ErrorInternalServerError"


def test_include_mime_content_and_maximum_body_size(ews: Ews) -> None:
    body = (
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>"
        "<t:IncludeMimeContent>true</t:IncludeMimeContent><t:BodyType>Text</t:BodyType>"
        "<t:MaximumBodySize>0</t:MaximumBodySize><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties></m:ItemShape><m:ItemIds>'
        + "".join(f'<t:ItemId Id="{i}"/>' for i in inbox_ids(ews))
        + "</m:ItemIds></m:GetItem>"
    )
    doc = ews.call(body)
    assert len(doc.findall(".//t:MimeContent", NS)) == 2
    bodies = doc.findall(".//t:Body", NS)
    assert bodies and all(not b.text for b in bodies)
    assert [b.get("IsTruncated") for b in bodies].count("true") >= 1  # the report's body
