"""The emulator's HTTPS front: one slow client never holds up the others."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import httpx
import pytest

from outlook_emulator.certs import ServerCertificates, create_server_certificates
from outlook_emulator.http import EmulatorServer, Request, Response


class Hello:
    def handles(self, request: Request) -> bool:
        return True

    def __call__(self, request: Request) -> Response:
        return Response.json({"path": request.path})


@pytest.fixture
def certificates() -> Iterator[ServerCertificates]:
    made = create_server_certificates("127.0.0.1")
    yield made
    made.remove()


def test_a_client_that_never_finishes_its_tls_handshake_does_not_stop_others(
    certificates: ServerCertificates,
) -> None:
    server = EmulatorServer([Hello()], ssl_context=certificates.ssl_context())
    server.start()
    stalled = socket.create_connection(("127.0.0.1", server.port))  # connects, says nothing
    try:
        trust = ssl.create_default_context(cafile=str(certificates.ca_cert))
        with httpx.Client(verify=trust, timeout=5) as client:
            for n in range(3):  # new connections each time
                response = client.get(
                    f"{server.base_url}/hello/{n}", headers={"Connection": "close"}
                )
                assert response.json() == {"path": f"/hello/{n}"}
    finally:
        stalled.close()
        server.stop()
