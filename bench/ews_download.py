"""The network ceiling of an Exchange Server sync: a minimal EWS client that only downloads.

It makes the requests the connector's EWS source makes for a full sync, in
the same shape, and parses every reply only as far as it needs ids and the
next sync state; it maps nothing and stores nothing:

- per mailbox, by impersonation (the ``ExchangeImpersonation`` SOAP header and
  ``X-AnchorMailbox``, ``RequestServerVersion`` Exchange2013_SP1, UTC time
  zone context): one GetFolder of the distinguished folders; FindFolder
  (Shallow) below the message folder root for the Archive folder; FindFolder
  (Deep) below Contacts, Calendar and Tasks;
- per synced folder, every SyncFolderItems page (IdOnly, ``MaxChangesReturned``
  = the source's ``sync_page_size``), then GetItem (IdOnly, ``BodyType`` Text)
  per 100 created or changed ids with the source's own AdditionalProperties
  (``item_fields`` and ``folder_fields`` are imported from the source and
  serialised by exchangelib, as the source does, so they cannot drift);
- GetAttachment for the attachments the connector downloads: of mails, events
  and tasks, selected by the advanced rules and not skipped by the extraction
  policy (``skip_reason``) for its name, type and size. Those of one page are
  asked for several to a request, grouped as the connector groups them: files
  apart from attached items (an attached item is asked for with its MIME
  content and text body), at most ``BATCH_MAX_ATTACHMENTS`` ids and
  ``BATCH_MAX_BYTES`` of declared size a request, an attachment of unknown or
  larger size alone (the bounds and ``request_groups`` are imported from the
  connector, so they cannot drift).

Concurrency is the connector's: ``max_concurrent_mailboxes`` mailboxes at once
(one thread each); the GetAttachment requests of a page are sent by one pool of
4 × ``max_concurrent_mailboxes`` threads shared by all mailboxes while the
mailbox thread reads the next page (the sync engine reads one page ahead); and
at most ``max_concurrent_mailboxes`` HTTP connections in all, the size of the
source's exchangelib session pool (``max_connections``, blocking).

Sign-in: Basic (the emulator's EWS accepts Basic and NTLM; the connector signs
in with NTLM, which the emulator keeps per kept-alive connection, so after the
first request on a connection neither costs a round trip).

Run on its own against a served tenant:

    python bench/ews_download.py --config outlook.toml

``items`` counts the items GetItem returned and ``attachment_documents`` the
attachments listed with them (downloaded or not): together they are the
documents a full sync indexes, except files nested in archives and mails,
which only extraction finds.
"""

from __future__ import annotations

import argparse
import json
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import httpx
from exchangelib.services.common import shape_element
from exchangelib.util import xml_to_str
from exchangelib.version import EXCHANGE_2013_SP1, Version
from lxml import etree

from outlook_connector.config import load_config
from outlook_connector.documents import DEFAULT_MAIL_FOLDERS
from outlook_connector.extraction import ExtractionLimits, skip_reason
from outlook_connector.extraction.formats import default_registry
from outlook_connector.sources.ews import folders
from outlook_connector.sources.ews.attachments import BATCH_MAX_ATTACHMENTS, BATCH_MAX_BYTES
from outlook_connector.sources.ews.fields import item_fields
from outlook_connector.sources.ews.reader import _DISTINGUISHED
from outlook_connector.sources.ews.settings import EwsSettings
from outlook_connector.sync.attachments import request_groups
from outlook_connector.sync.runner import extraction_limits

M = "{http://schemas.microsoft.com/exchange/services/2006/messages}"
T = "{http://schemas.microsoft.com/exchange/services/2006/types}"
_NS = (
    'xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"'
)
_VERSION = Version(build=EXCHANGE_2013_SP1)
# What exchangelib sends on every request of the source's sessions.
_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "Accept-Encoding": "gzip, deflate"}
_ATTACHMENT_KINDS = ("mail", "calendar", "tasks")  # contacts' attachments are not indexed
_GET_ITEM_CHUNK = 100
_FIND_FOLDER_PAGE = 100  # exchangelib's FindFolder page size
_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True)
# Seconds to wait for a reply before sending the request again. The emulator
# answers in well under a second, but about one request in a thousand on a
# reused connection gets no answer at all (a ReadTimeout after any wait) or a
# disconnect; the time such tries cost is counted in ``retry_seconds``.
READ_TIMEOUT = 10.0


class EwsError(Exception):
    """An EWS error answer; ``back_off`` in seconds for ErrorServerBusy."""

    def __init__(self, code: str, text: str, back_off: float | None = None) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.back_off = back_off


@dataclass
class Tally:
    requests: int = 0
    items: int = 0
    attachment_documents: int = 0  # listed with their items
    attachments: int = 0  # downloaded
    bytes: int = 0
    retries: int = 0  # sent again after a dropped connection or ErrorServerBusy
    retry_causes: Counter[str] = field(default_factory=Counter)
    retry_seconds: float = 0.0  # time the failed tries took before they failed
    by_kind: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, size: int) -> None:
        with self.lock:
            self.requests += 1
            self.bytes += size
            self.by_kind[kind] += 1

    def retried(self, cause: str, seconds: float = 0.0) -> None:
        with self.lock:
            self.retries += 1
            self.retry_causes[cause] += 1
            self.retry_seconds += seconds


def _item_shape(kind: str) -> str:
    """The GetItem ItemShape of a collection kind, as ``TextGetItem`` builds it."""
    shape = shape_element("m:ItemShape", "IdOnly", item_fields(kind), _VERSION)
    body_type = etree.Element(f"{T}BodyType")
    body_type.text = "Text"
    shape.insert(1, body_type)
    return str(xml_to_str(shape))


def _folder_shape() -> str:
    return str(xml_to_str(shape_element("m:FolderShape", "IdOnly", folders.folder_fields(),
                                        _VERSION)))


def _strip_ns(xml: str) -> str:
    """An element serialised alone declares its namespaces; the envelope declares them once."""
    return xml.replace(' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"',
                       "").replace(
        ' xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"', "")


@dataclass(frozen=True)
class Attachment:
    id: str
    name: str
    content_type: str | None
    size: int | None
    is_item: bool


class Downloader:
    def __init__(
        self,
        endpoint: str,
        username: str,
        password: str,
        verify: Any,
        mailboxes: list[str],
        *,
        page_size: int = 100,
        mailboxes_at_once: int = 4,
        limits: ExtractionLimits | None = None,
        selected: Callable[[str], bool] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.mailboxes = mailboxes
        self.page_size = page_size
        self.mailboxes_at_once = mailboxes_at_once
        self.limits = limits or ExtractionLimits()
        # Built once, as the connector's extractor holds one registry for a sync.
        self.registry = default_registry()
        self.selected = selected  # by file name, as the advanced rules select attachments
        self.http = httpx.Client(
            verify=verify, timeout=httpx.Timeout(30, read=READ_TIMEOUT, pool=None), trust_env=False,
            auth=httpx.BasicAuth(username, password), headers=_HEADERS,
            limits=httpx.Limits(max_connections=mailboxes_at_once,
                                max_keepalive_connections=mailboxes_at_once),
        )
        self.shapes = {kind: _strip_ns(_item_shape(kind))
                       for kind in ("mail", "contacts", "calendar", "tasks")}
        self.folder_shape = _strip_ns(_folder_shape())
        self.tally = Tally()

    def close(self) -> None:
        self.http.close()

    # -- requests ------------------------------------------------------------------

    def call(self, kind: str, mailbox: str, body: str) -> etree._Element:
        """One SOAP request as the mailbox; the parsed ``ResponseMessages`` children."""
        envelope = (
            f"<?xml version='1.0' encoding='utf-8'?>\n<s:Envelope {_NS}><s:Header>"
            '<t:RequestServerVersion Version="Exchange2013_SP1"/>'
            "<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>"
            f"{escape(mailbox)}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
            '<t:TimeZoneContext><t:TimeZoneDefinition Id="UTC"/></t:TimeZoneContext>'
            f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
        ).encode()
        while True:
            response = self.send(envelope, mailbox)
            try:
                root = self.parse(response)
            except EwsError as exc:
                if exc.code != "ErrorServerBusy":
                    raise
                self.tally.retried("ErrorServerBusy")
                time.sleep(exc.back_off or 0.0)  # as long as the server asked, like the source
                continue
            messages = root.find(f".//{M}ResponseMessages")
            if messages is None:
                raise EwsError("NoResponseMessages", f"{kind} answered without messages")
            self.tally.add(kind, len(response.content))
            return messages

    def send(self, envelope: bytes, mailbox: str) -> httpx.Response:
        """A POST, sent again after a dropped connection or a 5xx (as the source does)."""
        for attempt in range(4):
            started = time.perf_counter()
            try:
                response = self.http.post(self.endpoint, content=envelope,
                                          headers={"X-AnchorMailbox": mailbox})
            except httpx.TransportError as exc:
                if attempt == 3:
                    raise
                self.tally.retried(type(exc).__name__, time.perf_counter() - started)
                continue
            if response.status_code in (502, 503, 504) and attempt < 3:
                self.tally.retried(f"HTTP {response.status_code}")
                time.sleep(float(response.headers.get("Retry-After", "0.5")))
                continue
            return response
        raise AssertionError("unreachable")

    @staticmethod
    def parse(response: httpx.Response) -> etree._Element:
        if response.status_code == 500 and b"Fault" in response.content:
            root = etree.fromstring(response.content, _PARSER)
            code = root.findtext(".//{*}ResponseCode") or root.findtext(".//faultcode") or "?"
            back_off = root.findtext(".//{*}BackOffMilliseconds")
            raise EwsError(code.split(":")[-1], root.findtext(".//faultstring") or "",
                           int(back_off) / 1000 if back_off else None)
        response.raise_for_status()
        return etree.fromstring(response.content, _PARSER)

    @staticmethod
    def ok(message: etree._Element) -> bool:
        return message.get("ResponseClass") != "Error"

    # -- the walk ------------------------------------------------------------------

    def run(self) -> Tally:
        with ThreadPoolExecutor(4 * self.mailboxes_at_once,
                                thread_name_prefix="attachment") as attachments, \
                ThreadPoolExecutor(max(1, min(self.mailboxes_at_once, len(self.mailboxes))),
                                   thread_name_prefix="mailbox") as pool:
            list(pool.map(lambda m: self.mailbox(m, attachments), self.mailboxes))
        return self.tally

    def mailbox(self, address: str, attachments: ThreadPoolExecutor) -> None:
        pending: list[Future[None]] = []
        for kind, folder_id in self.collections(address):
            for ids in self.sync_pages(address, folder_id):
                found = self.get_items(address, kind, ids)
                # The engine commits a page (and fetches its attachments) while the
                # next page is read: wait for the previous page's attachments only now.
                for future in pending:
                    future.result()
                pending = [attachments.submit(self.get_attachments, address, request)
                           for request in self.requests(found)]
        for future in pending:
            future.result()

    def collections(self, address: str) -> list[tuple[str, str]]:
        """(kind, folder id) of every folder the source syncs, in its order."""
        refs = "".join(
            f'<t:DistinguishedFolderId Id="{name}"><t:Mailbox><t:EmailAddress>{escape(address)}'
            "</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox"
            "</t:MailboxType></t:Mailbox></t:DistinguishedFolderId>" for name in _DISTINGUISHED)
        answers = self.call("GetFolder", address, f"<m:GetFolder>{self.folder_shape}"
                            f"<m:FolderIds>{refs}</m:FolderIds></m:GetFolder>")
        known: dict[str, folders.FolderInfo] = {}
        for name, message in zip(_DISTINGUISHED, answers, strict=False):
            folder = message.find(f"{M}Folders")
            if self.ok(message) and folder is not None and len(folder):
                known[name] = folders.parse_folder(folder[0])
        out: list[tuple[str, str]] = []
        for name in DEFAULT_MAIL_FOLDERS:
            info = known.get(name)
            if name == "archive" and "msgfolderroot" in known:
                below = self.find_folders(address, known["msgfolderroot"].id, "Shallow")
                info = next((f for f in below if folders.is_archive(f)), None)
            if info is not None:
                out.append(("mail", info.id))
        for kind, classes in (("contacts", folders.CONTACT_CLASSES),
                              ("calendar", folders.CALENDAR_CLASSES),
                              ("tasks", folders.TASK_CLASSES)):
            top = known.get(kind)
            if top is None:
                continue
            below = self.find_folders(address, top.id, "Deep")
            out += [(kind, f.id) for f in [top, *(f for f in below if f.folder_class in classes)]]
        return out

    def find_folders(self, address: str, parent: str, depth: str) -> list[folders.FolderInfo]:
        found: list[folders.FolderInfo] = []
        offset = 0
        while True:
            answers = self.call(
                "FindFolder", address,
                f'<m:FindFolder Traversal="{depth}">{self.folder_shape}'
                f'<m:IndexedPageFolderView MaxEntriesReturned="{_FIND_FOLDER_PAGE}" '
                f'Offset="{offset}" BasePoint="Beginning"/><m:ParentFolderIds>'
                f"<t:FolderId Id={quoteattr(parent)}/></m:ParentFolderIds></m:FindFolder>")
            root = answers[0].find(f"{M}RootFolder")
            if root is None:
                raise EwsError(answers[0].findtext(f"{M}ResponseCode") or "?", "FindFolder")
            page = [folders.parse_folder(e) for e in root.iterfind(f"{T}Folders/*")]
            found += page
            if root.get("IncludesLastItemInRange") != "false" or not page:
                return found
            offset += len(page)

    def sync_pages(self, address: str, folder_id: str) -> Iterator[list[str]]:
        """The created or changed item ids of each SyncFolderItems page."""
        state: str | None = None
        while True:
            state_xml = f"<m:SyncState>{state}</m:SyncState>" if state else ""
            message = self.call(
                "SyncFolderItems", address,
                "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
                f"<m:SyncFolderId><t:FolderId Id={quoteattr(folder_id)}/></m:SyncFolderId>"
                f"{state_xml}<m:MaxChangesReturned>{self.page_size}</m:MaxChangesReturned>"
                "<m:SyncScope>NormalItems</m:SyncScope></m:SyncFolderItems>")[0]
            new_state = message.findtext(f"{M}SyncState")
            if new_state is None:
                raise EwsError(message.findtext(f"{M}ResponseCode") or "?", "SyncFolderItems")
            ids: dict[str, None] = {}
            for change in message.iterfind(f"{M}Changes/*"):
                tag = change.tag.rsplit("}", 1)[-1]
                if tag in ("Create", "Update") and len(change):
                    item_id = change[0].find(f"{T}ItemId")
                    if item_id is not None:
                        ids[item_id.get("Id", "")] = None
                elif tag == "Delete":
                    item_id = change.find(f"{T}ItemId")
                    if item_id is not None:
                        ids.pop(item_id.get("Id", ""), None)
            yield list(ids)
            if message.findtext(f"{M}IncludesLastItemInRange") == "true" or new_state == state:
                return
            state = new_state

    def get_items(self, address: str, kind: str, ids: list[str]) -> list[Attachment]:
        """GetItem per 100 ids; the attachments the connector would download."""
        found: list[Attachment] = []
        chunk = min(_GET_ITEM_CHUNK, self.page_size)
        for start in range(0, len(ids), chunk):
            refs = "".join(f"<t:ItemId Id={quoteattr(i)}/>" for i in ids[start : start + chunk])
            answers = self.call("GetItem", address, f"<m:GetItem>{self.shapes[kind]}"
                                f"<m:ItemIds>{refs}</m:ItemIds></m:GetItem>")
            items = listed = 0
            for message in answers:
                container = message.find(f"{M}Items")
                if not self.ok(message) or container is None or not len(container):
                    continue
                items += 1
                if kind not in _ATTACHMENT_KINDS:
                    continue
                for attachment in self.attachments(container[0]):
                    listed += 1
                    if self.wanted(attachment):
                        found.append(attachment)
            with self.tally.lock:
                self.tally.items += items
                self.tally.attachment_documents += listed
        return found

    @staticmethod
    def attachments(item: etree._Element) -> Iterator[Attachment]:
        for elem in item.iterfind(f"{T}Attachments/*"):
            id_elem = elem.find(f"{T}AttachmentId")
            if id_elem is None or not id_elem.get("Id"):
                continue
            size = elem.findtext(f"{T}Size")
            yield Attachment(
                id=id_elem.get("Id", ""), name=elem.findtext(f"{T}Name") or "",
                content_type=elem.findtext(f"{T}ContentType"),
                size=int(size) if size else None,
                is_item=elem.tag == f"{T}ItemAttachment")

    def wanted(self, attachment: Attachment) -> bool:
        """What ``AttachmentIndexer`` downloads: selected, and worth extracting."""
        if self.selected is not None and not self.selected(attachment.name):
            return False
        return skip_reason(attachment.name, attachment.content_type, attachment.size,
                           self.limits, self.registry) is None

    @staticmethod
    def requests(found: list[Attachment]) -> list[list[Attachment]]:
        """A page's attachments grouped into GetAttachment requests, as the connector does."""
        alike: dict[bool, list[int]] = {}
        for position, attachment in enumerate(found):
            alike.setdefault(attachment.is_item, []).append(position)
        requests: list[list[int]] = []
        for group in alike.values():
            sizes = [found[position].size for position in group]
            for request in request_groups(sizes, BATCH_MAX_ATTACHMENTS, BATCH_MAX_BYTES):
                requests.append([group[i] for i in request])
        return [[found[position] for position in request] for request in sorted(requests)]

    def get_attachments(self, address: str, attachments: list[Attachment]) -> None:
        """One GetAttachment for attachments of one kind (files, or attached items)."""
        shape = ("<m:AttachmentShape><t:IncludeMimeContent>true</t:IncludeMimeContent>"
                 "<t:BodyType>Text</t:BodyType></m:AttachmentShape>"
                 if attachments[0].is_item else "")
        ids = "".join(f"<t:AttachmentId Id={quoteattr(a.id)}/>" for a in attachments)
        answers = self.call("GetAttachment", address,
                            f"<m:GetAttachment>{shape}<m:AttachmentIds>{ids}</m:AttachmentIds>"
                            "</m:GetAttachment>")
        if len(answers) != len(attachments):
            raise EwsError("WrongAnswerCount", f"GetAttachment: {len(answers)} answers for "
                           f"{len(attachments)} ids")
        for answer in answers:
            if not self.ok(answer):
                raise EwsError(answer.findtext(f"{M}ResponseCode") or "?", "GetAttachment")
        with self.tally.lock:
            self.tally.attachments += len(attachments)


def from_config(path: Path, **kwargs: Any) -> Downloader:
    """A downloader for the mailboxes listed in a connector configuration (outlook_server)."""
    config = load_config(path)
    settings = EwsSettings.from_config(config)
    if not settings.mailboxes:
        raise SystemExit(f"{path}: list the mailboxes (mailboxes = [...]); "
                         "this client does not ask Active Directory")
    # The configured CA (PEM text, as the source reads it), else the system's.
    verify: Any = ssl.create_default_context(cadata=settings.ssl_ca) if settings.ssl_ca else True
    if not settings.ssl_enabled:
        verify = False
    downloader = Downloader(
        settings.service_endpoint, settings.ntlm_username, settings.secret, verify,
        list(settings.mailboxes), page_size=settings.sync_page_size,
        mailboxes_at_once=settings.max_concurrent_mailboxes,
        limits=extraction_limits(config), selected=config.advanced_rules.attachment_selected,
        **kwargs)
    return downloader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, required=True,
                        help="a connector configuration (outlook_server) listing the mailboxes")
    args = parser.parse_args()
    downloader = from_config(args.config)
    started = time.perf_counter()
    tally = downloader.run()
    wall = time.perf_counter() - started
    downloader.close()
    print(json.dumps({"seconds": round(wall, 2), "requests": tally.requests, "items": tally.items,
                      "attachment_documents": tally.attachment_documents,
                      "documents": tally.items + tally.attachment_documents,
                      "attachments_downloaded": tally.attachments, "bytes": tally.bytes,
                      "retries": tally.retries, "retry_causes": dict(tally.retry_causes),
                      "retry_seconds": round(tally.retry_seconds, 2),
                      "by_kind": dict(tally.by_kind)}))


if __name__ == "__main__":
    main()
