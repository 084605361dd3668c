"""tenant.toml: the organisation, its app registrations, service account and users."""

from __future__ import annotations

import tomllib
import uuid
from pathlib import Path
from typing import Any

from outlook_emulator.tenant import ids
from outlook_emulator.tenant.model import Application, ServiceAccount, Tenant, User

_USER_KINDS = ("user", "shared", "room", "equipment")


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
    return Tenant(
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
