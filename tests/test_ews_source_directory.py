"""The Exchange Server source finds its mailboxes in a real directory server."""

from __future__ import annotations

from typing import Any

import pytest

from outlook_connector.sources.base import SourceError
from outlook_connector.sources.ews import EwsSettings, EwsSource
from tests.directory_fixtures import SHARED, Directory, expected_mailboxes, slapd_directory

__all__ = ["slapd_directory"]  # a fixture, imported for pytest


def source_for(d: Directory, password: str | None = None, **overrides: Any) -> EwsSource:
    settings = EwsSettings(
        # Nothing listens there: these tests never reach Exchange.
        exchange_server="127.0.0.1:9",
        username=d.bind_user,
        password=password or d.password,
        domain=d.domain,
        active_directory_server=d.url,
        max_retry_wait=0.5,
        **overrides,
    )
    return EwsSource(settings)


def test_every_mailbox_user_of_the_directory_once(slapd_directory: Directory) -> None:
    source = source_for(slapd_directory)
    mailboxes = list(source.mailboxes())
    kinds = {m.address: m.kind for m in mailboxes}
    assert len(kinds) == len(mailboxes)
    assert kinds == expected_mailboxes()
    shared = next(m for m in mailboxes if m.address == SHARED)
    assert shared.kind == "shared" and shared.display_name and shared.id


def test_configured_mailboxes_replace_the_directory(slapd_directory: Directory) -> None:
    source = source_for(slapd_directory, mailboxes=("x@contoso.example",))
    assert [m.address for m in source.mailboxes()] == ["x@contoso.example"]


def test_a_directory_failure_is_a_source_error_without_the_password(
    slapd_directory: Directory,
) -> None:
    secret = "Not-The-Password-42"
    with pytest.raises(SourceError) as caught:
        list(source_for(slapd_directory, password=secret).mailboxes())
    assert "Active Directory" in str(caught.value)
    assert secret not in str(caught.value)


def test_check_counts_users_and_reports_an_unreachable_exchange(
    slapd_directory: Directory,
) -> None:
    lines = {r.name: r for r in source_for(slapd_directory).check()}
    assert lines["Active Directory"].ok
    assert f"{len(expected_mailboxes())} user(s)" in lines["Active Directory"].detail
    assert not lines["EWS sign-in"].ok
    assert "cannot talk to Exchange" in lines["EWS sign-in"].detail
