"""Server-side paging of collections ("Paging Microsoft Graph data",
learn.microsoft.com/graph/paging): a page holds at most ``$top`` or
``odata.maxpagesize`` entries, and ``@odata.nextLink`` carries an opaque
``$skiptoken`` plus the request's other query options.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from outlook_emulator.graph import errors
from outlook_emulator.graph.context import Call
from outlook_emulator.graph.filters import parse_filter, value_at

T = TypeVar("T")

OUTLOOK_DEFAULT_PAGE = 10
OUTLOOK_MAX_PAGE = 1000


def page_size(call: Call, default: int, maximum: int) -> int:
    size = call.query.top or default
    wanted = call.prefs.max_page_size
    if wanted is not None:
        size = min(wanted, call.query.top or wanted)
        call.prefs.apply(f"odata.maxpagesize={min(wanted, maximum)}")
    return max(1, min(size, maximum))


def offset(call: Call) -> int:
    if call.query.skiptoken is None:
        return 0
    state = call.codec.decode(call.query.skiptoken)
    if state is None or not isinstance(state.get("o"), int) or state.get("p") != call.request.path:
        raise errors.bad_request("The $skiptoken value is not valid.", code="InvalidSkipToken")
    return int(state["o"])


def filtered(
    call: Call, entries: Sequence[T], render: Callable[[T], dict[str, Any]]
) -> Sequence[T]:
    """The entries ``$filter`` keeps (judged on their JSON), or all of them."""
    if not call.query.filter:
        return entries
    predicate = parse_filter(call.query.filter)
    return [e for e in entries if predicate(render(e))]


def ordered(
    call: Call, entries: Sequence[T], render: Callable[[T], dict[str, Any]],
    natural: str | None,
) -> Sequence[T]:
    """The entries in ``$orderby`` order ("prop [asc|desc], ...", judged on their JSON).

    ``natural`` is the order the entries already have, which needs no sorting.
    """
    clause = " ".join((call.query.raw.get("$orderby") or "").split())
    if not clause or clause.lower() == (natural or "").lower():
        return entries
    keys = []
    for part in clause.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in
                                           ("asc", "desc")):
            raise errors.bad_request(f"Invalid $orderby value '{clause}'.")
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    rendered = [(render(e), e) for e in entries]
    for name, descending in reversed(keys):  # stable sorts, last key first
        rendered.sort(key=_by(name), reverse=descending)
    return [e for _, e in rendered]


def _by(name: str) -> Callable[[tuple[dict[str, Any], Any]], tuple[int, Any]]:
    return lambda pair: _sort_key(value_at(pair[0], name))


def _sort_key(value: Any) -> tuple[int, Any]:
    """Nulls first; strings without regard to case (as Exchange sorts them)."""
    if value is None:
        return (0, "")
    return (1, value.lower() if isinstance(value, str) else value)


def collection(
    call: Call,
    entries: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    context: str,
    default: int = OUTLOOK_DEFAULT_PAGE,
    maximum: int = OUTLOOK_MAX_PAGE,
    natural: str | None = None,
) -> dict[str, Any]:
    """One page of ``entries`` with its ``@odata.context`` and, if more follow, nextLink.

    ``$filter`` and ``$orderby`` apply first; ``natural`` names the order ``entries``
    already have (e.g. "receivedDateTime desc" for messages).
    """
    entries = ordered(call, filtered(call, entries, render), render, natural)
    start = offset(call)
    size = page_size(call, default, maximum)
    chunk = entries[start : start + size]
    body: dict[str, Any] = {"@odata.context": f"{call.root}/$metadata#{context}"}
    body["value"] = [call.select(render(entry)) for entry in chunk]
    if start + size < len(entries):
        params = {k: v for k, v in call.query.raw.items() if k != "$skiptoken"}
        params["$skiptoken"] = call.codec.encode({"o": start + size, "p": call.request.path})
        body["@odata.nextLink"] = call.link(params)
    return body


def entity(call: Call, obj: dict[str, Any], context: str) -> dict[str, Any]:
    return {"@odata.context": f"{call.root}/$metadata#{context}", **call.select(obj)}
