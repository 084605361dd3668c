"""Tenant groups as Active Directory group objects.

A group object (MS-ADTS; objectClass ``group``) carries ``cn``,
``sAMAccountName``, ``groupType``, ``mail`` when it is mail-enabled, and one
``member`` value per member: the DN of a user or of another group (groups
nest). Microsoft 365 groups written back to AD are universal distribution
groups; security groups are global security groups, AD's default.
"""

from __future__ import annotations

from dataclasses import dataclass

from outlook_emulator.directory.dn import user_dn
from outlook_emulator.directory.entries import SAM_ILLEGAL, UserEntry, cn_base, unique_name
from outlook_emulator.tenant.model import Group, Tenant

# groupType flags (MS-ADTS 2.2.12): scope, and whether it is a security group.
GLOBAL_GROUP = 0x00000002
UNIVERSAL_GROUP = 0x00000008
SECURITY_ENABLED = 0x80000000
_SAM_MAX = 64  # AD allows 256 for groups; 64 keeps them readable


@dataclass(frozen=True)
class GroupEntry:
    """One group object: its relative name, id, attributes and member DNs."""

    cn: str
    guid: str
    attributes: dict[str, list[str]]
    members: list[str]


def group_entries(tenant: Tenant, users: list[UserEntry], base_dn: str) -> list[GroupEntry]:
    """AD group objects for the tenant's groups, in the Users container beside the users."""
    taken_cn = {u.cn.lower() for u in users}
    taken_sam = {u.sam_account_name.lower() for u in users}
    if tenant.service_account is not None:
        taken_cn.add(tenant.service_account.username.lower())
        taken_sam.add(tenant.service_account.username.lower())
    user_dns = {u.guid: user_dn(u.cn, base_dn) for u in users}
    names = {g.id: unique_name(cn_base(g.display_name), taken_cn, 64) for g in tenant.groups}
    entries = []
    for group in tenant.groups:
        sam = unique_name(SAM_ILLEGAL.sub("", group.display_name) or "group", taken_sam, _SAM_MAX)
        members = []
        for member in tenant.direct_members(group):
            dn = (
                user_dn(names[member.id], base_dn)
                if isinstance(member, Group)
                else user_dns.get(member.id)
            )
            if dn is not None:
                members.append(dn)
        entries.append(GroupEntry(names[group.id], group.id, _attributes(group, sam), members))
    return entries


def _attributes(group: Group, sam: str) -> dict[str, list[str]]:
    if group.kind == "microsoft365":
        group_type = UNIVERSAL_GROUP
    else:
        group_type = GLOBAL_GROUP | SECURITY_ENABLED
    # groupType is a signed 32-bit integer on the wire.
    signed = group_type - (1 << 32) if group_type & SECURITY_ENABLED else group_type
    attrs = {
        "sAMAccountName": [sam],
        "displayName": [group.display_name],
        "groupType": [str(signed)],
    }
    if group.mail:
        attrs["mail"] = [group.mail]
    return attrs
