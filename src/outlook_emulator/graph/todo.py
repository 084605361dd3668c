"""Microsoft To Do task lists and tasks.

- todoTaskList, "List lists" (learn.microsoft.com/graph/api/resources/todotasklist):
  the mailbox's Tasks folder is the ``defaultList``;
- todoTask, "List tasks", "Get todoTask", "todoTask: delta"
  (.../api/resources/todotask, .../api/todotask-delta): ``title``, ``body``,
  ``status``, ``importance``, ``categories``, ``createdDateTime`` and
  ``lastModifiedDateTime`` (DateTimeOffset), ``startDateTime``, ``dueDateTime``
  and ``completedDateTime`` (dateTimeTimeZone).

Application access needs Tasks.Read.All.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from outlook_emulator.graph import bodies, delta, errors, paging
from outlook_emulator.graph.context import Call, etag, iso
from outlook_emulator.tenant.model import Folder, Item, Mailbox, Task

TASKS = "Tasks.Read.All"


def _when(value: datetime | None) -> dict[str, str] | None:
    if value is None:
        return None
    shown = value.astimezone(UTC) if value.tzinfo else value
    return {"dateTime": shown.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


def task_json(call: Call, task: Task) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@odata.etag": etag(task.change_key),
        "importance": task.importance,
        "isReminderOn": False,
        "status": task.status,
        "title": task.title,
        "createdDateTime": iso(task.created),
        "lastModifiedDateTime": iso(task.last_modified),
        "hasAttachments": bool(task.attachments),
        "categories": list(task.categories),
        "id": task.id,
        "body": bodies.body(task.body_text, None, call.prefs),
    }
    # Unset dates are left out, as To Do does (they are not nullable in the schema).
    for name, value in (("startDateTime", task.start), ("dueDateTime", task.due),
                        ("completedDateTime", task.completed)):
        when = _when(value)
        if when is not None:
            out[name] = when
    if task.status == "completed" and "completedDateTime" not in out:
        out["completedDateTime"] = _when(task.last_modified)
    return out


def _lists(mailbox: Mailbox) -> list[Folder]:
    return [f for f in mailbox.folders.values() if f.kind == "tasks"]


def list_json(mailbox: Mailbox, folder: Folder) -> dict[str, Any]:
    default = mailbox.well_known("tasks")
    is_default = default is not None and default.id == folder.id
    return {
        "@odata.etag": etag(f"CK{folder.changed_seq:010d}"),
        "displayName": "Tasks" if is_default else folder.display_name,
        "isOwner": True,
        "isShared": False,
        "wellknownListName": "defaultList" if is_default else "none",
        "id": folder.id,
    }


def _list(call: Call, user: str, list_id: str) -> tuple[Mailbox, Folder]:
    call.require(TASKS)
    mailbox = call.mailbox(user)
    folder = mailbox.folders.get(list_id)
    if folder is None or folder.kind != "tasks":
        raise errors.item_not_found()
    return mailbox, folder


def list_lists(call: Call, user: str) -> dict[str, Any]:
    call.require(TASKS)
    mailbox = call.mailbox(user)
    return paging.collection(call, _lists(mailbox), lambda f: list_json(mailbox, f),
                             f"users('{user}')/todo/lists")


def get_list(call: Call, user: str, list: str) -> dict[str, Any]:  # noqa: A002
    mailbox, folder = _list(call, user, list)
    return paging.entity(call, list_json(mailbox, folder), f"users('{user}')/todo/lists/$entity")


def list_tasks(call: Call, user: str, list: str) -> dict[str, Any]:  # noqa: A002
    mailbox, folder = _list(call, user, list)
    tasks = call.index.ordered(mailbox, folder, Task)
    return paging.collection(call, tasks, lambda i: task_json(call, cast(Task, folder.items[i])),
                             f"users('{user}')/todo/lists('{folder.id}')/tasks")


def tasks_delta(call: Call, user: str, list: str) -> dict[str, Any]:  # noqa: A002
    mailbox, folder = _list(call, user, list)

    def render(item: Item) -> dict[str, Any] | None:
        return task_json(call, item) if isinstance(item, Task) else None

    return delta.folder_round(call, mailbox, folder, render,
                              f"users('{user}')/todo/lists('{folder.id}')/tasks/delta")


def get_task(call: Call, user: str, list: str, task: str) -> dict[str, Any]:  # noqa: A002
    _, folder = _list(call, user, list)
    found = folder.items.get(task)
    if not isinstance(found, Task):
        raise errors.item_not_found()
    return paging.entity(call, task_json(call, found),
                         f"users('{user}')/todo/lists('{folder.id}')/tasks/$entity")


ROUTES = [
    ("users/{user}/todo/lists", list_lists),
    ("users/{user}/todo/lists/{list}", get_list),
    ("users/{user}/todo/lists/{list}/tasks", list_tasks),
    ("users/{user}/todo/lists/{list}/tasks/delta", tasks_delta),
    ("users/{user}/todo/lists/{list}/tasks/{task}", get_task),
]
