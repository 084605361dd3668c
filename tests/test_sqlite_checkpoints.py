"""The index's write-ahead log is checkpointed beside the writer, and stays bounded."""

from __future__ import annotations

import random
import sqlite3
import string
import threading
import time
from pathlib import Path

from outlook_connector.sinks.sqlite import SQLiteIndex

MAILBOX = "a@x.example"
LIMIT = 256 * 1024


def wal_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def page_of_mails(start: int, count: int, rng: random.Random) -> list[dict[str, object]]:
    # Random words: text that compresses into FTS5 postings as poorly as real mail.
    def words(n: int) -> str:
        return " ".join("".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(n))

    return [
        {"id": f"m{n}", "type": "Inbox Mails", "mailbox": MAILBOX, "title": f"mail {n} {words(3)}",
         "message": words(200)}
        for n in range(start, start + count)
    ]


def write_pages(index: SQLiteIndex, pages: int) -> list[int]:
    """Commit ``pages`` pages of 20 mails; the log's size after each commit."""
    rng = random.Random(7)
    round_ = index.begin_round(MAILBOX, "mail:inbox", "Inbox", "Inbox Mails", full=True)
    sizes = []
    for n in range(pages):
        docs = page_of_mails(n * 20, 20, rng)
        index.commit_page(MAILBOX, "mail:inbox", round_.generation, docs, [], f"c{n}",
                          n == pages - 1)
        sizes.append(wal_bytes(index.path))
        time.sleep(0.02)  # a source's page takes longer than that to arrive
    index.finish_round(MAILBOX, "mail:inbox", round_.generation, ok=True, enumerated=True)
    return sizes


def test_the_log_is_emptied_once_past_its_limit_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with SQLiteIndex(path, wal_limit_bytes=LIMIT) as index:
        sizes = write_pages(index, 80)
        assert index.count() == 1600
    # The log was emptied again and again rather than holding every page written.
    emptied = [n for n in range(1, len(sizes)) if sizes[n] < sizes[n - 1]]
    written = sizes[0] + sum(
        sizes[n] - sizes[n - 1] if sizes[n] >= sizes[n - 1] else sizes[n]
        for n in range(1, len(sizes))
    )
    assert len(emptied) >= 3
    assert max(sizes) < written / 2
    assert wal_bytes(path) == 0  # the last connection to close checkpoints the rest
    with SQLiteIndex(path) as reopened:
        assert reopened.count() == 1600
        assert reopened.search("mail")
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        db.execute("INSERT INTO documents_fts (documents_fts, rank) VALUES ('integrity-check', 1)")
        db.close()


def test_the_index_file_holds_the_pages_while_the_sync_is_still_writing(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with SQLiteIndex(path, wal_limit_bytes=1 << 40) as index:
        write_pages(index, 20)
        deadline = time.monotonic() + 10
        # Checkpointed without the writer's help: the pages are in the index file.
        while path.stat().st_size < 1 << 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size >= 1 << 20


def test_a_reader_holding_a_snapshot_does_not_stop_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with SQLiteIndex(path, wal_limit_bytes=LIMIT) as index:
        write_pages(index, 1)
        reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        reader.execute("BEGIN")
        before = reader.execute("SELECT count(*) FROM documents").fetchone()[0]
        started = time.monotonic()
        write_pages(index, 60)  # the log passes its limit while the snapshot is held
        # It waited for one TRUNCATE checkpoint at most, not for one every commit.
        assert time.monotonic() - started < 12
        # The reader still sees what it began with; the writer wrote everything.
        assert reader.execute("SELECT count(*) FROM documents").fetchone()[0] == before
        reader.execute("COMMIT")
        reader.close()
        assert index.count() == 1200


def test_an_index_only_read_starts_no_checkpoint_thread(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with SQLiteIndex(path) as index:
        write_pages(index, 1)
    with SQLiteIndex(path) as index:
        assert index.search("mail")
        names = {thread.name for thread in threading.enumerate()}
        assert "index-checkpoints" not in names
