"""Reading pages ahead: same items, same order, errors where they happened, bounded memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from outlook_connector.sync.readahead import ReadAhead


def test_items_arrive_in_order() -> None:
    assert list(ReadAhead(iter(range(100)), depth=2)) == list(range(100))


def test_an_error_surfaces_after_the_items_before_it() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("reset by peer")

    seen: list[int] = []
    with pytest.raises(ConnectionError, match="reset by peer"):
        for item in ReadAhead(pages()):
            seen.append(item)
    assert seen == [1, 2]


def test_reading_stays_at_most_depth_ahead_and_stops_when_the_reader_does() -> None:
    produced: list[int] = []
    closed = threading.Event()

    def pages() -> Iterator[int]:
        try:
            for n in range(1000):
                produced.append(n)
                yield n
        finally:
            closed.set()

    reader = iter(ReadAhead(pages(), depth=1))
    assert next(reader) == 0
    time.sleep(0.3)
    assert len(produced) <= 3  # the one taken, one queued, one waiting to be queued
    reader.close()  # the consumer stops early (e.g. its commit failed)
    assert closed.wait(5)
    assert len(produced) <= 4
