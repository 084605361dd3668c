"""Provisioning a Samba AD domain, once per domain name and Samba version.

``samba-tool domain provision`` takes 10 to 30 seconds and its result depends
only on the domain's names and the Samba build, not on the users. The first
provision of a domain is kept in a cache folder, and so is the domain once a
given set of users is loaded (loading a thousand users takes longer than
provisioning); later starts copy them (about 50 MB, well under a second). The
only absolute path in a provisioned domain is in its smb.conf, which the copy
rewrites.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from outlook_emulator.tenant.model import Tenant

HOST = "127.0.0.1"
# The code that makes a cached domain: any change to it makes new cache entries.
_CODE = ("samba_provision.py", "samba_dc.py", "samba_load.py", "entries.py", "groups.py")
ORIGIN_FILE = "origin-path"
HERE = Path(__file__).parent


class ProvisionError(RuntimeError):
    """A Samba tool failed; the message carries the end of its log."""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "outlook-emulator" / "directory"


def system_env() -> dict[str, str]:
    """The environment for Samba's tools: our virtualenv's variables must not leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    return env


def run_logged(argv: list[str], log: Path, what: str) -> None:
    with open(log, "ab") as out:
        result = subprocess.run(
            argv, stdout=out, stderr=subprocess.STDOUT, env=system_env(), check=False
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise ProvisionError(f"{what} failed (exit {result.returncode}):\n{tail}")


def provisioned_domain(tenant: Tenant, target: Path, log: Path, cache_dir: Path | None) -> None:
    """Make ``target`` a freshly provisioned domain for the tenant's names."""
    if cache_dir is None:
        provision(tenant, target, log)
        return
    template = cache_dir / f"samba-{domain_key(tenant)}"
    if not (template / ORIGIN_FILE).is_file():
        building = Path(tempfile.mkdtemp(prefix=".building-", dir=_made(cache_dir)))
        try:
            provision(tenant, building / "samba", log)
            (building / ORIGIN_FILE).write_text(str(building / "samba"), encoding="utf-8")
            _publish(building, template)
        finally:
            shutil.rmtree(building, ignore_errors=True)
        _prune(template, keep=2)
    restore(template, target)


def restore(entry: Path, target: Path) -> bool:
    """Copy a cached domain to ``target``; False when there is no such entry."""
    if not (entry / ORIGIN_FILE).is_file():
        return False
    shutil.copytree(entry / "samba", target, symlinks=True)
    origin = (entry / ORIGIN_FILE).read_text(encoding="utf-8")
    conf = target / "etc" / "smb.conf"
    conf.write_text(conf.read_text(encoding="utf-8").replace(origin, str(target)), encoding="utf-8")
    os.utime(entry)  # most recently used: kept longest
    return True


def save(source: Path, entry: Path, keep: int = 4) -> None:
    """Keep a copy of the (stopped) domain in ``source`` as cache entry ``entry``.

    Only the ``keep`` most recently used entries of this kind stay.
    """
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=_made(entry.parent)))
    try:
        shutil.copytree(source, building / "samba", symlinks=True)
        (building / ORIGIN_FILE).write_text(str(source), encoding="utf-8")
        _publish(building, entry)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    _prune(entry, keep)


def _prune(entry: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently used entries of ``entry``'s kind."""
    prefix = entry.name.split("-", 1)[0] + "-"
    entries = sorted(
        (p for p in entry.parent.iterdir() if p.name.startswith(prefix)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def _made(folder: Path) -> Path:
    # The cache holds password hashes of the service accounts: ours only.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _publish(building: Path, entry: Path) -> None:
    try:
        building.rename(entry)  # atomic: a concurrent build either wins or loses whole
    except OSError:
        if not (entry / ORIGIN_FILE).is_file():
            raise


def provision(tenant: Tenant, target: Path, log: Path) -> None:
    host_name = "dc1" if tenant.netbios_name.upper() != "DC1" else "dc2"
    # A throw-away administrator password: nothing uses the account.
    admin_password = "Aa1!" + secrets.token_urlsafe(18)
    run_logged(
        [
            "samba-tool", "domain", "provision",
            f"--realm={tenant.domain.upper()}",
            f"--domain={tenant.netbios_name}",
            "--server-role=dc",
            "--dns-backend=NONE",
            # LMDB takes bulk adds about 40 % faster than the default TDB.
            "--backend-store=mdb",
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


def domain_key(tenant: Tenant) -> str:
    """What a provisioned domain depends on: its names and the Samba build."""
    version = subprocess.run(
        ["samba", "--version"], capture_output=True, text=True, env=system_env(), check=False
    ).stdout.strip()
    code = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in _CODE)).hexdigest()
    material = [code, tenant.domain.lower(), tenant.netbios_name.upper(), version]
    return hashlib.sha256(json.dumps(material).encode("utf-8")).hexdigest()[:16]
