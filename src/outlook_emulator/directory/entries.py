"""Tenant users as Active Directory user objects.

Both directory back ends store the same attributes, the ones Exchange stamps
on a mail-enabled account: ``mail``, ``proxyAddresses`` (``SMTP:`` marks the
primary address, ``smtp:`` the aliases), ``userPrincipalName``,
``displayName``, ``givenName``, ``sn``, ``userAccountControl`` and
``msExchRecipientTypeDetails``. Exchange creates shared, room and equipment
mailboxes as disabled user accounts, so those carry ACCOUNTDISABLE too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outlook_emulator.tenant.model import User

# userAccountControl flags (MS-ADTS 2.2.16).
ACCOUNTDISABLE = 0x0002
NORMAL_ACCOUNT = 0x0200
DONT_EXPIRE_PASSWORD = 0x10000

# msExchRecipientTypeDetails values Exchange writes for each mailbox type.
RECIPIENT_TYPE_DETAILS = {"user": 1, "shared": 4, "room": 16, "equipment": 32}

# Characters AD refuses in sAMAccountName, and its length limit.
SAM_ILLEGAL = re.compile(r'[\\/\[\]:;|=,+*?<>@"\s]')
_SAM_MAX = 20


@dataclass(frozen=True)
class UserEntry:
    """One user object: its relative name and its attributes (text values)."""

    cn: str
    sam_account_name: str
    guid: str
    attributes: dict[str, list[str]]


def user_entries(users: list[User], reserved: tuple[str, ...] = ()) -> list[UserEntry]:
    """AD user objects for the tenant's users, with unique CNs and account names.

    ``reserved`` names (the service account's) are never given to a user.
    """
    taken_sam = {name.lower() for name in reserved}
    taken_cn = set(taken_sam)
    entries = []
    for user in users:
        sam = unique_name(_sam_base(user.mail), taken_sam, _SAM_MAX)
        cn = unique_name(cn_base(user.display_name or user.mail), taken_cn, 64)
        entries.append(UserEntry(cn, sam, user.id, _attributes(user, sam)))
    return entries


def _attributes(user: User, sam: str) -> dict[str, list[str]]:
    disabled = not user.enabled or user.kind != "user"
    uac = NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD | (ACCOUNTDISABLE if disabled else 0)
    attrs: dict[str, list[str]] = {
        "sAMAccountName": [sam],
        "userPrincipalName": [user.mail],
        "displayName": [user.display_name],
        "mail": [user.mail],
        "proxyAddresses": [f"SMTP:{user.mail}"] + [f"smtp:{a}" for a in user.aliases],
        "userAccountControl": [str(uac)],
        "msExchRecipientTypeDetails": [str(RECIPIENT_TYPE_DETAILS[user.kind])],
    }
    if user.given_name:
        attrs["givenName"] = [user.given_name]
    if user.surname:
        attrs["sn"] = [user.surname]
    if user.job_title:
        attrs["title"] = [user.job_title]
    return attrs


def _sam_base(mail: str) -> str:
    local = SAM_ILLEGAL.sub("", mail.split("@", 1)[0]).strip(".")
    return (local or "user")[:_SAM_MAX]


def cn_base(name: str) -> str:
    # A CN may hold almost anything once escaped in a DN, but leading or
    # trailing spaces and control characters are best avoided.
    cleaned = "".join(ch for ch in name if ch.isprintable()).strip()
    return cleaned[:64] or "user"


def unique_name(base: str, taken: set[str], limit: int) -> str:
    """``base``, or ``base`` with a number, that is not in ``taken`` (which it joins)."""
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        suffix = str(n)
        candidate = base[: limit - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate
