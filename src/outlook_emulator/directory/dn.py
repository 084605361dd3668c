"""Distinguished names the way Active Directory spells them."""

from __future__ import annotations

from ldap3.utils.dn import escape_rdn


def base_dn_for(domain: str) -> str:
    """``contoso.example`` → ``DC=contoso,DC=example``."""
    return ",".join(f"DC={escape_rdn(part)}" for part in domain.strip(".").split("."))


def user_dn(cn: str, base_dn: str) -> str:
    """Where AD puts users by default: the Users container."""
    return f"CN={escape_rdn(cn)},CN=Users,{base_dn}"
