"""Tenant groups as AD group objects: names, group types, and member DNs that nest."""

from __future__ import annotations

from pathlib import Path

from outlook_emulator.directory.dn import user_dn
from outlook_emulator.directory.entries import user_entries
from outlook_emulator.directory.groups import group_entries
from outlook_emulator.directory.tenant_users import read_directory_tenant

BASE = "DC=contoso,DC=example"


def test_groups_carry_type_mail_and_members_of_both_kinds(tmp_path: Path) -> None:
    (tmp_path / "mailboxes" / "carol@contoso.example").mkdir(parents=True)
    (tmp_path / "tenant.toml").write_text(
        '[service_account]\nusername = "svc-search"\npassword = "x"\n\n'
        '[[users]]\nmail = "alice@contoso.example"\ndisplay_name = "Sales"\n\n'
        '[[groups]]\nname = "Sales"\nmail = "sales@contoso.example"\nkind = "microsoft365"\n'
        'members = ["alice@contoso.example", "Sales EMEA"]\n\n'
        '[[groups]]\nname = "Sales EMEA"\nmembers = ["carol@contoso.example"]\n'
    )
    tenant = read_directory_tenant(tmp_path)
    users = user_entries(tenant.users, reserved=("svc-search",))
    sales, emea = group_entries(tenant, users, BASE)
    alice = next(u for u in users if u.attributes["mail"] == ["alice@contoso.example"])
    carol = next(u for u in users if u.attributes["mail"] == ["carol@contoso.example"])
    assert sales.cn != alice.cn, "a group never takes a user's CN in the same container"
    assert sales.members == [user_dn(alice.cn, BASE), user_dn(emea.cn, BASE)]
    assert emea.members == [user_dn(carol.cn, BASE)]
    assert sales.attributes["mail"] == ["sales@contoso.example"]
    assert sales.attributes["groupType"] == ["8"]  # universal distribution group
    assert emea.attributes["groupType"] == [str(0x80000002 - (1 << 32))]  # global security
    assert "mail" not in emea.attributes
    assert emea.attributes["sAMAccountName"] == ["SalesEMEA"]
