"""The part of a tenant folder a directory server needs: its people.

A directory needs the domain, the NetBIOS name, the service account and the
users, never a mail. ``load_tenant`` parses every mailbox, which for a large
tenant takes far longer than starting the directory, so this reads only
tenant.toml (through the loader's own ``read_config``) and the mailbox folder
names, adding users for mailbox folders exactly as the loader does. The users
therefore carry the same object ids the Graph and EWS front ends use.
"""

from __future__ import annotations

from pathlib import Path

from outlook_emulator.tenant.config import TenantConfigError, read_config, user_for_address
from outlook_emulator.tenant.model import Tenant

__all__ = ["TenantConfigError", "read_directory_tenant"]


def read_directory_tenant(tenant_dir: Path) -> Tenant:
    """The tenant's organisation and users, without loading any mailbox content."""
    if not tenant_dir.is_dir():
        raise TenantConfigError(f"{tenant_dir}: the tenant folder does not exist")
    tenant = read_config(tenant_dir)
    known = {user.mail for user in tenant.users}
    for address in _mailbox_addresses(tenant_dir / "mailboxes"):
        if address not in known:
            tenant.users.append(user_for_address(address))
            known.add(address)
    return tenant


def _mailbox_addresses(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(
        p.name.lower()
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and "@" in p.name
    )
