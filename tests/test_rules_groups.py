"""``groups_include``: the mailboxes of a group's members, resolved at the source on every sync.

On Exchange Online the groups come from Graph (/groups, transitiveMembers); on
Exchange Server from Active Directory, here a real directory server (Samba AD
where it can run, and slapd). Mailboxes outside the groups are never opened,
an unknown group stops the sync before anything is removed from the index,
and a mailbox that leaves a group leaves the index.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from outlook_connector.config import load_config
from outlook_connector.sync.advanced_rules import AdvancedRules, parse_advanced_rules
from outlook_connector.sync.runner import rules_fingerprint
from outlook_emulator.directory import DirectoryPackagesMissing, start_directory
from outlook_emulator.tenant.config import read_config
from tests.connector_run import cloud_config, connector, export, sync_json
from tests.emulators import running_emulator
from tests.tenants import PERMISSIONS, SERVICE_PASSWORD, write_mail, write_tenant

ALICE = "alice@contoso.example"
BOB = "bob@contoso.example"
CAROL = "carol@contoso.example"
DAVE = "dave@contoso.example"
USERS = [ALICE, BOB, CAROL, DAVE]
GROUPS = f"""
[[groups]]
name = "Sales"
mail = "sales@contoso.example"
kind = "microsoft365"
members = ["{ALICE}", "Sales EMEA"]

[[groups]]
name = "Sales EMEA"
members = ["{BOB}"]

[[groups]]
name = "Interns"
"""
WITH_GROUPS = [*PERMISSIONS, "GroupMember.Read.All"]


def tenant_folder(root: Path, groups: str = GROUPS, permissions: list[str] = WITH_GROUPS) -> Path:
    write_tenant(root, USERS, permissions=permissions, extra_users_toml=groups)
    for user in USERS:
        write_mail(root, user, "inbox/hello.eml", f"Hello {user.split('@')[0]}", "hello")
    return root


def rules(**values: list[str]) -> str:
    lines = [f"{key} = [{', '.join(repr(v) for v in items)}]" for key, items in values.items()]
    return "[advanced_rules]\n" + "\n".join(lines) + "\n"


def owners(config: Path) -> list[str]:
    return sorted({doc["mailbox"] for doc in export(config).values()})


def stats_requests(info: dict[str, Any], reset: bool = False) -> dict[str, int]:
    """Requests per mailbox the emulator has seen; ``reset`` starts the count afresh."""
    context = ssl.create_default_context(cafile=info["ca_cert"])
    with httpx.Client(base_url=info["login_url"], verify=context, trust_env=False) as client:
        if reset:
            client.delete("/_emulator/stats").raise_for_status()
        return dict(client.get("/_emulator/stats").json()["requests"])


def opened(info: dict[str, Any], root: Path) -> set[str]:
    """Addresses of the mailboxes the emulator was asked about (by address or user id)."""
    tenant = read_config(root)
    keys = {key.split(":", 1)[1] for key in stats_requests(info)}
    found = set()
    for user in USERS:
        user_id = tenant.user(user).id if tenant.user(user) else None  # type: ignore[union-attr]
        if user in keys or user_id in keys:
            found.add(user)
    return found


# -- the rule itself -----------------------------------------------------------------


def test_groups_include_is_validated_with_the_other_rules() -> None:
    problems: list[str] = []
    parsed = parse_advanced_rules({"groups_include": ["Sales", " Sales EMEA "]}, problems)
    assert problems == [] and parsed.groups_include == ("Sales", "Sales EMEA")
    assert parse_advanced_rules({"groups_include": "Sales"}, problems).groups_include == ("Sales",)
    for bad in ([1], [""], {"name": "Sales"}):
        problems = []
        parse_advanced_rules({"groups_include": bad}, problems)
        assert problems == ["advanced_rules.groups_include: must be a list of strings"], bad
    problems = []
    parse_advanced_rules({"group_include": ["Sales"]}, problems)
    assert problems == [
        "advanced_rules.group_include: unknown setting (did you mean "
        "'advanced_rules.groups_include'?)"
    ]


def test_a_mailbox_is_selected_by_address_or_by_group_and_never_when_excluded() -> None:
    both = AdvancedRules(
        mailboxes_include=("carol@*",), groups_include=("sales",), mailboxes_exclude=("bob@*",)
    )
    members = frozenset({ALICE, BOB})
    assert both.mailbox_selected(ALICE, members)
    assert both.mailbox_selected("CAROL@contoso.example", members)  # by address
    assert not both.mailbox_selected(BOB, members)  # a member, but excluded
    assert not both.mailbox_selected(DAVE, members)
    # A group that resolved to nobody selects nobody, rather than everybody.
    assert not AdvancedRules(groups_include=("interns",)).mailbox_selected(DAVE, frozenset())


def test_the_fingerprint_changes_with_the_groups(tmp_path: Path) -> None:
    def fingerprint(groups: str) -> str:
        path = tmp_path / "c.toml"
        path.write_text(
            'tenant_id = "t"\nclient_id = "c"\nclient_secret = "s"\n'
            f'[advanced_rules]\ngroups_include = [{groups}]\n[index]\npath = "{tmp_path}/i.db"\n'
        )
        return rules_fingerprint(load_config(path))

    assert fingerprint('"Sales"') != fingerprint('"Sales EMEA"')
    assert fingerprint('"Sales"') != fingerprint('"Sales", "Interns"')


# -- Exchange Online (Graph) -----------------------------------------------------------


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    root = tenant_folder(tmp_path_factory.mktemp("groups-cloud"))
    with running_emulator(root) as info:
        yield info, root


def test_cloud_only_the_members_mailboxes_are_opened(
    cloud: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    info, root = cloud
    stats_requests(info, reset=True)
    # By name, in any case; Sales EMEA (bob) is nested in Sales.
    config = cloud_config(
        tmp_path / "c.toml", info, tmp_path / "i.db", rules(groups_include=["sales"])
    )
    summary = sync_json(config)
    assert summary["errors"] == [] and summary["mailboxes"] == 2
    assert owners(config) == [ALICE, BOB]
    assert opened(info, root) == {ALICE, BOB}, "no request ever named carol or dave"


def test_cloud_groups_and_addresses_add_up_and_exclusions_win(
    cloud: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    info, _ = cloud
    union = rules(groups_include=["Sales EMEA"], mailboxes_include=["carol@*"])
    config = cloud_config(tmp_path / "u.toml", info, tmp_path / "u.db", union)
    assert sync_json(config)["errors"] == []
    assert owners(config) == [BOB, CAROL]
    # A group by its mail address; an excluded member stays out.
    narrowed = rules(groups_include=["SALES@contoso.example"], mailboxes_exclude=["bob@*"])
    config = cloud_config(tmp_path / "n.toml", info, tmp_path / "n.db", narrowed)
    assert sync_json(config)["errors"] == []
    assert owners(config) == [ALICE]


def test_cloud_an_unknown_group_stops_the_sync_and_keeps_the_index(
    cloud: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    info, _ = cloud
    config = cloud_config(tmp_path / "c.toml", info, tmp_path / "i.db")
    assert sync_json(config)["errors"] == []
    indexed = export(config)
    assert len(indexed) == len(USERS)
    cloud_config(tmp_path / "c.toml", info, tmp_path / "i.db", rules(groups_include=["Marketing"]))
    result = connector("sync", "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert "groups_include" in result.stderr and "'Marketing' not found" in result.stderr
    assert export(config) == indexed, "nothing was removed"


def test_cloud_an_empty_group_selects_no_mailbox_and_says_so(
    cloud: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    info, _ = cloud
    config = cloud_config(
        tmp_path / "c.toml", info, tmp_path / "i.db", rules(groups_include=["Interns"])
    )
    result = connector("sync", "--config", str(config), "--json")
    assert result.returncode == 0, result.stderr
    assert '"mailboxes": 0' in result.stdout
    assert "'Interns' has no members with a mailbox" in result.stderr


def test_cloud_check_reports_each_group_and_its_members(
    cloud: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    info, _ = cloud
    config = cloud_config(
        tmp_path / "c.toml", info, tmp_path / "i.db", rules(groups_include=["Sales", "Interns"])
    )
    out = connector("check", "--config", str(config)).stdout
    assert "  groups_include: before the sync" in out
    assert "ok  groups_include: Sales -> 2 mailboxes, Interns -> 0 mailboxes (selects none)" in out


def test_cloud_without_a_group_permission_the_sync_stops_naming_it(tmp_path: Path) -> None:
    root = tenant_folder(tmp_path / "tenant", permissions=PERMISSIONS)
    with running_emulator(root) as info:
        config = cloud_config(tmp_path / "c.toml", info, tmp_path / "i.db")
        assert sync_json(config)["errors"] == []
        indexed = export(config)
        cloud_config(tmp_path / "c.toml", info, tmp_path / "i.db", rules(groups_include=["Sales"]))
        result = connector("sync", "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert "'Sales'" in result.stderr and "GroupMember.Read.All" in result.stderr
    assert export(config) == indexed


def test_cloud_a_mailbox_that_leaves_the_group_leaves_the_index(tmp_path: Path) -> None:
    root = tenant_folder(tmp_path / "tenant")
    config_path, index = tmp_path / "c.toml", tmp_path / "i.db"
    with running_emulator(root) as info:
        config = cloud_config(config_path, info, index, rules(groups_include=["Sales"]))
        assert sync_json(config)["errors"] == []
    assert owners(config) == [ALICE, BOB]
    # Bob leaves Sales EMEA; the rules stay the same.
    tenant_folder(root, GROUPS.replace(f'members = ["{BOB}"]', "members = []"))
    with running_emulator(root) as info:
        config = cloud_config(config_path, info, index, rules(groups_include=["Sales"]))
        summary = sync_json(config)
    assert summary["errors"] == [] and summary["deleted"] >= 1
    assert owners(config) == [ALICE]


# -- Exchange Server (EWS, Active Directory) -------------------------------------------


def server_config(path: Path, ews: dict[str, Any], ad: Any, index: Path, extra: str) -> Path:
    """An Exchange Server configuration without a mailbox list: the directory is read."""
    path.write_text(
        'data_source = "outlook_server"\n'
        f'exchange_server = "{ews["ews_url"]}"\n'
        f'active_directory_server = "{ad.ldap_url}"\n'
        f'username = "{ad.bind_user}"\npassword = "{SERVICE_PASSWORD}"\n'
        'domain = "contoso.example"\nssl_enabled = false\n'
        f'{extra}\n[index]\npath = "{index}"\n'
    )
    return path


def ews_tenant(root: Path, bind_user: str, target: Path) -> Path:
    """The tenant as the Exchange emulator serves it, knowing the account as the connector names it.

    One ``username`` signs in to both LDAP and EWS. Samba accepts user@domain,
    as Exchange does; slapd knows the account only by its DN, so there the
    Exchange emulator is given that DN as the account's name.
    """
    if "=" not in bind_user:
        return root
    tenant_folder(target)
    toml = (target / "tenant.toml").read_text()
    (target / "tenant.toml").write_text(
        toml.replace('username = "svc-search"', f"username = '{bind_user}'")
    )
    return target


@pytest.fixture(scope="module", params=["auto", "slapd"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, Any], Any, Path]]:
    """A directory with the groups (Samba AD where it can run, else slapd; then slapd) and EWS."""
    root = tenant_folder(tmp_path_factory.mktemp(f"groups-ad-{request.param}"))
    try:
        running = start_directory(root, backend=request.param)
    except DirectoryPackagesMissing as exc:
        pytest.fail(f"no directory server can run here: {exc}")
    try:
        info = running.info
        served = ews_tenant(root, info.bind_user, tmp_path_factory.mktemp("groups-ews"))
        with running_emulator(served) as ews:
            yield ews, info, served
    finally:
        running.stop()


def test_server_only_the_members_mailboxes_are_opened(
    server: tuple[dict[str, Any], Any, Path], tmp_path: Path
) -> None:
    ews, ad, root = server
    stats_requests(ews, reset=True)
    config = server_config(
        tmp_path / "c.toml", ews, ad, tmp_path / "i.db", rules(groups_include=["SALES"])
    )
    summary = sync_json(config)
    assert summary["errors"] == [] and summary["mailboxes"] == 2, (ad.backend, summary)
    assert owners(config) == [ALICE, BOB]
    assert opened(ews, root) == {ALICE, BOB}, "EWS was never asked for carol or dave"


def test_server_groups_by_address_and_addresses_add_up(
    server: tuple[dict[str, Any], Any, Path], tmp_path: Path
) -> None:
    ews, ad, _ = server
    union = rules(
        groups_include=["sales@contoso.example"],
        mailboxes_include=["dave@*"],
        mailboxes_exclude=["alice@*"],
    )
    config = server_config(tmp_path / "c.toml", ews, ad, tmp_path / "i.db", union)
    assert sync_json(config)["errors"] == []
    assert owners(config) == [BOB, DAVE]


def test_server_an_unknown_group_stops_the_sync_and_keeps_the_index(
    server: tuple[dict[str, Any], Any, Path], tmp_path: Path
) -> None:
    ews, ad, _ = server
    config = server_config(
        tmp_path / "c.toml", ews, ad, tmp_path / "i.db", rules(groups_include=["Sales EMEA"])
    )
    assert sync_json(config)["errors"] == []
    indexed = export(config)
    assert owners(config) == [BOB]
    server_config(
        tmp_path / "c.toml",
        ews,
        ad,
        tmp_path / "i.db",
        rules(groups_include=["Sales EMEA", "Marketing"]),
    )
    result = connector("sync", "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert "'Marketing' not found" in result.stderr
    assert export(config) == indexed


def test_server_check_reports_each_group_and_its_members(
    server: tuple[dict[str, Any], Any, Path], tmp_path: Path
) -> None:
    ews, ad, _ = server
    config = server_config(
        tmp_path / "c.toml", ews, ad, tmp_path / "i.db", rules(groups_include=["Sales", "Interns"])
    )
    out = connector("check", "--config", str(config)).stdout
    assert "ok  groups_include: Sales -> 2 mailboxes, Interns -> 0 mailboxes (selects none)" in out
