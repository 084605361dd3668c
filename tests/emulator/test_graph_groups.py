"""Graph groups and their members, as the Graph reference pages and the official SDK see them.

"List groups", "Get group", "List group members" and "List group transitive
members": $filter on displayName and mail, paging, @odata.type on members,
the permissions each needs, and the limited member view of an application
that may read groups but not users.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graph_schema import assert_collection, assert_entity, assert_error
from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.models.group import Group
from msgraph.generated.models.user import User
from msgraph_core import GraphClientFactory
from tests.emulator.test_graph_api import Graph
from tests.emulator.test_graph_sdk import _StaticToken
from tests.emulators import running_emulator

from outlook_emulator.tenant.config import TenantConfigError, read_config

TENANT_ID = "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"
APP = "0b9d6c1e-3c7e-4c7a-8f3e-0d2c5b9a7e11"
USERS_ONLY = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
MEMBERS_ONLY = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
DOMAIN = "contoso.example"
MEMBERS = 120  # more than one page of 100

TENANT_TOML = f"""
tenant_id = "{TENANT_ID}"
domain = "{DOMAIN}"

[[applications]]
client_id = "{APP}"
client_secret = "app-secret"
permissions = ["User.Read.All", "Group.Read.All"]

[[applications]]
client_id = "{USERS_ONLY}"
client_secret = "users-secret"
permissions = ["User.Read.All"]

[[applications]]
client_id = "{MEMBERS_ONLY}"
client_secret = "members-secret"
permissions = ["GroupMember.Read.All"]

[[users]]
mail = "alice@{DOMAIN}"
display_name = "Alice"
aliases = ["a@{DOMAIN}"]

[[groups]]
name = "Sales"
mail = "sales@{DOMAIN}"
kind = "microsoft365"
members = ["A@{DOMAIN}", "bob@{DOMAIN}", "Sales EMEA"]

[[groups]]
name = "Sales EMEA"
members = ["carol@{DOMAIN}", "Sales"]

[[groups]]
name = "Everyone"
members = [{", ".join(f'"user{n:03d}@{DOMAIN}"' for n in range(MEMBERS))}]

[[groups]]
name = "Nobody"
"""


def write_tenant(root: Path) -> Path:
    (root / "tenant.toml").write_text(TENANT_TOML)
    for n in range(MEMBERS):
        (root / "mailboxes" / f"user{n:03d}@{DOMAIN}").mkdir(parents=True)
    for name in ("bob", "carol"):
        (root / "mailboxes" / f"{name}@{DOMAIN}" / "inbox").mkdir(parents=True)
    return root


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with running_emulator(write_tenant(tmp_path_factory.mktemp("groups-tenant"))) as info:
        yield info


@pytest.fixture(scope="module")
def graph(emulator: dict[str, Any]) -> Iterator[Graph]:
    client = Graph(emulator, APP, "app-secret", TENANT_ID)
    yield client
    client.http.close()


def _group_id(graph: Graph, name: str) -> str:
    body = graph.json("/groups", params={"$filter": f"displayName eq '{name}'"})
    [group] = body["value"]
    return str(group["id"])


def test_list_groups_with_filter_and_select(graph: Graph) -> None:
    body = graph.json("/groups")
    assert_collection("Users.yml", "microsoft.graph.group", body)
    assert {g["displayName"] for g in body["value"]} == {"Sales", "Sales EMEA", "Everyone",
                                                         "Nobody"}
    by_mail = graph.json("/groups", params={"$filter": "mail eq 'SALES@contoso.example'",
                                            "$select": "id,displayName,groupTypes"})
    [sales] = by_mail["value"]
    assert set(sales) == {"id", "displayName", "groupTypes"}
    assert sales["groupTypes"] == ["Unified"]
    none = graph.json("/groups", params={"$filter": "displayName eq 'Marketing'"})
    assert none["value"] == []


def test_get_group_by_id_and_an_unknown_id(graph: Graph) -> None:
    group_id = _group_id(graph, "Sales EMEA")
    body = graph.json(f"/groups/{group_id}")
    assert_entity("Users.yml", "microsoft.graph.group", {
        k: v for k, v in body.items() if not k.startswith("@")
    })
    assert body["securityEnabled"] is True and body["groupTypes"] == []
    missing = graph.get("/groups/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert_error(missing.json(), "Request_ResourceNotFound")


def test_members_are_direct_and_typed(graph: Graph) -> None:
    body = graph.json(f"/groups/{_group_id(graph, 'Sales')}/members")
    typed = {(m["@odata.type"], m.get("mail") or m["displayName"]) for m in body["value"]}
    assert typed == {
        ("#microsoft.graph.user", f"alice@{DOMAIN}"),
        ("#microsoft.graph.user", f"bob@{DOMAIN}"),
        ("#microsoft.graph.group", "Sales EMEA"),
    }


def test_transitive_members_follow_nesting_and_loops_once(graph: Graph) -> None:
    body = graph.json(f"/groups/{_group_id(graph, 'Sales EMEA')}/transitiveMembers")
    users = sorted(m["mail"] for m in body["value"] if m["@odata.type"].endswith("user"))
    groups = [m["displayName"] for m in body["value"] if m["@odata.type"].endswith("group")]
    assert users == [f"alice@{DOMAIN}", f"bob@{DOMAIN}", f"carol@{DOMAIN}"]
    assert groups == ["Sales"]  # the loop back to Sales EMEA itself is not listed


def test_members_are_paged(graph: Graph) -> None:
    entries, pages = graph.all_pages(f"/groups/{_group_id(graph, 'Everyone')}/members")
    assert len(pages) == 2 and len({e["id"] for e in entries}) == MEMBERS
    empty = graph.json(f"/groups/{_group_id(graph, 'Nobody')}/transitiveMembers")
    assert empty["value"] == []


def test_groups_need_a_group_permission(emulator: dict[str, Any]) -> None:
    client = Graph(emulator, USERS_ONLY, "users-secret", TENANT_ID)
    try:
        for path in ("/groups", "/groups/x/members", "/groups/x/transitiveMembers"):
            response = client.get(path)
            assert response.status_code == 403, path
            assert_error(response.json(), "Authorization_RequestDenied")
    finally:
        client.http.close()


def test_members_without_user_permission_show_type_and_id_only(
    emulator: dict[str, Any], graph: Graph
) -> None:
    group_id = _group_id(graph, "Sales")
    client = Graph(emulator, MEMBERS_ONLY, "members-secret", TENANT_ID)
    try:
        body = client.json(f"/groups/{group_id}/members")
    finally:
        client.http.close()
    users = [m for m in body["value"] if m["@odata.type"] == "#microsoft.graph.user"]
    assert len(users) == 2 and all(u["id"] and u["mail"] is None for u in users)


def test_sdk_finds_a_group_and_reads_its_transitive_members(emulator: dict[str, Any]) -> None:
    signed_in = Graph(emulator, APP, "app-secret", TENANT_ID)
    token = signed_in.http.headers["Authorization"].removeprefix("Bearer ")
    signed_in.http.close()

    async def main() -> Any:
        context = ssl.create_default_context(cafile=emulator["ca_cert"])
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(verify=context, trust_env=False))
        adapter = GraphRequestAdapter(
            BaseBearerTokenAuthenticationProvider(_StaticToken(token)), client=http)
        adapter.base_url = emulator["graph_url"]
        client = GraphServiceClient(request_adapter=adapter)
        try:
            query = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
                filter="displayName eq 'Sales'", select=["id", "displayName", "mail"])
            found = await client.groups.get(RequestConfiguration(query_parameters=query))
            [group] = found.value
            members = await client.groups.by_group_id(group.id).transitive_members.get()
            return group, members
        finally:
            await http.aclose()

    group, members = asyncio.run(main())
    assert group.mail == f"sales@{DOMAIN}"
    users = sorted(m.mail for m in members.value if isinstance(m, User))
    assert users == [f"alice@{DOMAIN}", f"bob@{DOMAIN}", f"carol@{DOMAIN}"]
    assert [m.display_name for m in members.value if isinstance(m, Group)] == ["Sales EMEA"]


def test_an_unknown_member_is_a_load_error_naming_the_group(tmp_path: Path) -> None:
    (tmp_path / "tenant.toml").write_text(
        '[[users]]\nmail = "alice@contoso.example"\n\n'
        '[[groups]]\nname = "Finance"\nmembers = ["alice@contoso.example", "ghost@contoso.example"]\n'
    )
    with pytest.raises(TenantConfigError) as caught:
        read_config(tmp_path)
    assert "'Finance'" in str(caught.value) and "ghost@contoso.example" in str(caught.value)
