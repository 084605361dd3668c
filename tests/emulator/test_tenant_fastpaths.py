"""The loader's fast readers give exactly what the full parsers give, or step aside."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from outlook_emulator.generate import generate_tenant
from outlook_emulator.tenant import ical, mime
from outlook_emulator.tenant.common import ItemContext, UnrepresentableFile
from outlook_emulator.tenant.icalfast import read_simple
from outlook_emulator.tenant.mimefast import read_multipart, read_plain

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("OUTLOOK_SHARED_DIR", REPO_ROOT.parent / "shared")) / "corpus"
CTX = ItemContext("a@contoso.example", "inbox/x.eml", "F", datetime(2020, 1, 1, tzinfo=UTC))


def files(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.rglob(pattern) if p.is_file()) if root.is_dir() else []


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    generate_tenant(root, users=2, items_per_user=80, seed=4)
    return root


def message_fields(data: bytes) -> Any:
    try:
        message = mime.parse_message(data, CTX)
    except UnrepresentableFile as error:
        return f"skipped: {error}"
    fields = dict(vars(message))
    fields["attachments"] = [(a.name, a.content) for a in message.attachments]
    return fields


def calendar_fields(data: bytes, kind: ical.Kind) -> Any:
    try:
        items, _ = ical.parse_calendar(data, CTX, kind)
    except UnrepresentableFile:
        return "skipped"
    return [
        {k: v for k, v in vars(i).items() if k != "source_bytes" and k != "recurrence"}
        for i in items
    ]


def test_messages_read_fast_equal_the_full_parse(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidates = [p.read_bytes() for p in files(generated, "*.eml") + files(CORPUS / "mail", "*")]
    plain = [data for data in candidates if read_plain(data) is not None]
    multipart = [data for data in candidates if read_multipart(data) is not None]
    assert len(plain) > 50 and len(multipart) > 20
    fast = [message_fields(data) for data in plain + multipart]
    monkeypatch.setattr(mime, "_read_fast", lambda data: None)
    assert [message_fields(data) for data in plain + multipart] == fast


def test_plain_calendars_read_fast_equal_icalendar(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidates = files(generated, "*.ics") + files(CORPUS / "calendar", "*.ics")
    plain = [p.read_bytes() for p in candidates if read_simple(p.read_bytes()) is not None]
    assert len(plain) > 50
    kinds: list[ical.Kind] = ["calendar", "tasks"]
    fast = [calendar_fields(data, kind) for data in plain for kind in kinds]
    monkeypatch.setattr(ical, "read_simple", lambda data: None)
    slow = [calendar_fields(data, kind) for data in plain for kind in kinds]
    # Broken files may fail differently: the fast reader is the more lenient one (it keeps an
    # event whose empty EXDATE icalendar rejects). Where both read the same number of items,
    # the items must be the same.
    pairs = [(f, s) for f, s in zip(fast, slow, strict=True) if f != "skipped" and s != "skipped"]
    same_count = [(f, s) for f, s in pairs if len(f) == len(s)]
    assert len(same_count) > 50
    assert [f for f, _ in same_count] == [s for _, s in same_count]
    assert all(len(f) > len(s) for f, s in pairs if len(f) != len(s))


def test_anything_unusual_goes_to_the_full_parsers() -> None:
    assert read_plain(b"Content-Type: multipart/mixed; boundary=x\n\n--x--\n") is None
    related = b"Content-Type: multipart/related; boundary=x\n\n--x\n\nhi\n--x--\n"
    assert read_multipart(related) is None
    unclosed = b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nhi\n"
    assert read_multipart(unclosed) is None
    # A part header block the stdlib ends early (a line that is no field) is read as body there.
    broken = b"Content-Type: multipart/mixed; boundary=x\n\n--x\nCon\nent-Type: text/plain\n\nhi\n--x--\n"
    assert read_multipart(broken) is None
    # A bare CR ends a line for the stdlib parser, so such files are left to it.
    assert mime._read_fast(b"Subject: a\rb\nFrom: x@example.com\n\nbody\n") is None
    assert read_plain(b"Subject: a\nContent-Type: text/html\n\n<p>x</p>") is None
    assert read_plain(b"no header block at all") is None
    with_zone = b"BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:X\nEND:VTIMEZONE\nEND:VCALENDAR\n"
    assert read_simple(with_zone) is None
    unknown_zone = (
        b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=W. Europe Standard Time:20240101T100000\n"
        b"END:VEVENT\nEND:VCALENDAR\n"
    )
    assert read_simple(unknown_zone) is None
