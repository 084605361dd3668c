"""The part of a tenant folder a directory server needs: its people.

A directory only needs the domain, the NetBIOS name, the service account and
the users; it never needs to parse a single mail. Reading just ``tenant.toml``
and the names under ``mailboxes/`` keeps a 1,000-user tenant quick to start,
and follows TENANT-FORMAT: a mailbox folder with no ``[[users]]`` entry is an
enabled user whose display name is derived from the address.
"""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outlook_emulator.tenant.model import ServiceAccount, User

VALID_KINDS = ("user", "shared", "room", "equipment")


class TenantError(ValueError):
    """The tenant folder cannot be read; the message names the file and the field."""


@dataclass
class DirectoryTenant:
    domain: str
    netbios_name: str
    service_account: ServiceAccount | None
    users: list[User] = field(default_factory=list)


def user_id(mail: str) -> str:
    """A stable object id for an address, so two loads give the same GUIDs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{mail.lower()}"))


def display_name_from_address(mail: str) -> str:
    local = mail.split("@", 1)[0]
    parts = [p for p in local.replace("_", ".").replace("-", ".").split(".") if p]
    return " ".join(p.capitalize() for p in parts) or mail


def read_directory_tenant(tenant_dir: Path) -> DirectoryTenant:
    """Read the directory-relevant part of a tenant folder."""
    toml_path = tenant_dir / "tenant.toml"
    if not toml_path.is_file():
        raise TenantError(f"{toml_path}: not found (a tenant folder needs a tenant.toml)")
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TenantError(f"{toml_path}: not valid TOML: {exc}") from exc
    domain = _required_str(data, "domain", toml_path).lower()
    netbios = str(data.get("netbios_name") or domain.split(".")[0]).upper()
    users = [_user(entry, toml_path, i) for i, entry in enumerate(data.get("users", []))]
    known = {u.mail for u in users}
    for mail in _mailbox_addresses(tenant_dir):
        if mail not in known:
            users.append(
                User(mail=mail, id=user_id(mail), display_name=display_name_from_address(mail))
            )
            known.add(mail)
    return DirectoryTenant(domain, netbios, _service_account(data, toml_path), users)


def _mailbox_addresses(tenant_dir: Path) -> list[str]:
    root = tenant_dir / "mailboxes"
    if not root.is_dir():
        return []
    return sorted(p.name.lower() for p in root.iterdir() if p.is_dir() and "@" in p.name)


def _user(entry: Any, where: Path, index: int) -> User:
    if not isinstance(entry, dict):
        raise TenantError(f"{where}: users[{index}] is not a table")
    mail = _required_str(entry, "mail", where, f"users[{index}].").lower()
    kind = entry.get("kind", "user")
    if kind not in VALID_KINDS:
        raise TenantError(f"{where}: users[{index}].kind = {kind!r}; expected one of {VALID_KINDS}")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise TenantError(f"{where}: users[{index}].aliases must be a list of addresses")
    return User(
        mail=mail,
        id=str(entry.get("id") or user_id(mail)),
        display_name=str(entry.get("display_name") or display_name_from_address(mail)),
        given_name=entry.get("given_name"),
        surname=entry.get("surname"),
        job_title=entry.get("job_title"),
        enabled=bool(entry.get("enabled", True)),
        kind=kind,
        aliases=[a.lower() for a in aliases],
    )


def _service_account(data: dict[str, Any], where: Path) -> ServiceAccount | None:
    entry = data.get("service_account")
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise TenantError(f"{where}: service_account is not a table")
    return ServiceAccount(
        username=_required_str(entry, "username", where, "service_account."),
        password=_required_str(entry, "password", where, "service_account."),
        impersonation=bool(entry.get("impersonation", True)),
    )


def _required_str(data: dict[str, Any], key: str, where: Path, prefix: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TenantError(f"{where}: {prefix}{key} is missing or not a non-empty string")
    return value.strip()
