"""vCard details real exports depend on: 2.1 quoted-printable, bare types, groups across files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from outlook_emulator.tenant.common import ItemContext, UnrepresentableFile
from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import Contact, ContactGroup
from outlook_emulator.tenant.vcard import parse_vcards

CTX = ItemContext("a@contoso.example", "contacts/x.vcf", "F", datetime(2024, 1, 1, tzinfo=UTC))

OUTLOOK_21 = (
    b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1:M\xfcller;J\xfcrgen\r\n"
    b"FN;CHARSET=ISO-8859-1:J\xfcrgen M\xfcller\r\n"
    b"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Stra=DFe 1=0D=0A=\r\n"
    b"zweite Zeile\r\n"
    b"TEL;WORK;VOICE:+49 40 123\r\nTEL;CELL:+49 170 456\r\nTEL;HOME;FAX:+49 40 789\r\n"
    b"EMAIL;PREF;INTERNET:Juergen@Example.COM\r\nEND:VCARD\r\n"
)


def test_vcard_21_quoted_printable_and_legacy_charsets() -> None:
    items, notes = parse_vcards(OUTLOOK_21, CTX)
    assert notes == []
    contact = items[0]
    assert isinstance(contact, Contact)
    assert contact.display_name == "Jürgen Müller"
    assert (contact.given_name, contact.surname) == ("Jürgen", "Müller")
    assert contact.notes == "Straße 1\r\nzweite Zeile"
    assert {(p.kind, p.number) for p in contact.phones} == {
        ("business", "+49 40 123"),
        ("mobile", "+49 170 456"),
        ("homeFax", "+49 40 789"),
    }
    assert [e.address for e in contact.emails] == ["juergen@example.com"]


def test_each_card_is_its_own_item_and_an_empty_card_costs_only_itself() -> None:
    data = (
        b"BEGIN:VCARD\nVERSION:3.0\nFN:One\nEMAIL:one@example.com\nEND:VCARD\n"
        b"BEGIN:VCARD\nEND:VCARD\n"
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Three\nEND:VCARD\n"
    )
    items, notes = parse_vcards(data, CTX)
    assert [(i.path, i.display_name) for i in items] == [  # type: ignore[attr-defined]
        ("contacts/x.vcf", "One"),
        ("contacts/x.vcf#2", "Three"),
    ]
    assert notes == ["card 2 has no properties"]
    assert items[0].id != items[1].id


def test_a_file_without_cards_is_unrepresentable() -> None:
    with pytest.raises(UnrepresentableFile, match="VCARD"):
        parse_vcards(b"just some text\n", CTX)


def test_group_members_resolve_across_files(tmp_path: Path) -> None:
    (tmp_path / "tenant.toml").write_text("", encoding="utf-8")
    contacts = tmp_path / "mailboxes" / "a@contoso.example" / "contacts"
    contacts.mkdir(parents=True)
    (contacts / "ann.vcf").write_text(
        "BEGIN:VCARD\nVERSION:3.0\nUID:ann-1\nFN:Ann Lee\nEMAIL:ann@example.com\nEND:VCARD\n"
    )
    (contacts / "team.vcf").write_text(
        "BEGIN:VCARD\nVERSION:3.0\nX-ADDRESSBOOKSERVER-KIND:group\nFN:Team\n"
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:ann-1\nEND:VCARD\n"
    )
    tenant = load_tenant(tmp_path)
    folder = tenant.mailboxes["a@contoso.example"].well_known("contacts")
    assert folder is not None
    group = next(i for i in folder.items.values() if isinstance(i, ContactGroup))
    assert [(m.address, m.name) for m in group.members] == [("ann@example.com", "Ann Lee")]
    assert tenant.skipped == []
