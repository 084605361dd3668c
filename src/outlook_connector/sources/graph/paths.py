"""Graph resource paths of one mailbox."""

from __future__ import annotations

from urllib.parse import quote

from ..base import Mailbox


def segment(value: str) -> str:
    """One path segment: Graph ids may hold "/" and "+", which must not split the path."""
    return quote(value, safe="=@")


def user_path(mailbox: Mailbox) -> str:
    return f"users/{segment(mailbox.id or mailbox.address)}"


def slot_key(mailbox: Mailbox) -> str:
    """The key of the mailbox's concurrency budget."""
    return (mailbox.id or mailbox.address).lower()
