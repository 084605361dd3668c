"""OData query options, Prefer headers and paging as Microsoft Graph applies them.

"Use query parameters to customize responses" (learn.microsoft.com/graph/query-parameters),
"Paging Microsoft Graph data" (learn.microsoft.com/graph/paging) and the Outlook
Prefer headers ("Get message", "List events": ``outlook.body-content-type``,
``outlook.timezone``, ``IdType="ImmutableId"``, ``odata.maxpagesize``).

Continuation tokens ($skiptoken, $deltatoken) are opaque to clients: a JSON
state, base64url-encoded and signed, so that a token the emulator did not
issue is recognised and refused rather than misread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from outlook_emulator.graph.errors import bad_request

# Query options Graph defines; any other option starting with $ is an error.
_KNOWN_OPTIONS = {
    "$select", "$top", "$skip", "$skiptoken", "$deltatoken", "$filter", "$orderby",
    "$expand", "$count", "$search", "$format",
}
_PREFER_ITEM = re.compile(r'\s*([A-Za-z.\-]+)\s*(?:=\s*("[^"]*"|[^,;\s]*))?\s*')


@dataclass
class Preferences:
    """The Prefer header, and which preferences were honoured (for Preference-Applied)."""

    max_page_size: int | None = None
    body_text: bool | None = None  # True: text, False: html, None: not asked
    immutable_ids: bool = False
    timezone: str | None = None
    applied: list[str] = field(default_factory=list)

    def apply(self, preference: str) -> None:
        if preference not in self.applied:
            self.applied.append(preference)

    def header(self) -> dict[str, str]:
        return {"Preference-Applied": ", ".join(self.applied)} if self.applied else {}


def parse_prefer(values: Iterable[str]) -> Preferences:
    prefs = Preferences()
    for value in values:
        for part in value.split(","):
            match = _PREFER_ITEM.fullmatch(part)
            if not match:
                continue
            name, raw = match[1].lower(), (match[2] or "").strip('"')
            _set_preference(prefs, name, raw)
    return prefs


def _set_preference(prefs: Preferences, name: str, raw: str) -> None:
    if name == "odata.maxpagesize" and raw.isdigit() and int(raw) > 0:
        prefs.max_page_size = int(raw)
    elif name == "outlook.body-content-type" and raw.lower() in ("text", "html"):
        prefs.body_text = raw.lower() == "text"
    elif name == "idtype" and raw == "ImmutableId":
        prefs.immutable_ids = True
    elif name == "outlook.timezone" and raw:
        prefs.timezone = raw


@dataclass
class Query:
    """The query options of one request."""

    select: list[str] | None = None
    top: int | None = None
    skiptoken: str | None = None
    deltatoken: str | None = None
    filter: str | None = None
    raw: dict[str, str] = field(default_factory=dict)


def parse_query(query: dict[str, str]) -> Query:
    for name in query:
        if name.startswith("$") and name.lower() not in _KNOWN_OPTIONS:
            raise bad_request(f"Query option '{name}' is not allowed.")
    q = Query(raw=dict(query))
    if "$select" in query:
        q.select = [s.strip() for s in query["$select"].split(",") if s.strip()]
        if not q.select:
            raise bad_request("Invalid $select value: the list of properties is empty.")
    if "$top" in query:
        top = query["$top"]
        if not top.isdigit() or int(top) < 1:
            raise bad_request(f"Invalid value '{top}' for query option '$top'.")
        q.top = int(top)
    q.skiptoken = query.get("$skiptoken")
    q.deltatoken = query.get("$deltatoken")
    q.filter = query.get("$filter")
    return q


def select_fields(obj: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
    """Keep the selected properties; Graph always returns ``id`` and annotations."""
    if select is None:
        return obj
    wanted = {s.lower() for s in select}
    return {k: v for k, v in obj.items() if k == "id" or k.startswith("@") or k.lower() in wanted}


class TokenCodec:
    """Signs and checks continuation tokens."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def encode(self, state: dict[str, Any]) -> str:
        payload = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(mac + payload).rstrip(b"=").decode("ascii")

    def decode(self, token: str) -> dict[str, Any] | None:
        """The state, or None for a token this emulator did not issue."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            return None
        mac, payload = raw[:12], raw[12:]
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        if len(mac) != 12 or not hmac.compare_digest(mac, expected):
            return None
        try:
            state = json.loads(payload)
        except ValueError:
            return None
        return state if isinstance(state, dict) else None


def link(url: str, params: dict[str, str]) -> str:
    """``url`` with query options, keeping ``$`` and ``,`` readable as Graph's links do."""
    if not params:
        return url
    return f"{url}?{urlencode(params, quote_via=quote, safe='$,()')}"
