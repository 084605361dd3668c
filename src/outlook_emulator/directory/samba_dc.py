"""Samba as an Active Directory domain controller: the real AD schema and semantics.

The domain is provisioned into a private folder, the users are written
straight into its database (see ``samba_load.py``), and ``samba`` then serves
LDAP on 127.0.0.1:389 and LDAPS on 636. Samba has no port option, so only one
can run on a machine at a time, and binding those ports needs root.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path

from outlook_emulator.directory.dn import base_dn_for, user_dn
from outlook_emulator.directory.entries import (
    DONT_EXPIRE_PASSWORD,
    NORMAL_ACCOUNT,
    UserEntry,
)
from outlook_emulator.directory.info import DirectoryInfo
from outlook_emulator.directory.packages import SAMBA_PACKAGES, missing_packages
from outlook_emulator.directory.process import DirectoryStartError, ServerProcess, port_in_use
from outlook_emulator.directory.tls import TlsFiles
from outlook_emulator.tenant.model import Tenant

HOST = "127.0.0.1"
LDAP_PORT = 389
LDAPS_PORT = 636
SYSTEM_PYTHON = "/usr/bin/python3"  # Samba's Python bindings live in Debian's Python
LOADER = Path(__file__).with_name("samba_load.py")


def samba_unavailable_reason() -> str | None:
    """Why Samba cannot run here, or None when it can."""
    missing = missing_packages(SAMBA_PACKAGES)
    if missing:
        return f"missing Debian packages {' '.join(missing)}"
    if os.geteuid() != 0:
        return "Samba binds ports 389 and 636, which needs root"
    for port in (LDAP_PORT, LDAPS_PORT, 3268, 3269):
        if port_in_use(HOST, port):
            return f"port {port} on {HOST} is in use (is another directory server running?)"
    return None


def start_samba(
    tenant: Tenant, entries: list[UserEntry], work: Path, tls: TlsFiles, timeout: float
) -> tuple[ServerProcess, DirectoryInfo]:
    if tenant.service_account is None:
        raise DirectoryStartError("the tenant has no [service_account] to bind with")
    target = work / "samba"
    work.mkdir(parents=True, exist_ok=True)
    _provision(tenant, target, work / "provision.log")
    conf = target / "etc" / "smb.conf"
    _configure(conf, target, tls)
    _load(tenant, entries, conf, work)
    server = ServerProcess(
        ["/usr/sbin/samba", "-s", str(conf), "-i", "-M", "single", "--debug-stdout", "-d", "1"],
        work / "samba.log",
        env=_system_env(),
    )
    try:
        server.wait_listening(HOST, LDAP_PORT, timeout)
        server.wait_listening(HOST, LDAPS_PORT, timeout)
    except BaseException:
        server.stop()
        raise
    info = DirectoryInfo(
        ldap_url=f"ldap://{HOST}:{LDAP_PORT}",
        ldaps_url=f"ldaps://{HOST}:{LDAPS_PORT}",
        base_dn=base_dn_for(tenant.domain),
        bind_user=f"{tenant.service_account.username}@{tenant.domain}",
        ca_cert=str(tls.ca_cert),
        backend="samba",
    )
    return server, info


def _system_env() -> dict[str, str]:
    # Our virtualenv's variables must not leak into Debian's Python.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    return env


def _run(argv: list[str], log: Path, what: str) -> None:
    with open(log, "ab") as out:
        result = subprocess.run(
            argv, stdout=out, stderr=subprocess.STDOUT, env=_system_env(), check=False
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise DirectoryStartError(f"{what} failed (exit {result.returncode}):\n{tail}")


def _provision(tenant: Tenant, target: Path, log: Path) -> None:
    host_name = "dc1" if tenant.netbios_name.upper() != "DC1" else "dc2"
    # A throw-away administrator password: nothing uses the account, and the
    # value never leaves this process (samba-tool reads it from its argv).
    admin_password = "Aa1!" + secrets.token_urlsafe(18)
    _run(
        [
            "samba-tool", "domain", "provision",
            f"--realm={tenant.domain.upper()}",
            f"--domain={tenant.netbios_name}",
            "--server-role=dc",
            "--dns-backend=NONE",
            f"--adminpass={admin_password}",
            f"--targetdir={target}",
            f"--host-name={host_name}",
            f"--host-ip={HOST}",
            "--option=interfaces=lo",
            "--option=bind interfaces only=yes",
        ],
        log,
        "samba-tool domain provision",
    )  # fmt: skip


def _configure(conf: Path, target: Path, tls: TlsFiles) -> None:
    """Serve LDAP only, keep every file in the private folder, allow simple binds."""
    settings = {
        "server services": "ldap",
        "pid directory": str(target / "run"),
        "log file": str(target / "log" / "log.%m"),
        # Plain-LDAP simple binds are what many directory readers (and the
        # product we replace) use; a real DC can be configured to allow them.
        "ldap server require strong auth": "no",
        "tls enabled": "yes",
        "tls keyfile": str(tls.key),
        "tls certfile": str(tls.cert),
        "tls cafile": str(tls.ca_cert),
    }
    (target / "run").mkdir(exist_ok=True)
    (target / "log").mkdir(exist_ok=True)
    lines = conf.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    for line in lines:
        key = line.split("=", 1)[0].strip().lower()
        if key in settings:
            continue
        out.append(line)
        if line.strip().lower() == "[global]":
            out += [f"\t{name} = {value}" for name, value in settings.items()]
    conf.write_text("\n".join(out) + "\n", encoding="utf-8")


def _load(tenant: Tenant, entries: list[UserEntry], conf: Path, work: Path) -> None:
    base = base_dn_for(tenant.domain)
    account = tenant.service_account
    assert account is not None
    job = {
        "smb_conf": str(conf),
        "base_dn": base,
        "users": [
            {"dn": user_dn(e.cn, base), "guid": e.guid, "attributes": e.attributes} for e in entries
        ],
        "service_account": {
            "dn": user_dn(account.username, base),
            "attributes": {
                "sAMAccountName": [account.username],
                "userPrincipalName": [f"{account.username}@{tenant.domain}"],
                "displayName": [account.username],
                "userAccountControl": [str(NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD)],
            },
            "password": account.password,
        },
    }
    job_path = work / "load-job.json"
    # The job holds the service account's password: readable by us only, and
    # removed as soon as the load is done.
    fd = os.open(job_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(job, handle)
    try:
        _run([SYSTEM_PYTHON, "-I", str(LOADER), str(job_path)], work / "load.log", "loading users")
    finally:
        job_path.unlink(missing_ok=True)
