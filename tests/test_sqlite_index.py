"""The embedded index: search, upserts by id, deletions, pages and cursors together."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from outlook_connector.sinks.sqlite import SQLiteIndex, fts_query


def mail(doc_id: str, title: str, message: str, **extra: object) -> dict[str, object]:
    return {
        "id": doc_id,
        "type": "Inbox Mails",
        "title": title,
        "mailbox": "a@x.example",
        "message": message,
        "sender": "bob@x.example",
        **extra,
    }


@pytest.fixture
def index(tmp_path: Path) -> SQLiteIndex:
    idx = SQLiteIndex(tmp_path / "index.db")
    yield idx
    idx.close()


def commit(
    index: SQLiteIndex,
    docs: list[dict[str, object]],
    deletions: list[str] = (),
    cursor: str | None = "c1",
    complete: bool = True,
    generation: int | None = None,
) -> None:
    round_ = index.begin_round("a@x.example", "mail:inbox", "Inbox", "Inbox Mails", full=False)
    index.commit_page(
        "a@x.example",
        "mail:inbox",
        generation or round_.generation,
        docs,
        list(deletions),
        cursor,
        complete,
    )


def test_search_ranks_title_matches_first_and_snippets(index: SQLiteIndex) -> None:
    commit(
        index,
        [
            mail("1", "Lunch plans", "We could talk about the kayak launch over lunch."),
            mail("2", "Kayak launch schedule", "Dates for the launch."),
        ],
    )
    hits = index.search("kayak")
    assert [h.id for h in hits] == ["2", "1"]
    assert hits[1].snippet and "[kayak]" in hits[1].snippet.lower()
    assert hits[0].score > hits[1].score


def test_stemming_prefixes_phrases_and_filters(index: SQLiteIndex) -> None:
    commit(
        index,
        [
            mail("1", "Invoices for March", "Please pay the attached invoices."),
            {
                "id": "c1",
                "type": "Contact",
                "title": "Joana Silva",
                "mailbox": "a@x.example",
                "name": "Joana Silva",
                "email_addresses": ["joana@lisboa.example"],
            },
        ],
    )
    assert [h.id for h in index.search("invoice")] == ["1"]  # porter stemming
    assert [h.id for h in index.search("invo*")] == ["1"]
    assert [h.id for h in index.search('"attached invoices"')] == ["1"]
    assert index.search('"invoices attached"') == []
    assert [h.id for h in index.search("joana", type="Contact")] == ["c1"]
    assert index.search("joana", mailbox="other@x.example") == []
    assert [h.id for h in index.search("joana", mailbox="A@X.example")] == ["c1"]


def test_user_syntax_cannot_break_the_query(index: SQLiteIndex) -> None:
    commit(index, [mail("1", "Re: (urgent) order #42", 'He said "ship it" - now')])
    for query in ["order #42", "(urgent", 'ship"', "NOT", "a:b", "-now", "*"]:
        index.search(query)  # never raises
    assert fts_query('foo "bar baz" qu* OR') == '"foo" "bar baz" "qu"*'


def test_upsert_replaces_and_delete_removes_with_attachments(index: SQLiteIndex) -> None:
    commit(
        index,
        [
            mail("1", "Old title", "old words"),
            {
                "id": "1/a",
                "type": "Mail Attachment",
                "title": "notes.txt",
                "mailbox": "a@x.example",
                "parent_id": "1",
                "body": "attachment words",
            },
        ],
    )
    commit(index, [mail("1", "New title", "new words")])
    assert index.count() == 2
    assert index.search("old") == []
    assert [h.id for h in index.search("new")] == ["1"]
    commit(index, [], deletions=["1"])
    assert index.count() == 0
    assert index.search("attachment") == []


def test_cursor_is_committed_with_the_page(index: SQLiteIndex) -> None:
    commit(index, [mail("1", "t", "m")], cursor="next-page-link", complete=False)
    state = index.collection_state("a@x.example", "mail:inbox")
    assert state is not None and state.cursor == "next-page-link" and not state.cursor_complete


def test_a_failed_page_leaves_nothing_behind(index: SQLiteIndex) -> None:
    round_ = index.begin_round("a@x.example", "mail:inbox", "Inbox", "Inbox Mails", full=False)
    with pytest.raises(KeyError):
        index.commit_page(
            "a@x.example",
            "mail:inbox",
            round_.generation,
            [mail("1", "t", "m"), {"id": "broken"}],
            [],
            "c9",
            True,
        )
    assert index.count() == 0
    state = index.collection_state("a@x.example", "mail:inbox")
    assert state is not None and state.cursor is None


def test_export_streams_every_document(index: SQLiteIndex) -> None:
    commit(index, [mail(f"{i:04d}", f"t{i}", "m") for i in range(1200)])
    exported = list(index.export())
    assert len(exported) == 1200 and exported[0]["id"] == "0000"


def test_a_removal_reported_by_the_old_folder_keeps_the_moved_document(index: SQLiteIndex) -> None:
    mailbox = "a@x.example"
    inbox = index.begin_round(mailbox, "mail:inbox", "Inbox", "Inbox Mails", full=False)
    index.commit_page(
        mailbox, "mail:inbox", inbox.generation, [mail("1", "Moved", "m")], [], "c", True
    )
    archive = index.begin_round(mailbox, "mail:archive", "Archive", "Archive Mails", full=False)
    moved = {**mail("1", "Moved", "m"), "type": "Archive Mails"}
    index.commit_page(mailbox, "mail:archive", archive.generation, [moved], [], "c", True)
    # the inbox's round reports the item as removed after the archive's round saw it arrive
    index.commit_page(mailbox, "mail:inbox", inbox.generation, [], ["1"], "c2", True)
    assert index.get("1") is not None and index.get("1")["type"] == "Archive Mails"


def test_attachments_a_parent_no_longer_has_are_removed_with_the_page(index: SQLiteIndex) -> None:
    def attachment(parent: str, name: str) -> dict[str, object]:
        return {"id": f"{parent}/{name}", "type": "Mail Attachment", "title": name,
                "mailbox": "a@x.example", "parent_id": parent, "body": f"{name} words"}

    parents = [mail(str(n), f"Mail {n}", "words") for n in range(600)]  # over one query's worth
    attachments = [attachment(str(n), name) for n in range(600) for name in ("a.txt", "b.txt")]
    commit(index, parents + attachments)
    assert index.count("Mail Attachment") == 1200
    round_ = index.begin_round("a@x.example", "mail:inbox", "Inbox", "Inbox Mails", full=False)
    # Every parent seen again: the even ones kept a.txt only, the odd ones both.
    keep = {str(n): {f"{n}/a.txt"} | (set() if n % 2 == 0 else {f"{n}/b.txt"}) for n in range(600)}
    written, deleted = index.commit_page(
        "a@x.example", "mail:inbox", round_.generation, parents, [], "c2", True,
        attachment_parents=keep,
    )
    assert (written, deleted) == (600, 300)
    assert index.get("0/b.txt") is None
    assert index.get("0/a.txt") is not None
    assert index.get("599/b.txt") is not None
    assert index.search("b.txt words") and all(
        int(hit.id.split("/")[0]) % 2 for hit in index.search('"b.txt words"')
    )


def _fts_consistent(index: SQLiteIndex) -> None:
    """FTS5's own check that the full-text index holds exactly the documents' text."""
    with sqlite3.connect(index.path) as db:
        db.execute("INSERT INTO documents_fts (documents_fts, rank) VALUES ('integrity-check', 1)")


def test_the_full_text_follows_every_write(index: SQLiteIndex) -> None:
    commit(index, [mail("1", "Zebracorn order", "first text"), mail("2", "Other", "plain")])
    # New text, the same text with other fields, a document named twice in one page.
    commit(
        index,
        [
            mail("1", "Okapi order", "second text"),
            mail("2", "Other", "plain", importance="high"),
            mail("3", "Draft", "wombat"),
            mail("3", "Draft", "narwhal"),
        ],
    )
    _fts_consistent(index)
    assert [h.id for h in index.search("okapi")] == ["1"]
    assert index.search("zebracorn") == [] and index.search("wombat") == []
    assert [h.id for h in index.search("narwhal")] == ["3"]
    assert [h.id for h in index.search("plain")] == ["2"]
    commit(index, [], deletions=["1"])
    _fts_consistent(index)
    assert index.search("okapi") == []


def test_an_index_made_with_indexing_triggers_indexes_text_once(tmp_path: Path) -> None:
    # Indexes before schema 2 indexed written text by triggers on the documents table.
    path = tmp_path / "index.db"
    SQLiteIndex(path).close()
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
                INSERT INTO documents_fts (rowid, title, body, people)
                VALUES (new.rowid, new.title, new.body, new.people);
            END;
            UPDATE meta SET value = '1' WHERE key = 'schema_version';
            """
        )
    with SQLiteIndex(path) as index:
        commit(index, [mail("1", "Zebracorn order", "text")])
        _fts_consistent(index)
        assert [h.id for h in index.search("zebracorn")] == ["1"]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("2",)
