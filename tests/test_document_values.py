"""How dates and times are written into documents: one form, whatever the source gave."""

from __future__ import annotations

import datetime as dt

import pytest

from outlook_connector.documents import iso_utc
from outlook_connector.sinks.sqlite import serialise


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (dt.datetime(2024, 3, 5, 10, 11, 12, tzinfo=dt.UTC), "2024-03-05T10:11:12Z"),
        # Naive times are taken as UTC (exchangelib's and Graph's are always zoned).
        (dt.datetime(2024, 3, 5, 10, 11, 12), "2024-03-05T10:11:12Z"),
        # Another zone is converted, across midnight and the year if need be.
        (
            dt.datetime(2024, 1, 1, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2023-12-31T23:30:00Z",
        ),
        # Fractions of a second are dropped, not rounded.
        (dt.datetime(2024, 3, 5, 10, 11, 12, 999_999, tzinfo=dt.UTC), "2024-03-05T10:11:12Z"),
        # Four-digit years always, as ISO 8601 wants.
        (dt.datetime(812, 7, 1, tzinfo=dt.UTC), "0812-07-01T00:00:00Z"),
        (None, None),
    ],
)
def test_instants_are_written_in_utc_to_the_second(
    value: dt.datetime | None, written: str | None
) -> None:
    assert iso_utc(value) == written


def test_equal_documents_are_stored_as_equal_text_whatever_their_key_order() -> None:
    one = {"id": "1", "title": "Zebracorn", "to_recipients": ["a@b"], "message": "é"}
    other = dict(reversed(list(one.items())))
    assert serialise(one) == serialise(other)
    assert "é" in serialise(one)  # stored as text, not escaped
