"""Delta queries over one folder ("Use delta query to track changes in Microsoft
Graph data", learn.microsoft.com/graph/delta-query-overview; "Get incremental
changes to messages in a folder", learn.microsoft.com/graph/delta-query-messages).

A round starts without a token (or with a deltaLink's ``$deltatoken``), follows
``@odata.nextLink`` (``$skiptoken``) pages and ends with ``@odata.deltaLink``.
Tokens hold the mailbox change counter: a round reports the items whose
``changed_seq`` lies in (since, upto] in (changed_seq, id) order, and tombstones
in that range as ``{"id": ..., "@removed": {"reason": "deleted"}}``. Changes made
during a round have a higher sequence and come in the next round, so nothing
is lost. Query options of the first request ($select) live in the tokens. A
token the emulator did not issue, or one for another folder, answers
410 Gone with ``SyncStateNotFound``: start over with a full synchronisation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from outlook_emulator.graph import errors
from outlook_emulator.graph.context import Call
from outlook_emulator.graph.filters import parse_filter
from outlook_emulator.graph.index import SeqKey, after
from outlook_emulator.graph.paging import OUTLOOK_DEFAULT_PAGE, OUTLOOK_MAX_PAGE, page_size
from outlook_emulator.tenant.model import Folder, Item, Mailbox

# An entry of a round: the item (None for a removal), its id and its position.
Change = tuple[Item | None, str, SeqKey]


@dataclass
class RoundState:
    folder_id: str
    since: int
    upto: int
    position: list[Any]  # the last (seq, id[, sub]) reported in this round
    select: list[str] | None
    extra: dict[str, Any]

    def token(self, call: Call, final: bool) -> str:
        if final:
            return call.codec.encode({"k": "d", "f": self.folder_id, "s": self.upto,
                                      "sel": self.select, "x": self.extra})
        return call.codec.encode({"k": "s", "f": self.folder_id, "s": self.since,
                                  "u": self.upto, "a": self.position, "sel": self.select,
                                  "x": self.extra})


def start_round(call: Call, mailbox: Mailbox, scope: str, extra: dict[str, Any]) -> RoundState:
    """The state of this request: a new round, or the one its token continues.

    ``scope`` names what the round is over (a folder id), so that a token is
    never taken for another collection's.
    """
    q = call.query
    token = q.skiptoken or q.deltatoken
    if token is None:
        return RoundState(scope, 0, mailbox.seq, [], q.select, extra)
    state = call.codec.decode(token)
    kind = "s" if q.skiptoken else "d"
    if state is None or state.get("k") != kind or state.get("f") != scope:
        raise errors.sync_state_not_found(call.url)
    if kind == "d":
        return RoundState(scope, int(state["s"]), mailbox.seq, [], state.get("sel"),
                          state.get("x") or {})
    return RoundState(scope, int(state["s"]), int(state["u"]), list(state["a"]),
                      state.get("sel"), state.get("x") or {})


def changes(call: Call, mailbox: Mailbox, folder: Folder, state: RoundState) -> Iterator[Change]:
    """Items and tombstones of the round after ``state.position``, in order."""
    position: SeqKey = (state.since, "\uffff") if not state.position else (
        int(state.position[0]), str(state.position[1]))
    keys = call.index.by_change(mailbox, folder)
    tombs = call.index.tombstones(mailbox, folder) if state.since > 0 else []
    i, j = after(keys, position), after(tombs, position)
    while True:
        live = keys[i] if i < len(keys) and keys[i][0] <= state.upto else None
        dead = tombs[j] if j < len(tombs) and tombs[j][0] <= state.upto else None
        if live is None and dead is None:
            return
        if dead is None or (live is not None and live <= dead):
            assert live is not None
            i += 1
            item = folder.items.get(live[1])
            if item is not None:
                yield item, live[1], live
        else:
            j += 1
            if dead[1] not in folder.items:
                yield None, dead[1], dead


def removed(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "@removed": {"reason": "deleted"}}


def respond(
    call: Call,
    state: RoundState,
    entries: Iterator[tuple[dict[str, Any], list[Any]]],
    context: str,
    default: int = OUTLOOK_DEFAULT_PAGE,
) -> dict[str, Any]:
    """One page of a round; ``entries`` yields (rendered entry, its position)."""
    # $top of the first request is kept in the tokens; the Prefer header comes every time.
    state.extra.setdefault("top", call.query.top)
    call.query.top = state.extra.get("top")
    size = page_size(call, default, OUTLOOK_MAX_PAGE)
    call.query.select = state.select
    value: list[dict[str, Any]] = []
    final = True
    for obj, position in entries:
        if len(value) == size:
            final = False
            break
        value.append(obj if "@removed" in obj else call.select(obj))
        state.position = position
    body: dict[str, Any] = {"@odata.context": f"{call.root}/$metadata#{context}"}
    link_name = "@odata.deltaLink" if final else "@odata.nextLink"
    token_name = "$deltatoken" if final else "$skiptoken"
    body[link_name] = call.link({token_name: state.token(call, final)})
    body["value"] = value
    return body


def folder_round(
    call: Call, mailbox: Mailbox, folder: Folder, render: Callable[[Item], dict[str, Any] | None],
    context: str,
) -> dict[str, Any]:
    """A delta page over the items of one folder, each rendered by ``render``
    (which answers None for items this delta does not report, e.g. contact groups)."""
    state = start_round(call, mailbox, folder.id, {"flt": call.query.filter})
    # A $filter of the first request (message delta: receivedDateTime ge ...) rides in the tokens.
    keep = parse_filter(state.extra["flt"]) if state.extra.get("flt") else None

    def entries() -> Iterator[tuple[dict[str, Any], list[Any]]]:
        for item, item_id, key in changes(call, mailbox, folder, state):
            obj = removed(item_id) if item is None else render(item)
            if obj is not None and (keep is None or item is None or keep(obj)):
                yield obj, list(key)

    return respond(call, state, entries(), context)


def folders_round(
    call: Call, mailbox: Mailbox, folders: list[Folder], scope: str,
    render: Callable[[Folder], dict[str, Any]], context: str,
) -> dict[str, Any]:
    """A delta page over a mailbox's folders of one kind ("mailFolder: delta",
    learn.microsoft.com/graph/api/mailfolder-delta; "contactFolder: delta")."""
    state = start_round(call, mailbox, scope, {})
    keys = sorted((f.changed_seq, f.id) for f in folders)
    by_id = {f.id: f for f in folders}
    position: SeqKey = (state.since, "\uffff") if not state.position else (
        int(state.position[0]), str(state.position[1]))

    def entries() -> Iterator[tuple[dict[str, Any], list[Any]]]:
        for key in keys[after(keys, position):]:
            if key[0] <= state.upto:
                yield render(by_id[key[1]]), list(key)

    return respond(call, state, entries(), context)
