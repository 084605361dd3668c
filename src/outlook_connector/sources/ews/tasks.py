"""What a task document is made of, read straight from GetItem's ``t:Task``.

``mapping.task_facts`` gives the same facts for exchangelib's objects (items
read the general way), so one builder in ``mapping`` makes the documents of
both.

Element names: EWS reference, "Task", "Status", "StartDate (Task)",
"DueDate (Task)", "CompleteDate".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from outlook_connector.sources.ews import itemxml as x
from outlook_connector.sources.ews.children import indexed

TASK_TAG = f"{x.T}Task"


@dataclass(frozen=True)
class TaskFacts:
    id: str
    subject: str | None
    last_modified: dt.datetime | None
    status: str | None
    importance: str | None
    categories: tuple[str, ...]
    start_date: dt.date | None
    due_date: dt.date | None
    complete_date: dt.datetime | None
    body: str | None
    body_is_html: bool
    attachments: tuple[x.AttachmentFacts, ...]


def read_task(elem: Any) -> TaskFacts:
    """The facts of a ``t:Task``; ``UnreadableItem`` when a value is not read here."""
    elem = indexed(elem)
    body, is_html = x.body(elem)
    return TaskFacts(
        id=x.item_id(elem),
        subject=x.text(elem, "Subject"),
        last_modified=x.instant(elem, "LastModifiedTime"),
        # Absent values are exchangelib's defaults for them.
        status=x.text(elem, "Status") or "NotStarted",
        importance=x.text(elem, "Importance") or "Normal",
        categories=x.categories(elem),
        start_date=_day(elem, "StartDate"),
        due_date=_day(elem, "DueDate"),
        complete_date=x.instant(elem, "CompleteDate"),
        body=body,
        body_is_html=is_html,
        attachments=x.attachments(elem),
    )


def _day(elem: Any, name: str) -> dt.date | None:
    """The day a task date stands for: the nearest midnight (see ``services.nearest_day``)."""
    # Imported here: ``services`` imports the readers.
    from outlook_connector.sources.ews.services import nearest_day

    value = x.text(elem, name)
    if value is None:
        return None
    day = nearest_day(value)
    if day is None:
        raise x.UnreadableItem(f"{name} {value!r} is not an xs:dateTime")
    return day
