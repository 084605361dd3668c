"""Items read the fast ways give what exchangelib's own reading gives.

- Mails read straight from GetItem's XML (``messages.read_message``) give the
  documents exchangelib's item objects give (``services.general_item``);
- other items, read field by field only for the elements present
  (``services.item_from_xml``), have every field exchangelib reads when it
  asks each field of the model.

Checked on every mail, contact, event and task of the shared real-world corpus
as the EWS emulator serves it, and on hand-made answers for what the corpus
may not hold.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from exchangelib.folders.base import BaseFolder
from exchangelib.items import Message
from exchangelib.properties import FolderId
from lxml import etree

from outlook_connector.sources.base import Mailbox
from outlook_connector.sources.ews import EwsSettings, EwsSource, mapping
from outlook_connector.sources.ews.fields import item_fields
from outlook_connector.sources.ews.messages import MessageFacts, read_message
from outlook_connector.sources.ews.services import (
    SyncPage,
    TextGetItem,
    general_item,
    item_from_xml,
)
from tests.emulators import running_emulator, shared_dir
from tests.ews_offline import offline_source
from tests.tenants import SERVICE_PASSWORD, write_tenant

CORPUS = shared_dir() / "corpus"
BOX = "corpus@contoso.example"
T = "http://schemas.microsoft.com/exchange/services/2006/types"


class RecordingGetItem(TextGetItem):
    """GetItem that keeps a copy of every item element it reads."""

    elements: list[Any]

    def _elem_to_obj(self, elem: Any) -> Any:
        self.elements.append(copy.deepcopy(elem))
        return super()._elem_to_obj(elem)


@pytest.fixture(scope="module")
def corpus_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EwsSource]:
    if not (CORPUS / "mail").is_dir():
        pytest.skip(f"no shared corpus at {CORPUS}")
    root = write_tenant(tmp_path_factory.mktemp("corpus-items"), [BOX])
    box = root / "mailboxes" / BOX
    for kind, folder, extension in (
        ("mail", "inbox", ".eml"),
        ("calendar", "calendar", ".ics"),
        ("calendar", "tasks", ".ics"),
        ("contacts", "contacts", ".vcf"),
    ):
        (box / folder).mkdir(parents=True, exist_ok=True)
        files = sorted(p for p in (CORPUS / kind).rglob("*") if p.is_file())
        for number, path in enumerate(files):
            (box / folder / f"{number:04d}-{path.name}{extension}").symlink_to(path)
    with running_emulator(root) as info:
        source = EwsSource(
            EwsSettings(
                exchange_server=info["ews_url"],
                username="svc-search",
                password=SERVICE_PASSWORD,
                domain="contoso.example",
                ssl_enabled=True,
                ssl_ca=Path(info["ca_cert"]).read_text(encoding="utf-8"),
                mailboxes=(BOX,),
            )
        )
        try:
            yield source
        finally:
            source.close()


def item_elements(source: EwsSource, kind: str) -> list[Any]:
    """GetItem's item elements for every item in the collections of a kind, as the sync asks."""
    account = source.connection.account(BOX)
    elements: list[Any] = []
    for collection in source.collections(Mailbox(BOX)):
        if collection.key.split(":")[0] != kind or collection.key.startswith("mail:") != (
            kind == "mail"
        ):
            continue
        ids: list[tuple[str, None]] = []
        state = None
        while True:
            result = SyncPage(account=account).page(FolderId(id=collection.remote_id), state, 512)
            ids.extend((c.item_id, None) for c in result.changes)
            if result.last_page:
                break
            state = result.sync_state
        reader = RecordingGetItem(account=account, chunk_size=100)
        reader.elements = []
        list(reader.call(items=ids, additional_fields=item_fields(kind), shape="IdOnly"))
        elements.extend(reader.elements)
    return elements


def inbox_elements(source: EwsSource) -> list[Any]:
    return item_elements(source, "mail")


def both_ways(elem: Any, account: Any) -> tuple[MessageFacts, MessageFacts]:
    fast = read_message(copy.deepcopy(elem))
    general = mapping.message_facts(general_item(copy.deepcopy(elem), account))
    return fast, general


def document(facts: MessageFacts) -> dict[str, Any]:
    return mapping.mail_document(facts, mailbox=BOX, object_type="Inbox Mails", folder="Inbox")


def test_every_corpus_mail_reads_the_same_both_ways(corpus_source: EwsSource) -> None:
    elements = inbox_elements(corpus_source)
    account = corpus_source.connection.account(BOX)
    messages = [e for e in elements if etree.QName(e).localname == "Message"]
    assert len(messages) >= 200  # the corpus holds hundreds of mails
    with_attachments = 0
    for elem in messages:
        fast, general = both_ways(elem, account)
        assert fast == general, fast.id
        assert document(fast) == document(general)
        with_attachments += bool(fast.attachments)
    assert with_attachments >= 50  # attachments were compared too, not only their absence


def test_the_sync_reads_mails_the_fast_way(corpus_source: EwsSource) -> None:
    account = corpus_source.connection.account(BOX)
    elem = next(e for e in inbox_elements(corpus_source) if etree.QName(e).localname == "Message")
    assert isinstance(TextGetItem(account=account)._elem_to_obj(elem), MessageFacts)


def every_field(model: Any, elem: Any, account: Any) -> dict[str, Any]:
    """Each field of the item exchangelib builds when it asks every field of the model."""
    item = model(**{f.name: f.from_xml(elem=elem, account=account) for f in model.FIELDS})
    return {f.name: getattr(item, f.name) for f in model.FIELDS}


def present_fields(model: Any, elem: Any, account: Any) -> dict[str, Any]:
    item = item_from_xml(model, elem, account)
    return {f.name: getattr(item, f.name) for f in model.FIELDS}


@pytest.mark.parametrize(
    ("kind", "least"), [("contacts", 20), ("calendar", 100), ("tasks", 5), ("mail", 200)]
)
def test_every_corpus_item_has_the_fields_exchangelib_reads(
    corpus_source: EwsSource, kind: str, least: int
) -> None:
    account = corpus_source.connection.account(BOX)
    elements = item_elements(corpus_source, kind)
    assert len(elements) >= least, len(elements)
    for elem in elements:
        model = BaseFolder.item_model_from_tag(elem.tag)
        theirs = every_field(model, copy.deepcopy(elem), account)
        # exchangelib reads UTC instants with strptime; item_from_xml reads them itself.
        ours = present_fields(model, copy.deepcopy(elem), account)
        assert ours == theirs, elem.findtext(f"{{{T}}}Subject")


# -- hand-made answers -------------------------------------------------------------------


def message(inner: str) -> Any:
    return etree.fromstring(
        f'<t:Message xmlns:t="{T}"><t:ItemId Id="M1" ChangeKey="C"/>{inner}</t:Message>'
    )


@pytest.fixture(scope="module")
def account() -> Iterator[Any]:
    # Nothing here reaches the network: the account is only built, never used.
    source = offline_source()
    yield source.connection.account("alice@contoso.example")
    source.close()


HAND_MADE = {
    "html body": '<t:Body BodyType="HTML">&lt;p&gt;Hello &lt;b&gt;there&lt;/b&gt;&lt;/p&gt;</t:Body>',
    "from without sender": (
        "<t:From><t:Mailbox><t:Name>Bob</t:Name><t:EmailAddress>bob@x.example</t:EmailAddress>"
        "</t:Mailbox></t:From>"
    ),
    "recipient without address": (
        "<t:ToRecipients><t:Mailbox><t:Name>Only a name</t:Name></t:Mailbox>"
        "<t:Mailbox><t:EmailAddress>c@x.example</t:EmailAddress></t:Mailbox></t:ToRecipients>"
    ),
    "offset instants": (
        "<t:DateTimeReceived>2024-05-01T11:30:00+02:00</t:DateTimeReceived>"
        "<t:LastModifiedTime>2024-05-01T09:30:00Z</t:LastModifiedTime>"
    ),
    "categories and flags": (
        "<t:Categories><t:String>Red</t:String><t:String>Q3</t:String></t:Categories>"
        "<t:Importance>High</t:Importance><t:HasAttachments>true</t:HasAttachments>"
        '<t:ConversationId Id="CV1"/><t:InternetMessageId>&lt;a@b&gt;</t:InternetMessageId>'
    ),
    "nothing at all": "",
}


@pytest.mark.parametrize("name", sorted(HAND_MADE))
def test_hand_made_messages_read_the_same_both_ways(name: str, account: Any) -> None:
    fast, general = both_ways(message(HAND_MADE[name]), account)
    assert fast == general
    assert document(fast) == document(general)


def test_html_bodies_become_text() -> None:
    facts = read_message(message(HAND_MADE["html body"]))
    text = document(facts)["message"]
    assert text.split() == ["Hello", "there"] and "<" not in text


def test_an_attachment_that_is_only_a_link_is_not_listed() -> None:
    facts = read_message(
        message(
            "<t:Attachments>"
            '<t:ReferenceAttachment><t:AttachmentId Id="R1"/><t:Name>link</t:Name></t:ReferenceAttachment>'
            '<t:FileAttachment><t:AttachmentId Id="A1"/><t:Name>a.txt</t:Name><t:Size>12</t:Size>'
            "<t:IsInline>false</t:IsInline></t:FileAttachment>"
            "</t:Attachments>"
        )
    )
    assert [(a.id, a.name, a.size, a.is_item) for a in facts.attachments] == [
        ("A1", "a.txt", 12, False)
    ]


def test_a_value_the_fast_reader_does_not_know_is_read_the_general_way(account: Any) -> None:
    elem = message("<t:DateTimeReceived>yesterday</t:DateTimeReceived><t:Subject>Hi</t:Subject>")
    item = TextGetItem(account=account)._elem_to_obj(elem)
    assert isinstance(item, Message) and item.subject == "Hi"


def test_instants_are_utc() -> None:
    facts = read_message(message(HAND_MADE["offset instants"]))
    assert facts.received == dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
    assert facts.received is not None and facts.received.utcoffset() == dt.timedelta(0)
