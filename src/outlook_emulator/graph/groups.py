"""Groups and their members.

- group resource, "List groups", "Get group" (learn.microsoft.com/graph/api/resources/group,
  .../api/group-list, .../api/group-get): ``groupTypes`` holds "Unified" for a
  Microsoft 365 group; a security group has ``securityEnabled`` true; ``$filter``
  on displayName and mail (``eq``, ``startswith``, ``in``); pages of 100 by
  default, 999 at most.
- "List group members", "List group transitive members" (.../api/group-list-members,
  .../api/group-list-transitivemembers): a directoryObject collection whose
  entries carry ``@odata.type`` (``#microsoft.graph.user``, ``#microsoft.graph.group``).
  An application without permission to read users still gets its user members,
  but only their type and id: every other property is null.

Application permissions: GroupMember.Read.All at least; Group.Read.All,
Directory.Read.All and their ReadWrite forms also grant access.
"""

from __future__ import annotations

from typing import Any

from outlook_emulator.graph import errors, paging
from outlook_emulator.graph.context import Call
from outlook_emulator.graph.filters import parse_filter
from outlook_emulator.graph.odata import select_fields
from outlook_emulator.graph.users import user_json
from outlook_emulator.tenant.model import Group, User

GROUP_PERMISSIONS = (
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
USER_PERMISSIONS = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All",
                    "Directory.ReadWrite.All")
GROUP_PROPERTIES = {"id", "displayName", "mail", "mailNickname", "mailEnabled",
                    "securityEnabled"}
_DEFAULT = (
    "id", "classification", "createdDateTime", "description", "displayName", "groupTypes",
    "mail", "mailEnabled", "mailNickname", "proxyAddresses", "securityEnabled", "visibility",
)
_USER_DEFAULT = (
    "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
    "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id",
)
USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"


def group_json(group: Group) -> dict[str, Any]:
    unified = group.kind == "microsoft365"
    return {
        "id": group.id,
        "classification": None,
        "createdDateTime": "2024-01-01T00:00:00Z",
        "description": None,
        "displayName": group.display_name,
        "groupTypes": ["Unified"] if unified else [],
        "mail": group.mail,
        "mailEnabled": unified or group.mail is not None,
        "mailNickname": (group.mail or group.display_name).split("@", 1)[0].replace(" ", ""),
        "proxyAddresses": [f"SMTP:{group.mail}"] if group.mail else [],
        "securityEnabled": not unified,
        "visibility": "Private" if unified else None,
    }


def _require(call: Call) -> None:
    if not any(p in call.token.roles for p in GROUP_PERMISSIONS):
        raise errors.directory_access_denied()


def _view(call: Call, group: Group) -> dict[str, Any]:
    full = group_json(group)
    if call.query.select is None:
        return {k: full[k] for k in _DEFAULT}
    return select_fields(full, call.query.select)


def _find(call: Call, group_id: str) -> Group:
    # Groups are addressed by id only; a display name is not a key.
    group = next((g for g in call.tenant.groups if g.id == group_id.lower()), None)
    if group is None:
        raise errors.user_not_found(group_id)  # Request_ResourceNotFound, worded alike
    return group


def list_groups(call: Call) -> dict[str, Any]:
    _require(call)
    groups = list(call.tenant.groups)
    if call.query.filter:
        advanced = (call.request.header("consistencylevel") or "").lower() == "eventual"
        predicate = parse_filter(call.query.filter, advanced, GROUP_PROPERTIES)
        groups = [g for g in groups if predicate(group_json(g))]
        call.query.filter = None  # applied here, on every property rather than the default view
    return paging.collection(call, groups, lambda g: _view(call, g), "groups",
                             default=100, maximum=999)


def get_group(call: Call, group: str) -> dict[str, Any]:
    _require(call)
    found = _find(call, group)
    return {"@odata.context": f"{call.root}/$metadata#groups/$entity", **_view(call, found)}


def _member_json(call: Call, member: User | Group) -> dict[str, Any]:
    if isinstance(member, Group):
        return {"@odata.type": GROUP_TYPE, **_view(call, member)}
    full = user_json(member)
    if not any(p in call.token.roles for p in USER_PERMISSIONS):
        # Without a permission to read users, only what the object is and its id.
        return {"@odata.type": USER_TYPE, **{k: None for k in _USER_DEFAULT}, "id": member.id}
    keys = _USER_DEFAULT if call.query.select is None else [
        k for k in full if k == "id" or k.lower() in {s.lower() for s in call.query.select}
    ]
    return {"@odata.type": USER_TYPE, **{k: full[k] for k in keys}}


def _members(call: Call, members: list[User | Group]) -> dict[str, Any]:
    body = paging.collection(call, members, lambda m: _member_json(call, m),
                             "directoryObjects", default=100, maximum=999)
    return body


def list_members(call: Call, group: str) -> dict[str, Any]:
    _require(call)
    return _members(call, call.tenant.direct_members(_find(call, group)))


def list_transitive_members(call: Call, group: str) -> dict[str, Any]:
    _require(call)
    return _members(call, call.tenant.transitive_members(_find(call, group)))


ROUTES = [
    ("groups", list_groups),
    ("groups/{group}", get_group),
    ("groups/{group}/members", list_members),
    ("groups/{group}/transitiveMembers", list_transitive_members),
]
