"""Which mailboxes to sync: Graph ``/users``.

Shared mailboxes are users whose sign-in is blocked (``accountEnabled``
false), so the account flag alone cannot decide: a disabled account is
synced when its mailbox settings say ``userPurpose`` "shared", and skipped
when it is a disabled person ("user") or when that cannot be told.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from ..base import Mailbox, SourceError
from .client import GraphClient
from .errors import GraphError, permission_message
from .paths import segment

log = logging.getLogger(__name__)

USER_FIELDS = "id,displayName,mail,userPrincipalName,accountEnabled,userType"
# Mailbox purposes that are a mailbox of their own worth syncing when sign-in is blocked.
_SYNCED_PURPOSES = {"shared": "shared"}


def all_mailboxes(client: GraphClient, undetermined: list[str] | None = None) -> Iterator[Mailbox]:
    """Every user with a mailbox to sync.

    Disabled accounts whose mailbox purpose cannot be read (no
    MailboxSettings.Read) are left out, and their addresses added to ``undetermined``.
    """
    try:
        for user in client.items("users", params={"$select": USER_FIELDS, "$top": "999"}):
            mailbox = _mailbox_of(client, user, undetermined)
            if mailbox is not None:
                yield mailbox
    except GraphError as exc:
        raise _directory_error(exc) from None


def listed_mailboxes(client: GraphClient, addresses: tuple[str, ...]) -> list[Mailbox]:
    """Exactly the configured addresses; all unknown ones are named in one error."""
    found: list[Mailbox] = []
    unknown: list[str] = []
    for address in addresses:
        try:
            user = _lookup(client, address.strip())
        except GraphError as exc:
            raise _directory_error(exc) from None
        if user is None or not user.get("mail"):
            unknown.append(address)
            continue
        kind = _kind(client, user) if user.get("accountEnabled") is False else "user"
        found.append(_mailbox(user, kind or "user"))
    if unknown:
        raise SourceError(f"mailboxes not found in the tenant: {', '.join(unknown)}")
    return found


def _lookup(client: GraphClient, address: str) -> dict[str, Any] | None:
    """The user whose sign-in name or, failing that, primary address is ``address``.

    ``/users/{x}`` takes an id or a userPrincipalName, and a user's mail
    address often differs from their sign-in name.
    """
    try:
        return client.get_json(f"users/{segment(address)}", params={"$select": USER_FIELDS})
    except GraphError as exc:
        if not exc.is_not_found:
            raise
    quoted = address.replace("'", "''")
    params = {"$select": USER_FIELDS, "$filter": f"mail eq '{quoted}'"}
    return next(iter(client.items("users", params=params)), None)


def _mailbox_of(
    client: GraphClient, user: dict[str, Any], undetermined: list[str] | None
) -> Mailbox | None:
    if not user.get("mail") or not user.get("id"):
        return None  # no mailbox (unlicensed user, or a group's account)
    if str(user.get("userType") or "").lower() == "guest":
        return None  # a guest's mail address points at another organisation
    if user.get("accountEnabled") is not False:
        return _mailbox(user, "user")
    kind = _kind(client, user, undetermined)
    return _mailbox(user, kind) if kind else None


def _kind(
    client: GraphClient, user: dict[str, Any], undetermined: list[str] | None = None
) -> str | None:
    """The kind of a disabled account's mailbox: "shared", or ``None`` to leave it out."""
    try:
        settings = client.get_json(f"users/{segment(user['id'])}/mailboxSettings")
    except GraphError as exc:
        if exc.is_not_found or exc.is_access_denied:
            detail = permission_message("mailboxSettings", exc) if exc.is_access_denied else exc
            log.warning("skipping disabled account %s: %s", user.get("mail"), detail)
            if exc.is_access_denied and undetermined is not None:
                undetermined.append(str(user.get("mail")))
            return None
        raise
    purpose = settings.get("userPurpose")
    if isinstance(purpose, dict):  # the beta shape: {"value": "shared"}
        purpose = purpose.get("value")
    kind = _SYNCED_PURPOSES.get(str(purpose or "").lower())
    if kind is None:
        log.info("skipping disabled account %s (mailbox purpose %s)", user.get("mail"), purpose)
    return kind


def _mailbox(user: dict[str, Any], kind: str) -> Mailbox:
    return Mailbox(
        address=str(user["mail"]).lower(),
        display_name=user.get("displayName") or None,
        kind="shared" if kind == "shared" else "user",
        id=str(user["id"]),
    )


def _directory_error(exc: GraphError) -> SourceError:
    if exc.is_access_denied:
        return SourceError(permission_message("users", exc))
    return exc
