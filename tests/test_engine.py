"""The sync engine's promises, independent of any protocol."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from outlook_connector.sinks.sqlite import SQLiteIndex
from outlook_connector.sources.base import Collection, CursorExpired, Mailbox, Page
from outlook_connector.sync.engine import MAX_CURSOR_RESTARTS, MAX_ENUMERATIONS, SyncEngine
from tests.memory_source import MemorySource


@pytest.fixture
def index(tmp_path: Path) -> SQLiteIndex:
    idx = SQLiteIndex(tmp_path / "index.db")
    yield idx
    idx.close()


def titles(index: SQLiteIndex) -> dict[str, str]:
    return {d["id"]: d["title"] for d in index.export()}


def populated() -> MemorySource:
    source = MemorySource(page_size=2)
    for i in range(5):
        source.put("a@x.example", "inbox", f"a{i}", f"alpha {i}")
        source.put("b@x.example", "inbox", f"b{i}", f"beta {i}")
    return source


def test_full_then_incremental_applies_only_changes(index: SQLiteIndex) -> None:
    source = populated()
    summary = SyncEngine(source, index).run()
    assert summary.ok and summary.indexed == 10 and summary.mailboxes == 2
    source.put("a@x.example", "inbox", "a9", "new one")
    source.put("a@x.example", "inbox", "a1", "renamed")
    source.delete("b@x.example", "inbox", "b0")
    served_before = source.pages_served
    summary = SyncEngine(source, index).run()
    assert summary.indexed == 2 and summary.deleted == 1
    assert source.pages_served - served_before == 2  # one page of changes per mailbox
    assert titles(index)["a1"] == "renamed" and "b0" not in titles(index)
    assert len(titles(index)) == 10


def test_full_sync_removes_what_was_not_seen(index: SQLiteIndex) -> None:
    source = populated()
    SyncEngine(source, index).run()
    # an item vanishes without a change record (e.g. the server lost its change log)
    del source.folders[("a@x.example", "inbox")].items["a2"]
    SyncEngine(source, index).run(full=True)
    assert "a2" not in titles(index) and len(titles(index)) == 9


def test_failed_enumeration_never_deletes(index: SQLiteIndex) -> None:
    source = populated()
    SyncEngine(source, index).run()
    source.fail_after_pages = source.pages_served + 1
    summary = SyncEngine(source, index).run(full=True)
    assert not summary.ok
    assert len(titles(index)) == 10


def test_interrupted_sync_resumes_and_ends_equal(index: SQLiteIndex, tmp_path: Path) -> None:
    for stop_after in range(1, 7):
        source = populated()
        with SQLiteIndex(tmp_path / f"crash{stop_after}.db") as crashed:
            source.fail_after_pages = stop_after
            SyncEngine(source, crashed, max_concurrent_mailboxes=1).run()
            source.fail_after_pages = None
            served = source.pages_served
            summary = SyncEngine(source, crashed, max_concurrent_mailboxes=1).run()
            assert summary.ok
            # resumed: the pages already committed are not fetched again
            assert source.pages_served - served <= 6 - min(stop_after, 6) + 2
            with SQLiteIndex(tmp_path / f"clean{stop_after}.db") as clean:
                SyncEngine(populated(), clean).run()
                assert titles(crashed) == titles(clean)


def test_one_broken_mailbox_does_not_stop_the_others(index: SQLiteIndex) -> None:
    source = populated()
    source.broken_mailboxes.add("a@x.example")
    summary = SyncEngine(source, index).run()
    assert [e.mailbox for e in summary.errors] == ["a@x.example"]
    assert sorted(titles(index)) == [f"b{i}" for i in range(5)]


def test_expired_cursor_reenumerates_without_losing_documents(index: SQLiteIndex) -> None:
    source = populated()
    SyncEngine(source, index).run()
    state = index.collection_state("a@x.example", "mail:inbox")
    assert state is not None and state.cursor
    source.expired_cursors.add(state.cursor)
    del source.folders[("a@x.example", "inbox")].items["a3"]
    summary = SyncEngine(source, index).run()
    assert summary.ok
    assert "a3" not in titles(index) and len(titles(index)) == 9


class ExpiringSource(MemorySource):
    """Refuses its own states: an enumeration fails after ``pages_first`` pages, ``times`` times."""

    def __init__(self, times: int, pages_first: int) -> None:
        super().__init__(page_size=2)
        self.times, self.pages_first = times, pages_first

    def changes(
        self, mailbox: Mailbox, collection: Collection, cursor: str | None
    ) -> Iterator[Page]:
        pages = super().changes(mailbox, collection, cursor)
        for _ in range(self.pages_first):
            yield next(pages)
        if self.times > 0:
            self.times -= 1
            raise CursorExpired("the sync state is no longer valid")
        yield from pages


def test_states_refused_after_progress_are_enumerated_again_until_done(
    index: SQLiteIndex,
) -> None:
    source = ExpiringSource(times=MAX_CURSOR_RESTARTS + 2, pages_first=1)
    for i in range(5):
        source.put("a@x.example", "inbox", f"a{i}", f"alpha {i}")
    summary = SyncEngine(source, index).run()
    assert summary.ok and source.times == 0
    assert sorted(titles(index)) == [f"a{i}" for i in range(5)]


def test_a_cursor_refused_before_any_page_gives_up_after_the_restarts(
    index: SQLiteIndex,
) -> None:
    source = ExpiringSource(times=MAX_CURSOR_RESTARTS + 1, pages_first=0)
    for i in range(5):
        source.put("a@x.example", "inbox", f"a{i}", f"alpha {i}")
    summary = SyncEngine(source, index).run()
    assert not summary.ok and [e.mailbox for e in summary.errors] == ["a@x.example"]
    assert source.times == 0  # tried 1 + MAX_CURSOR_RESTARTS times, then reported
    assert SyncEngine(source, index).run().ok  # the next sync reads it


def test_enumerations_are_bounded_even_with_progress(index: SQLiteIndex) -> None:
    source = ExpiringSource(times=MAX_ENUMERATIONS + 5, pages_first=1)
    source.put("a@x.example", "inbox", "a0", "alpha")
    source.put("a@x.example", "inbox", "a1", "beta")
    source.put("a@x.example", "inbox", "a2", "gamma")
    summary = SyncEngine(source, index).run()
    assert not summary.ok
    assert source.times == MAX_ENUMERATIONS + 5 - (MAX_ENUMERATIONS + 1)


def test_rules_exclude_and_remove(index: SQLiteIndex) -> None:
    source = populated()
    SyncEngine(source, index).run()
    SyncEngine(source, index, include=lambda d: not d["title"].startswith("beta")).run(full=True)
    assert sorted(titles(index)) == [f"a{i}" for i in range(5)]


def test_mailbox_no_longer_listed_is_removed(index: SQLiteIndex) -> None:
    source = populated()
    SyncEngine(source, index).run()
    for key in [k for k in source.folders if k[0] == "b@x.example"]:
        del source.folders[key]
    SyncEngine(source, index).run()
    assert sorted(titles(index)) == [f"a{i}" for i in range(5)]


def test_documents_seen_again_unchanged_are_not_rewritten(index: SQLiteIndex) -> None:
    source = populated()
    SyncEngine(source, index).run()
    summary = SyncEngine(source, index).run(full=True)
    assert summary.ok and summary.indexed == 0 and summary.deleted == 0
    assert len(titles(index)) == 10
    source.folders[("a@x.example", "inbox")].items["a1"] = "edited"
    summary = SyncEngine(source, index).run(full=True)
    assert summary.indexed == 1 and titles(index)["a1"] == "edited"


class CountingIndex(SQLiteIndex):
    """An index that counts the unchanged-document lookups the engine makes."""

    lookups = 0

    def unchanged(self, documents: list[dict]) -> set[str]:
        self.lookups += 1
        return super().unchanged(documents)


def test_a_collection_the_index_holds_nothing_of_needs_no_lookups(tmp_path: Path) -> None:
    with CountingIndex(tmp_path / "index.db") as index:
        source = populated()
        assert SyncEngine(source, index).run().indexed == 10
        assert index.lookups == 0  # a first sync: nothing can be indexed unchanged
        source.put("a@x.example", "archive", "r1", "archived")
        summary = SyncEngine(source, index).run(full=True)
        # Every page of the two known folders is looked up; the new folder's is not.
        assert summary.indexed == 1 and index.lookups == 6
        assert len(titles(index)) == 11


def test_a_renamed_folder_is_read_again_and_its_documents_carry_the_new_name(
    index: SQLiteIndex,
) -> None:
    source = populated()
    SyncEngine(source, index).run()
    source.display_names[("a@x.example", "inbox")] = "Inbox/Projects"
    source.delete("a@x.example", "inbox", "a4")
    summary = SyncEngine(source, index).run()
    assert summary.ok
    folders = {d["id"]: d["folder"] for d in index.export()}
    assert {folders[f"a{i}"] for i in range(4)} == {"Inbox/Projects"}
    assert {folders[f"b{i}"] for i in range(5)} == {"inbox"}  # the other mailbox's
    assert "a4" not in folders and len(folders) == 9
    # Once read under its new name, the folder is synced by its changes again.
    served = source.pages_served
    source.put("a@x.example", "inbox", "a7", "late")
    SyncEngine(source, index).run()
    assert source.pages_served - served == 2  # one page of changes per mailbox
    late = index.get("a7")
    assert late is not None and late["folder"] == "Inbox/Projects"
