"""Maps Graph paths (below /v1.0) to handlers.

Function segments are normalised first: ``delta``, ``delta()`` and
``microsoft.graph.delta()`` name the same function (the Graph SDKs send
``delta()``). ``/me`` is refused: it only exists for delegated sign-ins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from outlook_emulator.graph import errors

Handler = Callable[..., Any]

_FUNCTION = re.compile(r"/(?:microsoft\.graph\.)?(delta)\(\)(?=/|$)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_USER_SEGMENT = re.compile(r"^/v1\.0/users/([^/]+)", re.IGNORECASE)


def normalise(path: str) -> str:
    return _FUNCTION.sub(r"/\1", path.rstrip("/"))


def mailbox_key(path: str) -> str | None:
    """The mailbox a request is about (its ``users/{id}`` segment), for per-mailbox limits."""
    match = _USER_SEGMENT.match(normalise(path))
    return match[1].lower() if match else None


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], Handler]] = []

    def add(self, pattern: str, handler: Handler) -> None:
        # A literal segment wins over a placeholder: "messages/delta" before "messages/{id}".
        regex = _PLACEHOLDER.sub(r"(?P<\1>[^/]+)", re.escape(pattern).replace(r"\{", "{")
                                 .replace(r"\}", "}"))
        # Graph treats the segments of a path case-insensitively (".../calendarview" works).
        self._routes.append((re.compile(f"^{regex}$", re.IGNORECASE), handler))

    def match(self, path: str) -> tuple[Handler, dict[str, str]]:
        """The handler for ``path`` (relative to /v1.0, no leading slash)."""
        if path == "me" or path.startswith("me/"):
            raise errors.bad_request(
                "/me request is only valid with delegated authentication flow."
            )
        for regex, handler in self._routes:
            found = regex.match(path)
            if found:
                return handler, found.groupdict()
        raise errors.unknown_segment(path.rsplit("/", 1)[-1] or path)
