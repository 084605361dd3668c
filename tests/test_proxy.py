"""Both sources go through the proxy the environment names, as curl and requests do.

The proxy variables are read once per HTTP client rather than on every
request; ``HTTPS_PROXY`` and ``NO_PROXY`` decide the route, and a proxy that
refuses is reported at once.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connector_run import cloud_config, connector, server_config
from tests.emulators import running_emulator
from tests.tenants import write_mail, write_tenant

ALICE = "alice@contoso.example"


class RefusingProxy:
    """A proxy that records each request line and refuses it (403)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data.split(b"\r\n", 1)[0].decode())
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy() -> Iterator[RefusingProxy]:
    served = RefusingProxy()
    yield served
    served.close()


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tenant(tmp_path_factory.mktemp("tenant"), [ALICE])
    write_mail(root, ALICE, "inbox/hello.eml", "Hello", "words")
    return root


def _config(path: Path, emulator: dict[str, object], platform: str) -> Path:
    if platform == "cloud":
        return cloud_config(path / "c.toml", emulator, path / "i.db")
    return server_config(path / "c.toml", emulator, path / "i.db", [ALICE])


PLATFORMS = pytest.mark.parametrize("platform", ["cloud", "server"])


def _environment(**proxy_variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return {**env, **proxy_variables}


@PLATFORMS
def test_the_proxy_in_the_environment_carries_the_requests(
    tenant: Path, tmp_path: Path, proxy: RefusingProxy, platform: str
) -> None:
    with running_emulator(tenant) as emulator:
        config = _config(tmp_path, emulator, platform)
        result = connector(
            "sync", "--config", str(config), "--json",
            env=_environment(HTTPS_PROXY=f"http://127.0.0.1:{proxy.port}"),
        )
        host = emulator["ews_url"].split("//", 1)[1].split("/", 1)[0]
    assert result.returncode != 0, result.stderr
    assert proxy.requests
    assert all(line.startswith(f"CONNECT {host} ") for line in proxy.requests), proxy.requests
    # A proxy that refuses is not an outage: said at once, not tried again and again.
    assert len(proxy.requests) == 1, proxy.requests
    assert "the proxy refused the connection" in result.stderr
    assert "HTTPS_PROXY and NO_PROXY" in result.stderr


@PLATFORMS
def test_no_proxy_sends_the_requests_straight_to_the_server(
    tenant: Path, tmp_path: Path, proxy: RefusingProxy, platform: str
) -> None:
    with running_emulator(tenant) as emulator:
        config = _config(tmp_path, emulator, platform)
        result = connector(
            "sync", "--config", str(config), "--json",
            env=_environment(
                HTTPS_PROXY=f"http://127.0.0.1:{proxy.port}", NO_PROXY="127.0.0.1,localhost"
            ),
        )
    assert result.returncode == 0, result.stderr
    assert proxy.requests == []


def test_graph_requests_take_the_proxy_too_when_sign_in_goes_direct(
    tenant: Path, tmp_path: Path, proxy: RefusingProxy
) -> None:
    with running_emulator(tenant) as emulator:
        # The same emulator by two names: sign-in at 127.0.0.1 (direct), Graph at localhost.
        graph = dict(emulator, graph_url=emulator["graph_url"].replace("127.0.0.1", "localhost"))
        config = cloud_config(tmp_path / "c.toml", graph, tmp_path / "i.db")
        result = connector(
            "sync", "--config", str(config), "--json",
            env=_environment(
                HTTPS_PROXY=f"http://127.0.0.1:{proxy.port}", NO_PROXY="127.0.0.1"
            ),
        )
        port = emulator["graph_url"].split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
    assert result.returncode != 0, result.stderr
    assert proxy.requests and all(
        line.startswith(f"CONNECT localhost:{port} ") for line in proxy.requests
    ), proxy.requests
    assert len(proxy.requests) == 1  # refused: said at once, not tried again
    assert "the proxy refused the connection" in result.stderr
