"""Samba as an Active Directory domain controller: the real AD schema and semantics.

The domain is provisioned into a private folder, the users are written
straight into its database (see ``samba_load.py``), and ``samba`` then serves
LDAP on 127.0.0.1:389 and LDAPS on 636. Samba has no port option, so only one
can run on a machine at a time, and binding those ports needs root.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from outlook_emulator.directory.dn import base_dn_for, user_dn
from outlook_emulator.directory.entries import (
    DONT_EXPIRE_PASSWORD,
    NORMAL_ACCOUNT,
    UserEntry,
)
from outlook_emulator.directory.groups import group_entries
from outlook_emulator.directory.info import DirectoryInfo
from outlook_emulator.directory.packages import SAMBA_PACKAGES, missing_packages
from outlook_emulator.directory.process import DirectoryStartError, ServerProcess, port_in_use
from outlook_emulator.directory.samba_provision import (
    HOST,
    ProvisionError,
    domain_key,
    provisioned_domain,
    restore,
    run_logged,
    save,
    system_env,
)
from outlook_emulator.directory.tls import TlsFiles
from outlook_emulator.tenant.model import Tenant

LDAP_PORT = 389
LDAPS_PORT = 636
SAMBA_PORTS = (LDAP_PORT, LDAPS_PORT, 3268, 3269)  # LDAP, LDAPS, global catalog (plain, TLS)
SYSTEM_PYTHON = "/usr/bin/python3"  # Samba's Python bindings live in Debian's Python
LOADER = Path(__file__).with_name("samba_load.py")


def samba_unavailable_reason() -> str | None:
    """Why Samba cannot run here, or None when it can."""
    missing = missing_packages(SAMBA_PACKAGES)
    if missing:
        return f"missing Debian packages {' '.join(missing)}"
    if os.geteuid() != 0:
        return "Samba binds ports 389 and 636, which needs root"
    for port in SAMBA_PORTS:
        if port_in_use(HOST, port):
            return f"port {port} on {HOST} is in use (is another directory server running?)"
    return None


def start_samba(
    tenant: Tenant,
    entries: list[UserEntry],
    work: Path,
    tls: TlsFiles,
    timeout: float,
    cache_dir: Path | None = None,
) -> tuple[ServerProcess, DirectoryInfo]:
    if tenant.service_account is None:
        raise DirectoryStartError("the tenant has no [service_account] to bind with")
    target = work / "samba"
    work.mkdir(parents=True, exist_ok=True)
    conf = target / "etc" / "smb.conf"
    try:
        _populated_domain(tenant, entries, target, work, cache_dir)
        _configure(conf, target, tls)
    except ProvisionError as exc:
        raise DirectoryStartError(str(exc)) from None
    # Another Samba may have taken the ports while this one was provisioned;
    # then ours could not listen, and a client would reach the other one.
    for port in SAMBA_PORTS:
        if port_in_use(HOST, port):
            raise DirectoryStartError(f"port {port} on {HOST} was taken while provisioning")
    server = ServerProcess(
        ["/usr/sbin/samba", "-s", str(conf), "-i", "-M", "single", "--debug-stdout", "-d", "1"],
        work / "samba.log",
        env=system_env(),
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


def _populated_domain(
    tenant: Tenant, entries: list[UserEntry], target: Path, work: Path, cache_dir: Path | None
) -> None:
    """A domain with the tenant's users in ``target``, from the cache when it has one."""
    job = _job(tenant, entries)
    entry = None
    if cache_dir is not None:
        material = json.dumps([domain_key(tenant), job], sort_keys=True).encode("utf-8")
        entry = cache_dir / f"loaded-{hashlib.sha256(material).hexdigest()[:16]}"
        if restore(entry, target):
            return
    provisioned_domain(tenant, target, work / "provision.log", cache_dir)
    _load(job, target / "etc" / "smb.conf", work)
    if entry is not None:
        save(target, entry)


def _job(tenant: Tenant, entries: list[UserEntry]) -> dict[str, Any]:
    base = base_dn_for(tenant.domain)
    account = tenant.service_account
    assert account is not None
    return {
        "base_dn": base,
        "users": [
            {"dn": user_dn(e.cn, base), "guid": e.guid, "attributes": e.attributes} for e in entries
        ],
        "groups": [
            {
                "dn": user_dn(g.cn, base),
                "guid": g.guid,
                "attributes": g.attributes,
                "members": g.members,
            }
            for g in group_entries(tenant, entries, base)
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


def _load(job: dict[str, Any], conf: Path, work: Path) -> None:
    job_path = work / "load-job.json"
    # The job holds the service account's password: readable by us only, and
    # removed as soon as the load is done.
    fd = os.open(job_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({**job, "smb_conf": str(conf)}, handle)
    try:
        run_logged(
            [SYSTEM_PYTHON, "-I", str(LOADER), str(job_path)], work / "load.log", "loading users"
        )
    finally:
        job_path.unlink(missing_ok=True)
