"""`outlook-emulator directory`: the JSON line, the bind, clean stops and clear failures."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ldap3 import SIMPLE, Connection, Server

from outlook_emulator.directory import (
    DirectoryPackagesMissing,
    DirectoryStartError,
    runner,
    samba_dc,
    start_directory,
)
from outlook_emulator.directory import command as directory_command
from outlook_emulator.directory.packages import SLAPD_PACKAGES, missing_packages

PASSWORD = "svc-Secret-42"
TENANT = f"""
domain = "fabrikam.example"
netbios_name = "FABRIKAM"

[service_account]
username = "svc-reader"
password = "{PASSWORD}"

[[users]]
mail = "erin@fabrikam.example"
display_name = "Erin Example"
"""


@pytest.fixture
def tenant(tmp_path: Path) -> Path:
    folder = tmp_path / "tenant"
    (folder / "mailboxes" / "frank@fabrikam.example").mkdir(parents=True)
    (folder / "tenant.toml").write_text(TENANT, encoding="utf-8")
    return folder


def require_slapd() -> None:
    missing = missing_packages(SLAPD_PACKAGES)
    if missing:
        pytest.skip(
            f"Debian packages missing: {' '.join(missing)} (scripts/install-system-packages)"
        )


@contextmanager
def running_command(*args: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, object]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "outlook_emulator.cli", "directory", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"no JSON line; stderr:\n{proc.communicate(timeout=30)[1]}")
        yield proc, json.loads(line)
    finally:
        if proc.poll() is None:
            proc.terminate()  # lets the command stop its server and remove its files
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def mail_addresses(info: dict[str, object], user: str, password: str) -> set[str]:
    host, port = str(info["ldap_url"]).removeprefix("ldap://").rsplit(":", 1)
    conn = Connection(
        Server(host, port=int(port)), user=user, password=password, authentication=SIMPLE
    )
    assert conn.bind(), conn.result
    conn.search(str(info["base_dn"]), "(mail=*)", attributes=["mail"])
    found = {str(entry.mail) for entry in conn.entries}
    conn.unbind()
    return found


def answers(url: object) -> bool:
    host, port = str(url).split("//")[1].rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def test_command_prints_one_json_line_and_stops_cleanly_on_sigterm(tenant: Path) -> None:
    require_slapd()
    with running_command("--tenant", str(tenant), "--backend", "slapd") as (proc, info):
        assert set(info) == {"ldap_url", "ldaps_url", "base_dn", "bind_user", "ca_cert", "backend"}
        assert info["backend"] == "slapd"
        assert info["base_dn"] == "DC=fabrikam,DC=example"
        assert Path(str(info["ca_cert"])).is_file()
        user = str(info["bind_user"])
        assert mail_addresses(info, user, PASSWORD) == {
            "erin@fabrikam.example",
            "frank@fabrikam.example",
        }
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 0, stderr
        assert PASSWORD not in stderr
    assert not answers(info["ldap_url"])
    state = Path(str(info["ca_cert"])).parent.parent
    assert not state.exists(), "the temporary state folder is removed"


def test_state_dir_is_kept_and_reused(tenant: Path, tmp_path: Path) -> None:
    require_slapd()
    state = tmp_path / "state"
    for _ in range(2):
        with running_command(
            "--tenant", str(tenant), "--backend", "slapd", "--state-dir", str(state)
        ) as (proc, info):
            assert str(info["ca_cert"]).startswith(str(state))
            proc.send_signal(signal.SIGINT)
            assert proc.wait(30) == 0
        assert (state / "tls" / "ca.pem").is_file()
    leftovers = [p.name for p in state.rglob("*") if PASSWORD in _read(p)]
    assert leftovers == [], "no file in the state folder holds the password in clear"


def _read(path: Path) -> str:
    # The databases themselves (large, sparse) keep only password hashes;
    # what could leak a clear password is the small files written on the way.
    if not path.is_file() or path.stat().st_size > 1_000_000:
        return ""
    return path.read_bytes().decode("utf-8", errors="replace")


def test_a_foreign_state_dir_is_refused(tenant: Path, tmp_path: Path) -> None:
    require_slapd()
    state = tmp_path / "mine"
    state.mkdir()
    (state / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(DirectoryStartError, match="not empty"):
        start_directory(tenant, state, backend="slapd")
    assert (state / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_tenant_without_service_account_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "tenant"
    folder.mkdir()
    (folder / "tenant.toml").write_text('domain = "fabrikam.example"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "outlook_emulator.cli", "directory", "--tenant", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "service_account" in result.stderr
    assert "tenant.toml" in result.stderr
    assert result.stdout == ""


def test_missing_packages_exit_2_and_name_the_install_script(
    tenant: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for module in (runner, samba_dc):
        monkeypatch.setattr(module, "missing_packages", lambda packages: list(packages))
    parser = argparse.ArgumentParser()
    directory_command.add_arguments(parser)
    code = directory_command.command(parser.parse_args(["--tenant", str(tenant)]))
    err = capsys.readouterr().err
    assert code == 2
    assert "slapd" in err and "samba" in err
    assert "scripts/install-system-packages" in err
    with pytest.raises(DirectoryPackagesMissing):
        start_directory(tenant, backend="slapd")


def test_samba_refuses_a_taken_port_and_auto_falls_back_to_slapd(tenant: Path) -> None:
    require_slapd()
    if os.geteuid() != 0:
        with pytest.raises((DirectoryStartError, DirectoryPackagesMissing), match="root|missing"):
            start_directory(tenant, backend="samba")
        return
    with _holding_port(389):
        try:
            with pytest.raises(DirectoryStartError, match="port 389"):
                start_directory(tenant, backend="samba")
        except DirectoryPackagesMissing as exc:
            pytest.skip(str(exc))
        with start_directory(tenant, backend="auto") as directory:
            assert directory.info.backend == "slapd"
            assert directory.info.ldap_url != "ldap://127.0.0.1:389"


@contextmanager
def _holding_port(port: int) -> Iterator[None]:
    """Keep 127.0.0.1:port busy (it may already be, by the Samba the directory tests share)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen(1)
        except OSError:
            pass  # already taken: just as good
        yield
    finally:
        sock.close()
