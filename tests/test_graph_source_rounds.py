"""The calendar round state kept in cursor fragments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outlook_connector.sources.graph.rounds import (
    RoundState,
    id_digest,
    nothing_deleted,
    split_cursor,
    with_state,
)

SINCE = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
URL = "https://graph.test/v1.0/users/u1/calendars/c1/events?$skip=2"


def test_state_travels_in_the_fragment_and_back() -> None:
    state = RoundState(SINCE, id_digest(["a", "b"]), floor=SINCE - timedelta(minutes=10))
    cursor = with_state(URL, state)
    assert cursor.startswith(URL + "#page;")
    assert split_cursor(cursor) == (URL, state)
    end = state.at_end()
    assert end.checkpoint and end.floor is None
    assert split_cursor(with_state(URL, end)) == (URL, end)


def test_a_cursor_without_state_or_with_a_damaged_one_has_none() -> None:
    assert split_cursor(URL) == (URL, None)
    assert split_cursor(URL + "#page;since=yesterday&ids=1.x")[1] is None
    assert split_cursor(URL + "#other")[1] is None
    assert split_cursor(URL + "#checkpoint;since=2026-05-01T12:00:00")[1] is None
    assert split_cursor(None) == (None, None)


def test_digest_ignores_order_and_duplicates() -> None:
    assert id_digest(["b", "a", "a"]) == id_digest(["a", "b"])
    assert id_digest(["a"]) != id_digest(["a", "b"])
    assert id_digest([]).startswith("0.")


def test_deletion_is_seen_past_events_created_since() -> None:
    before = SINCE - timedelta(days=1)
    previous = RoundState(SINCE, id_digest(["a", "b"]), checkpoint=True)
    assert nothing_deleted({"a": before, "b": before}, previous)
    assert nothing_deleted({"a": before, "b": None, "new": SINCE + timedelta(hours=1)}, previous)
    assert not nothing_deleted({"a": before, "new": SINCE + timedelta(hours=1)}, previous)
    # Unexpected: an event older than the previous round that it did not see. Read in full.
    assert not nothing_deleted({"a": before, "b": before, "c": before}, previous)
