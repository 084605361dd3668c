"""Members of Microsoft 365 and Entra groups, for the ``groups_include`` sync rule.

A group is found by its display name or mail address ("List groups" with
``$filter``), then read with "List group transitive members", which already
flattens nested groups. Only users count, by their ``mail``: a user without
one has no mailbox, so there is nothing to sync for it.

Application permission: GroupMember.Read.All (Group.Read.All and
Directory.Read.All also do).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base import GroupError
from .client import GraphClient
from .errors import GraphError
from .paths import segment

PERMISSION = "GroupMember.Read.All"
USER_TYPE = "#microsoft.graph.user"


def group_members(client: GraphClient, groups: Sequence[str]) -> dict[str, frozenset[str]]:
    """For each group name or address: the lower-case mail addresses of its users."""
    return {name: _members_of(client, name) for name in groups}


def _members_of(client: GraphClient, name: str) -> frozenset[str]:
    group = _find(client, name)
    path = f"groups/{segment(str(group['id']))}/transitiveMembers"
    addresses: set[str] = set()
    try:
        for member in client.items(path, params={"$select": "id,mail", "$top": "999"}):
            mail = member.get("mail")
            if member.get("@odata.type") == USER_TYPE and isinstance(mail, str) and mail:
                addresses.add(mail.lower())
    except GraphError as exc:
        raise _group_error(name, exc) from None
    return frozenset(addresses)


def _find(client: GraphClient, name: str) -> dict[str, Any]:
    quoted = name.replace("'", "''")
    params = {
        "$filter": f"displayName eq '{quoted}' or mail eq '{quoted}'",
        "$select": "id,displayName,mail",
    }
    try:
        found = list(client.items("groups", params=params))
    except GraphError as exc:
        raise _group_error(name, exc) from None
    if not found:
        raise GroupError(f"group {name!r} not found in the tenant (by display name or mail)")
    if len(found) > 1:
        raise GroupError(
            f"{len(found)} groups are named {name!r}; name the group by its mail address"
        )
    return found[0]


def _group_error(name: str, exc: GraphError) -> Exception:
    if exc.is_access_denied:
        return GroupError(
            f"group {name!r} cannot be read: access denied: the application needs the "
            f"{PERMISSION} application permission (admin consent granted) — {exc}"
        )
    return exc
