"""Messages as real mail systems write them, odd ones included."""

from __future__ import annotations

from datetime import UTC, datetime

from outlook_emulator.tenant.common import ItemContext
from outlook_emulator.tenant.mime import parse_message

CTX = ItemContext("a@contoso.example", "inbox/x.eml", "F", datetime(2024, 1, 1, tzinfo=UTC))


def test_a_garbled_charset_name_falls_back_instead_of_failing() -> None:
    data = b'From: a@example.com\nSubject: x\nContent-Type: text/plain; charset="\xc7\xd0"\n\nok\n'
    assert parse_message(data, CTX).body_text.strip() == "ok"


def test_transfer_encodings_and_raw_utf8_headers() -> None:
    base64_body = (
        b"From: =?iso-8859-1?q?Ren=E9?= <rene@example.com>\r\nTo: Zo\xc3\xab <zoe@example.com>\r\n"
        b"Subject: Caf\xc3\xa9 order\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nQ2Fmw6kgb3JkZXI6IDMga2F5YWtz\r\n"
    )
    message = parse_message(base64_body, CTX)
    assert message.from_ is not None and message.from_.name == "René"
    assert message.to[0].name == "Zoë" and message.subject == "Café order"
    assert message.body_text.strip() == "Café order: 3 kayaks"
    quoted = (
        b"From: x@example.com\nSubject: qp\nContent-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: quoted-printable\n\nStra=DFe und =\nsoft break\n"
    )
    assert parse_message(quoted, CTX).body_text.strip() == "Straße und soft break"


def test_an_mbox_separator_line_and_folded_headers() -> None:
    data = (
        b"From someone@example.com Mon Jan  1 00:00:00 2024\n"
        b"From: Someone <someone@example.com>\nTo: a@example.com,\n b@example.com\n"
        b"Subject: a long\n subject\nDate: Mon, 01 Jan 2024 10:00:00 +0100\n\nbody\n"
    )
    message = parse_message(data, CTX)
    assert [a.address for a in message.to] == ["a@example.com", "b@example.com"]
    assert message.subject == "a long subject"
    assert message.sent == datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


def test_quoted_display_names_and_groups_use_the_full_address_parser() -> None:
    data = (
        b'From: "Doe, Jane" <Jane.Doe@Example.com>\nTo: Team: a@example.com, b@example.com;\n'
        b"Subject: x\n\nbody\n"
    )
    message = parse_message(data, CTX)
    assert message.from_ is not None
    assert (message.from_.name, message.from_.address) == ("Doe, Jane", "jane.doe@example.com")
    assert [a.address for a in message.to] == ["a@example.com", "b@example.com"]


def test_an_html_only_message_gets_a_text_body_by_block() -> None:
    data = (
        b"From: x@example.com\nSubject: html\nContent-Type: text/html; charset=utf-8\n\n"
        b"<html><head><style>p {color: red}</style></head><body><h1>Invoice 42</h1>"
        b"<p>Total <b>EUR 10</b></p><script>alert(1)</script></body></html>\n"
    )
    message = parse_message(data, CTX)
    assert message.body_text == "Invoice 42\nTotal EUR 10"
    assert message.body_html is not None and "<h1>" in message.body_html


def test_a_delivery_report_with_a_garbled_block_is_still_a_report() -> None:
    # A broken field turns the rest of a status block into text in an unusable charset; the
    # stdlib cannot write such a block back out, so it must be read field by field.
    data = (
        b"From: postmaster@example.com\nSubject: Undeliverable\n"
        b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n"
        b'Content-Type: text/plain; charset=\xabu\xa3-ascii"\nBroken\xf6Field: 7bit\n\n'
        b"Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.1.1\n"
    )
    assert parse_message(data, CTX).item_class == "REPORT.IPM.Note.NDR"
