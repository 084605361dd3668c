"""tenant.toml: the organisation, its app registrations, service account, users and groups.

``[[groups]]`` extends the tenant format of TENANT-FORMAT.md: ``name`` (display
name), optional ``mail``, ``kind`` ("microsoft365" or "security", the default)
and ``members``: addresses of users (described in ``[[users]]`` or having a
mailbox folder) and names or addresses of other groups, which nest.
"""

from __future__ import annotations

import tomllib
import uuid
from pathlib import Path
from typing import Any

from outlook_emulator.tenant import ids
from outlook_emulator.tenant.model import Application, Group, ServiceAccount, Tenant, User

_USER_KINDS = ("user", "shared", "room", "equipment")
_GROUP_KINDS = ("microsoft365", "security")
# Group ids are GUIDs derived from the name, as user ids are from the address.
_GROUP_NAMESPACE = uuid.UUID("2d7c1e0a-93b4-4f6e-8c1d-5a0b9e47f312")


class TenantConfigError(ValueError):
    """tenant.toml is missing, unreadable or holds a value that cannot be right."""


def read_config(folder: Path) -> Tenant:
    """A Tenant with its directory data from ``folder/tenant.toml`` and no mailboxes yet."""
    path = folder / "tenant.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise TenantConfigError(f"{path}: no tenant.toml in the tenant folder") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise TenantConfigError(f"{path}: not valid TOML: {error}") from error
    domain = _string(data, "domain", path, default="contoso.example")
    tenant = Tenant(
        tenant_id=_string(
            data, "tenant_id", path, default=str(uuid.uuid5(uuid.NAMESPACE_DNS, domain))
        ),
        domain=domain,
        netbios_name=_string(data, "netbios_name", path, default=domain.split(".")[0].upper()),
        applications=[
            _application(entry, folder, f"{path} [[applications]] #{n + 1}")
            for n, entry in enumerate(_tables(data, "applications", path))
        ],
        service_account=_service_account(data.get("service_account"), path),
        users=[
            _user(entry, f"{path} [[users]] #{n + 1}")
            for n, entry in enumerate(_tables(data, "users", path))
        ],
    )
    tenant.groups = _groups(data, path, tenant.users, _mailbox_folder_addresses(folder))
    return tenant


def user_for_address(address: str) -> User:
    """An enabled user for a mailbox folder that tenant.toml does not describe."""
    local = address.split("@", 1)[0]
    words = [w.capitalize() for w in local.replace("_", ".").replace("-", ".").split(".") if w]
    return User(
        mail=address,
        id=ids.user_id(address),
        display_name=" ".join(words) or address,
        given_name=words[0] if words else None,
        surname=words[-1] if len(words) > 1 else None,
    )


def _string(table: dict[str, Any], key: str, where: Path | str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value:
        raise TenantConfigError(f"{where}: '{key}' must be a non-empty string, got {value!r}")
    return value


def _tables(data: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TenantConfigError(f"{path}: '{key}' must be an array of tables ([[{key}]])")
    return value


def _application(entry: dict[str, Any], folder: Path, where: str) -> Application:
    certificate = None
    if "client_certificate" in entry:
        cert_path = folder / _string(entry, "client_certificate", where)
        try:
            certificate = cert_path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            raise TenantConfigError(f"{where}: client_certificate {cert_path}: {error}") from error
        if "-----BEGIN CERTIFICATE-----" not in certificate:
            raise TenantConfigError(
                f"{where}: client_certificate {cert_path} is not a PEM certificate"
            )
    permissions = entry.get("permissions", [])
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise TenantConfigError(f"{where}: 'permissions' must be a list of strings")
    secret = entry.get("client_secret")
    if secret is not None and not isinstance(secret, str):
        raise TenantConfigError(f"{where}: 'client_secret' must be a string")
    return Application(
        client_id=_string(entry, "client_id", where),
        client_secret=secret,
        certificate_pem=certificate,
        permissions=list(permissions),
    )


def _service_account(entry: Any, path: Path) -> ServiceAccount | None:
    if entry is None:
        return None
    where = f"{path} [service_account]"
    if not isinstance(entry, dict):
        raise TenantConfigError(f"{where}: must be a table")
    return ServiceAccount(
        username=_string(entry, "username", where),
        password=_string(entry, "password", where),
        impersonation=bool(entry.get("impersonation", True)),
    )


def _user(entry: dict[str, Any], where: str) -> User:
    mail = _string(entry, "mail", where).strip().lower()
    if "@" not in mail:
        raise TenantConfigError(f"{where}: 'mail' {mail!r} is not an SMTP address")
    kind = entry.get("kind", "user")
    if kind not in _USER_KINDS:
        raise TenantConfigError(f"{where}: 'kind' must be one of {', '.join(_USER_KINDS)}")
    derived = user_for_address(mail)
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise TenantConfigError(f"{where}: 'aliases' must be a list of strings")
    return User(
        mail=mail,
        id=derived.id,
        display_name=entry.get("display_name") or derived.display_name,
        given_name=entry.get("given_name", derived.given_name),
        surname=entry.get("surname", derived.surname),
        job_title=entry.get("job_title"),
        enabled=bool(entry.get("enabled", True)),
        kind=kind,
        aliases=[a.lower() for a in aliases],
    )


def _mailbox_folder_addresses(folder: Path) -> set[str]:
    """Addresses of the mailbox folders: each is a user even without a [[users]] entry."""
    root = folder / "mailboxes"
    if not root.is_dir():
        return set()
    return {p.name.lower() for p in root.iterdir() if p.is_dir() and "@" in p.name}


def _groups(
    data: dict[str, Any], path: Path, users: list[User], mailbox_addresses: set[str]
) -> list[Group]:
    entries = _tables(data, "groups", path)
    groups = [_group(entry, f"{path} [[groups]] #{n + 1}") for n, entry in enumerate(entries)]
    names: dict[str, Group] = {}
    for group in groups:
        for key in (group.display_name.lower(), (group.mail or "").lower()):
            if key and key in names and names[key] is not group:
                raise TenantConfigError(f"{path}: two groups are named or addressed {key!r}")
            if key:
                names[key] = group
    addresses = dict.fromkeys(mailbox_addresses, "")
    for user in users:
        addresses[user.mail] = user.mail
        addresses.update({alias: user.mail for alias in user.aliases})
    for group in groups:
        group.members = [
            _member(raw, group, names, addresses, path) for raw in group.members
        ]
    return groups


def _member(
    raw: str, group: Group, names: dict[str, Group], addresses: dict[str, str], path: Path
) -> str:
    """The member's canonical key: a user's primary address or a group's id."""
    key = raw.strip().lower()
    if key in addresses:
        return addresses[key] or key
    if key in names:
        return names[key].id
    raise TenantConfigError(
        f"{path}: group {group.display_name!r}: member {raw!r} is neither a user "
        "([[users]] or a mailbox folder) nor another group's name or mail"
    )


def _group(entry: dict[str, Any], where: str) -> Group:
    name = _string(entry, "name", where).strip()
    mail = entry.get("mail")
    if mail is not None and (not isinstance(mail, str) or "@" not in mail):
        raise TenantConfigError(f"{where}: 'mail' {mail!r} is not an SMTP address")
    kind = entry.get("kind", "security")
    if kind not in _GROUP_KINDS:
        raise TenantConfigError(f"{where}: 'kind' must be one of {', '.join(_GROUP_KINDS)}")
    members = entry.get("members", [])
    if not isinstance(members, list) or not all(isinstance(m, str) and m for m in members):
        raise TenantConfigError(f"{where}: 'members' must be a list of addresses or group names")
    return Group(
        id=str(uuid.uuid5(_GROUP_NAMESPACE, name.lower())),
        display_name=name,
        mail=mail.strip().lower() if mail else None,
        kind=kind,
        members=list(members),
    )
