"""The EWS operations a client signed in with NTLM asks for are all counted.

NTLM signs in a connection with a handshake whose last leg carries the first
request, and Exchange runs it; the emulator's stats count that request like
any other, and count none of the legs the server answered with 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from exchangelib import (
    BASIC,
    IMPERSONATION,
    NTLM,
    Account,
    Build,
    Configuration,
    Credentials,
    Version,
)
from exchangelib.protocol import close_connections
from tests.tenants import SERVICE_PASSWORD, write_tenant

from outlook_emulator.ews.app import EwsApp
from outlook_emulator.faults import FaultInjector
from outlook_emulator.http import EmulatorServer
from outlook_emulator.tenant.loader import load_tenant

ALICE = "alice@contoso.example"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorServer]:
    write_tenant(tmp_path, [ALICE])
    served = EmulatorServer([EwsApp(load_tenant(tmp_path))], middleware=[FaultInjector()])
    served.start()
    try:
        yield served
    finally:
        close_connections()
        served.stop()


def _account(
    server: EmulatorServer, password: str = SERVICE_PASSWORD, auth: str = NTLM
) -> Account:
    config = Configuration(
        service_endpoint=f"{server.base_url}/EWS/Exchange.asmx",
        credentials=Credentials("CONTOSO\\svc-search", password),
        auth_type=auth,
        version=Version(build=Build(15, 0, 847, 32)),  # Exchange 2013 SP1: no version probe
        max_connections=1,
    )
    return Account(ALICE, config=config, autodiscover=False, access_type=IMPERSONATION)


def _operations(server: EmulatorServer) -> dict[str, int]:
    return dict(httpx.get(f"{server.base_url}/_emulator/stats").json()["operations"])


def _reset(server: EmulatorServer) -> None:
    httpx.delete(f"{server.base_url}/_emulator/stats").raise_for_status()


def test_the_request_that_completes_the_handshake_is_counted(server: EmulatorServer) -> None:
    # Basic signs every request in by itself: the operations it counts are the truth.
    basic = _account(server, auth=BASIC)
    basic.inbox.refresh()
    basic.inbox.refresh()
    expected = _operations(server)
    assert expected.get("GetFolder", 0) >= 2
    close_connections()
    _reset(server)
    # The first request rides on the handshake's last leg, the next on the signed-in connection.
    ntlm = _account(server)
    ntlm.inbox.refresh()
    ntlm.inbox.refresh()
    assert _operations(server) == expected


def test_a_handshake_that_fails_counts_nothing(server: EmulatorServer) -> None:
    from exchangelib.errors import UnauthorizedError

    with pytest.raises(UnauthorizedError):
        _account(server, password="wrong").inbox.refresh()
    assert _operations(server) == {}
