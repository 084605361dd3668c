"""iCalendar recurrence rules as EWS Recurrence elements, schema-valid in a GetItem answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ews_schema import problems
from lxml import etree

from outlook_emulator.ews.items import RenderContext, render_item
from outlook_emulator.ews.shapes import Shape
from outlook_emulator.ews.soap import M, T, envelope, response_message, response_root, sub
from outlook_emulator.tenant.model import Event, Recurrence

START = datetime(2024, 9, 2, 9, 0, tzinfo=UTC)  # a Monday


def render(rrule: str) -> etree._Element:
    event = Event(
        id="AAMkAGseries",
        path="calendar/x.ics",
        folder_id="AQMkADcalendar",
        created=START,
        last_modified=START,
        subject="Series",
        start=START,
        end=START.replace(hour=10),
        recurrence=Recurrence(rrule=rrule),
    )
    response = response_root("GetItemResponse")
    message = response_message(sub(response, M + "ResponseMessages"), "GetItemResponseMessage")
    shape = Shape(base="IdOnly", uris={"calendar:Recurrence", "calendar:FirstOccurrence"})
    render_item(sub(message, M + "Items"), event, RenderContext(shape=shape))
    body = envelope(response)
    assert problems(body) == []
    return etree.fromstring(body).find(f".//{T}CalendarItem")


def pattern(item: etree._Element) -> list[str]:
    rec = item.find(T + "Recurrence")
    assert rec is not None
    return [
        f"{etree.QName(el).localname}:{child_text}"
        for el in rec
        for child_text in [",".join(c.text or "" for c in el)]
    ]


@pytest.mark.parametrize(
    ("rrule", "expected", "first"),
    [
        (
            "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6",
            ["WeeklyRecurrence:1,Monday Wednesday", "NumberedRecurrence:2024-09-02,6"],
            "2024-09-02",
        ),
        (
            "FREQ=DAILY;INTERVAL=2;UNTIL=20241001T000000Z",
            ["DailyRecurrence:2", "EndDateRecurrence:2024-09-02,2024-10-01"],
            "2024-09-02",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=15",
            ["AbsoluteMonthlyRecurrence:1,15", "NoEndRecurrence:2024-09-02"],
            "2024-09-15",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR",
            ["RelativeMonthlyRecurrence:1,Friday,Last", "NoEndRecurrence:2024-09-02"],
            "2024-09-27",
        ),
        (
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=TU;BYSETPOS=2",
            ["RelativeMonthlyRecurrence:3,Tuesday,Second", "NoEndRecurrence:2024-09-02"],
            "2024-09-10",
        ),
        (
            "FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=17",
            ["AbsoluteYearlyRecurrence:17,May", "NoEndRecurrence:2024-09-02"],
            "2025-05-17",
        ),
        (
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            ["RelativeYearlyRecurrence:Thursday,Fourth,November", "NoEndRecurrence:2024-09-02"],
            "2024-11-28",
        ),
        (
            "FREQ=DAILY;UNTIL=20240905",
            ["DailyRecurrence:1", "EndDateRecurrence:2024-09-02,2024-09-05"],
            "2024-09-02",
        ),
    ],
)
def test_rules_become_ews_patterns_and_ranges(rrule: str, expected: list[str], first: str) -> None:
    item = render(rrule)
    assert pattern(item) == expected
    assert item.find(f"{T}FirstOccurrence/{T}Start").text == f"{first}T09:00:00Z"


@pytest.mark.parametrize(
    "rrule", ["FREQ=WEEKLY;BYDAY=XX", "FREQ=SOMETIMES", "FREQ=MONTHLY;BYDAY=9ZZ"]
)
def test_a_rule_ews_cannot_express_is_left_out(rrule: str) -> None:
    item = render(rrule)
    assert item.find(T + "Recurrence") is None
