"""`outlook-emulator serve`: the ready line, HTTPS with its own CA, exit codes."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.emulators import running_emulator

TENANT_TOML = """
tenant_id = "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"
domain = "serve.example"
netbios_name = "SERVE"

[[users]]
mail = "carol@serve.example"
"""


@pytest.fixture
def tenant_dir(tmp_path: Path) -> Path:
    (tmp_path / "tenant.toml").write_text(TENANT_TOML)
    (tmp_path / "mailboxes" / "carol@serve.example" / "inbox").mkdir(parents=True)
    return tmp_path


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "outlook_emulator.cli", "serve", "--port", "0", *args],
        capture_output=True, text=True, timeout=60,
    )


def test_ready_line_names_every_endpoint_and_the_ca(tenant_dir):
    with running_emulator(tenant_dir) as info:
        base = info["login_url"]
        assert base.startswith("https://127.0.0.1:")
        assert info["graph_url"] == f"{base}/v1.0"
        assert info["ews_url"] == f"{base}/EWS/Exchange.asmx"
        assert info["tenant_id"] == "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"
        ca = Path(info["ca_cert"])
        assert ca.is_file()
        context = ssl.create_default_context(cafile=str(ca))
        port = base.rsplit(":", 1)[1]
        # The certificate names 127.0.0.1 and localhost, and clients verify it with the CA.
        for host in ("127.0.0.1", "localhost"):
            with httpx.Client(verify=context, trust_env=False) as client:
                url = f"https://{host}:{port}/serve.example/v2.0/.well-known/openid-configuration"
                assert client.get(url).json()["issuer"].endswith("/v2.0")
        with httpx.Client(verify=context, trust_env=False) as client:
            assert client.get(info["graph_url"] + "/users").status_code == 401
            assert client.post(info["ews_url"], content=b"").status_code != 404
        process = info["process"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    assert not ca.exists(), "the certificate files are removed at exit"


def test_fault_control_and_stats_are_served(tenant_dir):
    with running_emulator(tenant_dir, "--fault-seed", "3") as info:
        context = ssl.create_default_context(cafile=info["ca_cert"])
        with httpx.Client(verify=context, trust_env=False) as client:
            client.get(info["graph_url"] + "/users/carol@serve.example/messages")
            stats = client.get(info["login_url"] + "/_emulator/stats").json()
            assert stats["requests"] == {"graph:carol@serve.example": 1}
            faults = client.put(info["login_url"] + "/_emulator/faults", json={"throttle": 1.0})
            assert faults.status_code == 200
            assert client.get(info["graph_url"] + "/users").status_code == 429


def test_sigint_stops_cleanly(tenant_dir):
    with running_emulator(tenant_dir) as info:
        info["process"].send_signal(signal.SIGINT)
        assert info["process"].wait(10) == 0


def test_missing_tenant_folder_exits_2_with_a_clear_error(tmp_path):
    result = _serve("--tenant", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert result.stdout == ""


def test_broken_tenant_toml_exits_2(tmp_path):
    (tmp_path / "tenant.toml").write_text('tenant_id = "unterminated\n')
    result = _serve("--tenant", str(tmp_path))
    assert result.returncode == 2
    assert "tenant.toml" in result.stderr and "Traceback" not in result.stderr


def test_ready_line_is_one_json_object(tenant_dir):
    with running_emulator(tenant_dir) as info:
        keys = set(info) - {"process"}
    assert keys == {"graph_url", "login_url", "ca_cert", "ews_url", "tenant_id"}
    json.dumps({k: info[k] for k in keys})
