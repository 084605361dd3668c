"""Deterministic identifiers for users, folders, items and attachments.

Exchange hands out opaque, URL-safe ids of roughly a hundred characters. We
derive ours from what names an object in the tenant folder (mailbox address
plus relative path), so two loads of the same folder give the same ids and a
front end never has to persist a mapping.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

# A fixed namespace for the directory object ids (uuid5 of the address).
_USER_NAMESPACE = uuid.UUID("8f0e2b52-6c1d-4d8a-9a57-3c4f2f6e1b90")

# A short tag per kind keeps ids of different kinds from ever colliding, and
# lets a person reading a log tell a folder id from an item id.
_KIND_TAGS = {
    "folder": "AQMkAD",
    "item": "AAMkAG",
    "attachment": "AAMkAT",
}


def user_id(address: str) -> str:
    """The directory object id (a GUID) of the user with this primary address."""
    return str(uuid.uuid5(_USER_NAMESPACE, address.lower()))


def _token(kind: str, *parts: str) -> str:
    digest = hashlib.sha512("\0".join((kind, *parts)).encode("utf-8")).digest()
    # 6 tag characters + 63 digest bytes as 84 base64 characters (no padding).
    return _KIND_TAGS[kind] + base64.urlsafe_b64encode(digest[:63]).decode("ascii")


def folder_id(mailbox: str, path: str) -> str:
    """The id of the folder at ``path`` ("" for the root) in ``mailbox``."""
    return _token("folder", mailbox.lower(), path)


def item_id(mailbox: str, path: str, salt: str = "") -> str:
    """The id of the item loaded from ``path``; ``salt`` makes a fresh id for a reused path."""
    return _token("item", mailbox.lower(), path, salt)


def attachment_id(owner_id: str, position: int) -> str:
    """The id of the attachment at ``position`` (0-based) of the item ``owner_id``."""
    return _token("attachment", owner_id, str(position))


def encode(raw: bytes) -> str:
    """URL-safe base64 without padding, the alphabet every id here uses."""
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
