"""One real directory server per test session, loaded with a known tenant.

Samba binds the fixed LDAP ports, so only one can run at a time, and
provisioning a domain takes about ten seconds: every test module shares the
server started here. It is kept in the pytest session's stash, so modules that
import these fixtures separately still share one server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from outlook_emulator.directory import (
    DirectoryPackagesMissing,
    RunningDirectory,
    start_directory,
)

DOMAIN = "contoso.example"
SERVICE_USER = "svc-search"
SERVICE_PASSWORD = "another-secret"
BULK_USERS = 1_100  # more than AD's MaxPageSize (1,000) and than two 500-entry pages

# The special cases every directory test relies on.
ALICE = "alice@contoso.example"
DISABLED = "dave.disabled@contoso.example"
SHARED = "helpdesk@contoso.example"
ROOM = "room.blue@contoso.example"
MAILBOX_ONLY = "carol@contoso.example"  # a mailbox folder without a [[users]] entry


@dataclass(frozen=True)
class Directory:
    """A running directory server and what a client needs to read it."""

    url: str
    ldaps_url: str | None
    bind_user: str
    password: str
    domain: str
    ca_cert: str | None
    backend: str


def bulk_address(n: int) -> str:
    return f"user{n:04d}@{DOMAIN}"


def write_tenant(folder: Path, bulk_users: int = BULK_USERS) -> Path:
    """A tenant folder with the special users plus ``bulk_users`` ordinary ones."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mailboxes" / MAILBOX_ONLY).mkdir(parents=True, exist_ok=True)
    lines = [
        'tenant_id = "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"',
        f'domain = "{DOMAIN}"',
        'netbios_name = "CONTOSO"',
        "",
        "[service_account]",
        f'username = "{SERVICE_USER}"',
        f'password = "{SERVICE_PASSWORD}"',
        "",
        _user(ALICE, "Alice Example", aliases=["a.example@contoso.example"]),
        _user(DISABLED, "Dave Disabled", enabled="false"),
        _user(SHARED, "Help Desk", kind="shared"),
        _user(ROOM, "Blue Room", kind="room"),
    ]
    lines += [_user(bulk_address(n), f"User {n:04d}") for n in range(bulk_users)]
    (folder / "tenant.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _user(mail: str, name: str, **fields: object) -> str:
    out = ["[[users]]", f'mail = "{mail}"', f'display_name = "{name}"']
    for key, value in fields.items():
        if isinstance(value, list):
            out.append(f"{key} = [" + ", ".join(f'"{v}"' for v in value) + "]")
        elif value in ("true", "false"):
            out.append(f"{key} = {value}")
        else:
            out.append(f'{key} = "{value}"')
    return "\n".join(out) + "\n"


def expected_mailboxes(bulk_users: int = BULK_USERS) -> dict[str, str]:
    """Every address the directory should list, with its kind."""
    expected = {ALICE: "user", SHARED: "shared", MAILBOX_ONLY: "user"}
    expected.update({bulk_address(n): "user" for n in range(bulk_users)})
    return expected


_KEYS: dict[str, pytest.StashKey[Directory]] = {
    "auto": pytest.StashKey[Directory](),
    "slapd": pytest.StashKey[Directory](),
}


def _start(
    request: pytest.FixtureRequest, factory: pytest.TempPathFactory, backend: str
) -> Directory:
    stash = request.config.stash
    key = _KEYS[backend]
    if key in stash:
        return stash[key]
    tenant = write_tenant(factory.mktemp(f"tenant-{backend}"))
    try:
        running: RunningDirectory = start_directory(tenant, backend=backend)  # type: ignore[arg-type]
    except DirectoryPackagesMissing as exc:
        pytest.skip(str(exc))
    request.config.add_cleanup(running.stop)
    info = running.info
    stash[key] = Directory(
        url=info.ldap_url,
        ldaps_url=info.ldaps_url,
        bind_user=info.bind_user,
        password=SERVICE_PASSWORD,
        domain=DOMAIN,
        ca_cert=info.ca_cert,
        backend=info.backend,
    )
    return stash[key]


@pytest.fixture(scope="session")
def directory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Directory]:
    """The preferred directory: Samba AD where it can run, else slapd."""
    yield _start(request, tmp_path_factory, "auto")


@pytest.fixture(scope="session")
def slapd_directory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Directory]:
    """The OpenLDAP fallback, on free ports (it can run beside Samba)."""
    yield _start(request, tmp_path_factory, "slapd")
