"""The state of a calendar round, carried in the cursor URL's fragment.

Graph v1.0 has no delta query for a calendar's events (see
``ChangeReader.events``), so the source keeps what it needs between rounds
in the fragment of the cursor URL — never sent to the server:

- ``since``: when the round started; the next round asks for events
  modified since then;
- ``ids``: count and digest of the calendar's event ids when the round
  started; the next round lists the ids again (a cheap, id-only listing)
  and, if an event that existed then is gone, reads the calendar again in
  full so that the engine removes what was deleted;
- ``floor``: the last-modified time an incremental round's listing starts
  from (also applied to each page, in case a server ignores ``$filter``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_CHECKPOINT = "checkpoint"
_PAGE = "page"


@dataclass(frozen=True)
class RoundState:
    since: datetime
    ids: str  # "<count>.<digest>" of the event ids when the round started
    floor: datetime | None = None
    checkpoint: bool = False

    def at_end(self) -> RoundState:
        """The checkpoint that starts the next round."""
        return replace(self, floor=None, checkpoint=True)

    def fragment(self) -> str:
        fields = {"since": self.since.isoformat(), "ids": self.ids}
        if self.floor is not None:
            fields["floor"] = self.floor.isoformat()
        return f"{_CHECKPOINT if self.checkpoint else _PAGE};{urlencode(fields)}"

    @classmethod
    def parse(cls, fragment: str) -> RoundState | None:
        kind, _, rest = fragment.partition(";")
        if kind not in (_CHECKPOINT, _PAGE):
            return None
        fields = dict(parse_qsl(rest))
        try:
            since = datetime.fromisoformat(fields["since"])
            floor = datetime.fromisoformat(fields["floor"]) if "floor" in fields else None
        except (KeyError, ValueError):
            return None
        if since.tzinfo is None or not fields.get("ids"):
            return None
        return cls(since, fields["ids"], floor, kind == _CHECKPOINT)


def split_cursor(cursor: str | None) -> tuple[str | None, RoundState | None]:
    """The URL to ask (without fragment) and the round state it carries."""
    if cursor is None:
        return None, None
    parts = urlsplit(cursor)
    return urlunsplit(parts._replace(fragment="")), RoundState.parse(parts.fragment)


def with_state(url: str, state: RoundState) -> str:
    return urlunsplit(urlsplit(url)._replace(fragment=state.fragment()))


def id_digest(ids: Iterable[str]) -> str:
    unique = sorted(set(ids))
    digest = hashlib.sha256("\n".join(unique).encode("utf-8")).hexdigest()[:32]
    return f"{len(unique)}.{digest}"


def nothing_deleted(created: Mapping[str, datetime | None], previous: RoundState) -> bool:
    """Whether every event listed when ``previous`` started still exists.

    Events created since then are set aside; what remains must be exactly
    the earlier set. Anything unexpected (clock skew, an event created while
    the earlier listing ran) also answers False: a full read is always safe.
    """
    earlier = [i for i, when in created.items() if when is None or when < previous.since]
    return id_digest(earlier) == previous.ids
