"""Users and their mailbox settings.

- user resource, "List users", "Get user" (learn.microsoft.com/graph/api/resources/user,
  .../api/user-list, .../api/user-get): default properties businessPhones,
  displayName, givenName, jobTitle, mail, mobilePhone, officeLocation,
  preferredLanguage, surname, userPrincipalName, id; page size 100 by default,
  999 at most; a user is addressed by id or userPrincipalName.
- mailboxSettings ("Get mailboxSettings", .../api/user-get-mailboxsettings),
  whose ``userPurpose`` tells a user's mailbox from a shared one.
"""

from __future__ import annotations

from typing import Any

from outlook_emulator.graph import errors, paging
from outlook_emulator.graph.context import Call
from outlook_emulator.graph.filters import USER_PROPERTIES, parse_filter
from outlook_emulator.graph.odata import select_fields
from outlook_emulator.tenant.model import User

USERS = "User.Read.All"
_DEFAULT = (
    "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
    "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id",
)


def user_json(user: User) -> dict[str, Any]:
    """Every property the emulator knows; ``default_view`` trims to the default set."""
    return {
        "businessPhones": [],
        "displayName": user.display_name,
        "givenName": user.given_name,
        "jobTitle": user.job_title,
        "mail": user.mail,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        "surname": user.surname,
        "userPrincipalName": user.mail,
        "id": user.id,
        # Shared, room and equipment mailboxes have sign-in blocked.
        "accountEnabled": user.enabled and user.kind == "user",
        "userType": "Member",
        "otherMails": [],
        "proxyAddresses": [f"SMTP:{user.mail}", *(f"smtp:{a}" for a in user.aliases)],
    }


def _view(call: Call, user: User) -> dict[str, Any]:
    full = user_json(user)
    if call.query.select is None:
        return {k: full[k] for k in _DEFAULT}
    return select_fields(full, call.query.select)


def list_users(call: Call) -> dict[str, Any]:
    call.require(USERS)
    users = list(call.tenant.users)
    if call.query.filter:
        advanced = (call.request.header("consistencylevel") or "").lower() == "eventual"
        predicate = parse_filter(call.query.filter, advanced, USER_PROPERTIES)
        users = [u for u in users if predicate(user_json(u))]
        call.query.filter = None  # applied here, on every property rather than the default view
    body = paging.collection(call, users, lambda u: _view(call, u), "users",
                             default=100, maximum=999)
    if call.query.raw.get("$count", "").lower() == "true":
        if (call.request.header("consistencylevel") or "").lower() != "eventual":
            raise errors.bad_request(
                "$count is not currently supported without ConsistencyLevel: eventual.",
                code="Request_BadRequest",
            )
        body = {"@odata.context": body.pop("@odata.context"), "@odata.count": len(users), **body}
    return body


def _find(call: Call, key: str) -> User:
    user = call.tenant.user(key)
    if user is None:
        raise errors.user_not_found(key)
    return user


def get_user(call: Call, user: str) -> dict[str, Any]:
    call.require(USERS)
    found = _find(call, user)
    return {"@odata.context": f"{call.root}/$metadata#users/$entity", **_view(call, found)}


_PURPOSE = {"user": "user", "shared": "shared", "room": "room", "equipment": "equipment"}


def mailbox_settings(call: Call, user: str) -> dict[str, Any]:
    call.require("MailboxSettings.Read")
    mailbox = call.mailbox(user)
    archive = mailbox.well_known("archive")
    settings = {
        "archiveFolder": archive.id if archive else None,
        "timeZone": "UTC",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        "dateFormat": "yyyy-MM-dd",
        "timeFormat": "HH:mm",
        "userPurpose": _PURPOSE.get(mailbox.user.kind, "others"),
        "automaticRepliesSetting": {"status": "disabled", "externalAudience": "none"},
        "language": {"locale": "en-US", "displayName": "English (United States)"},
    }
    context = f"{call.root}/$metadata#users('{user}')/mailboxSettings"
    return {"@odata.context": context, **call.select(settings)}


ROUTES = [
    ("users", list_users),
    ("users/{user}", get_user),
    ("users/{user}/mailboxSettings", mailbox_settings),
]
