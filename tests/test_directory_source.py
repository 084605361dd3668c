"""The connector's Active Directory reader against real directory servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from outlook_connector.sources.directory import (
    DirectoryError,
    DirectoryUser,
    check_directory,
    list_directory_users,
)
from outlook_emulator.tenant.ids import user_id
from tests.directory_fixtures import (
    ALICE,
    BULK_USERS,
    DISABLED,
    MAILBOX_ONLY,
    ROOM,
    SHARED,
    Directory,
    directory,
    expected_mailboxes,
    slapd_directory,
)

__all__ = ["directory", "slapd_directory"]  # fixtures, imported for pytest


@pytest.fixture(params=["preferred", "slapd"])
def any_directory(request: pytest.FixtureRequest) -> Directory:
    """Each test runs against Samba AD (where it can run) and against slapd."""
    name = "directory" if request.param == "preferred" else "slapd_directory"
    return request.getfixturevalue(name)


def read_all(d: Directory, **kwargs: object) -> list[DirectoryUser]:
    return list(list_directory_users(d.url, d.bind_user, d.password, d.domain, **kwargs))  # type: ignore[arg-type]


def test_users_are_listed_once_with_their_kind(any_directory: Directory) -> None:
    users = read_all(any_directory)
    by_mail = {u.mail: u for u in users}
    assert len(by_mail) == len(users), "each user is listed once"
    assert {m: u.kind for m, u in by_mail.items()} == expected_mailboxes()
    alice = by_mail[ALICE]
    assert alice.display_name == "Alice Example"
    # objectGUID is the id the emulated Graph and EWS servers give the same user
    assert alice.id == user_id(ALICE)
    assert by_mail[MAILBOX_ONLY].display_name == "Carol"
    mailbox = by_mail[SHARED].as_mailbox()
    assert (mailbox.address, mailbox.kind, mailbox.id) == (SHARED, "shared", user_id(SHARED))


def test_disabled_accounts_are_left_out_but_shared_mailboxes_kept(any_directory: Directory) -> None:
    mails = {u.mail: u.kind for u in read_all(any_directory)}
    assert DISABLED not in mails
    assert ROOM not in mails  # a resource mailbox: a disabled account, not a shared mailbox
    assert mails[SHARED] == "shared"


def test_more_users_than_a_page_are_all_found(any_directory: Directory) -> None:
    pages: list[int] = []
    users = read_all(any_directory, on_page=pages.append)
    assert len(pages) >= 3, f"1,100+ users in 500-entry pages: {pages}"
    assert max(pages) <= 500
    assert len(users) == BULK_USERS + 3


def test_wrong_password_is_a_clear_error_without_the_password(any_directory: Directory) -> None:
    secret = "Wrong-Pa55word-xyz"
    with pytest.raises(DirectoryError) as caught:
        list(
            list_directory_users(
                any_directory.url, any_directory.bind_user, secret, "contoso.example"
            )
        )
    message = str(caught.value)
    assert "invalid username or password" in message
    assert any_directory.url.split("//")[1] in message
    assert secret not in message


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="cannot connect") as caught:
        list(list_directory_users("ldap://127.0.0.1:1", "svc", "pw-123456", "contoso.example"))
    assert "pw-123456" not in str(caught.value)


def test_ldaps_is_verified_against_the_ca_certificate(any_directory: Directory) -> None:
    assert any_directory.ldaps_url and any_directory.ca_cert
    users = list(
        list_directory_users(
            any_directory.ldaps_url,
            any_directory.bind_user,
            any_directory.password,
            any_directory.domain,
            ssl_enabled=True,
            ssl_ca=Path(any_directory.ca_cert).read_text(),  # PEM text
        )
    )
    assert len(users) == BULK_USERS + 3


def test_starttls_is_verified_against_the_ca_file(any_directory: Directory) -> None:
    result = check_directory(
        any_directory.url,
        any_directory.bind_user,
        any_directory.password,
        any_directory.domain,
        ssl_enabled=True,
        ssl_ca=any_directory.ca_cert,  # a path
    )
    assert result.ok, result.detail
    assert f"{BULK_USERS + 3} mailbox users" in result.detail


@pytest.mark.parametrize("transport", ["ldaps", "starttls"])
def test_an_untrusted_certificate_is_refused(
    any_directory: Directory, tmp_path: Path, transport: str
) -> None:
    from outlook_emulator.directory.tls import make_tls_files

    other_ca = make_tls_files(tmp_path, ["localhost"]).ca_cert.read_text()
    url = any_directory.ldaps_url if transport == "ldaps" else any_directory.url
    assert url
    with pytest.raises(DirectoryError, match="not trusted") as caught:
        list(
            list_directory_users(
                url,
                any_directory.bind_user,
                any_directory.password,
                any_directory.domain,
                ssl_enabled=True,
                ssl_ca=other_ca,
            )
        )
    assert any_directory.password not in str(caught.value)


def test_check_reports_a_failed_bind(any_directory: Directory) -> None:
    result = check_directory(
        any_directory.url, any_directory.bind_user, "nope-xyz", "contoso.example"
    )
    assert not result.ok
    assert "invalid username or password" in result.detail
    assert "nope-xyz" not in result.detail


def test_active_directory_accepts_every_bind_name_form(directory: Directory) -> None:
    if directory.backend != "samba":
        pytest.skip("only Active Directory (Samba) resolves DOMAIN\\user and bare names")
    for name in ("CONTOSO\\svc-search", "svc-search@contoso.example", "svc-search"):
        result = check_directory(directory.url, name, directory.password, directory.domain)
        assert result.ok, f"{name}: {result.detail}"
