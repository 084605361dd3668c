"""How the directory reader understands server addresses, domains and bind names."""

from __future__ import annotations

import pytest

from outlook_connector.sources.directory import (
    DirectoryError,
    Endpoint,
    base_dn_for,
    bind_name,
    parse_server,
)


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        ("dc1.contoso.example", Endpoint("dc1.contoso.example", 389, False)),
        ("dc1.contoso.example:3268", Endpoint("dc1.contoso.example", 3268, False)),
        ("ldap://10.0.0.5", Endpoint("10.0.0.5", 389, False)),
        ("ldaps://dc1.contoso.example", Endpoint("dc1.contoso.example", 636, True)),
        ("LDAPS://dc1:1636/", Endpoint("dc1", 1636, True)),
        ("[::1]:389", Endpoint("::1", 389, False)),
        ("  ldap://dc1  ", Endpoint("dc1", 389, False)),
    ],
)
def test_server_addresses(server: str, expected: Endpoint) -> None:
    assert parse_server(server) == expected


@pytest.mark.parametrize("server", ["", "http://dc1", "ldap://", "dc1:notaport"])
def test_bad_server_addresses_are_named(server: str) -> None:
    with pytest.raises(DirectoryError, match="server"):
        parse_server(server)


def test_base_dn_comes_from_the_domain() -> None:
    assert base_dn_for("contoso.example") == "DC=contoso,DC=example"
    assert base_dn_for("corp.contoso.example.") == "DC=corp,DC=contoso,DC=example"
    with pytest.raises(DirectoryError, match="domain"):
        base_dn_for(" ")


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("CONTOSO\\svc", "CONTOSO\\svc"),
        ("svc@contoso.example", "svc@contoso.example"),
        ("CN=svc,CN=Users,DC=contoso,DC=example", "CN=svc,CN=Users,DC=contoso,DC=example"),
        ("svc", "svc@contoso.example"),
    ],
)
def test_bind_names_in_the_forms_ad_accepts(username: str, expected: str) -> None:
    assert bind_name(username, "contoso.example") == expected
