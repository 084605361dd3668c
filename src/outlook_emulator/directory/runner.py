"""Start a real directory server loaded with a tenant's users: Samba AD first, slapd second.

``start_directory`` is what tests and the ``directory`` command call. It picks
the back end, prepares a private state folder, starts the server, and returns
a handle whose ``stop()`` ends the server and removes what it made.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

from outlook_emulator.directory.entries import user_entries
from outlook_emulator.directory.info import DirectoryInfo
from outlook_emulator.directory.packages import (
    SAMBA_PACKAGES,
    SLAPD_PACKAGES,
    DirectoryPackagesMissing,
    missing_message,
    missing_packages,
)
from outlook_emulator.directory.process import DirectoryStartError, ServerProcess
from outlook_emulator.directory.samba_dc import samba_unavailable_reason, start_samba
from outlook_emulator.directory.samba_provision import default_cache_dir
from outlook_emulator.directory.slapd import start_slapd
from outlook_emulator.directory.tenant_users import read_directory_tenant
from outlook_emulator.directory.tls import make_tls_files
from outlook_emulator.tenant.model import Tenant

Backend = Literal["samba", "slapd", "auto"]
BACKENDS: tuple[str, ...] = ("auto", "samba", "slapd")
MARKER = ".outlook-emulator-directory"
log = logging.getLogger(__name__)


@dataclass
class RunningDirectory:
    info: DirectoryInfo
    server: ServerProcess
    state_dir: Path
    remove_state_dir: bool
    stopped: bool = field(default=False)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.server.stop()
        if self.remove_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> RunningDirectory:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_directory(
    tenant_dir: Path | str,
    state_dir: Path | str | None = None,
    backend: Backend = "auto",
    timeout: float = 120.0,
    cache: bool = True,
    cache_dir: Path | str | None = None,
) -> RunningDirectory:
    """Start a directory server with the tenant's users and wait until it answers.

    Raises ``DirectoryPackagesMissing`` when the chosen back end (for "auto":
    both) is not installed, ``DirectoryStartError`` when it cannot start.
    With ``cache``, a provisioned Samba domain is kept in ``cache_dir``
    (default: the user's cache folder) and reused by later starts.
    The server is stopped by ``stop()``, and by Linux when the thread that
    called this ends, so that no server outlives its starter.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r}: expected one of {', '.join(BACKENDS)}")
    tenant = read_directory_tenant(Path(tenant_dir))
    if tenant.service_account is None:
        raise DirectoryStartError(
            f"{Path(tenant_dir) / 'tenant.toml'}: no [service_account]; clients need it to bind"
        )
    chosen = _choose_backend(backend)
    work, temporary = _prepare_state_dir(state_dir)
    try:
        templates = (Path(cache_dir) if cache_dir else default_cache_dir()) if cache else None
        return _start(chosen, tenant, work, temporary, timeout, templates, backend == "auto")
    except BaseException:
        if temporary:
            shutil.rmtree(work, ignore_errors=True)
        raise


def _start(
    chosen: str,
    tenant: Tenant,
    work: Path,
    temporary: bool,
    timeout: float,
    templates: Path | None,
    fallback: bool,
) -> RunningDirectory:
    assert tenant.service_account is not None
    entries = user_entries(tenant.users, reserved=(tenant.service_account.username,))
    tls = make_tls_files(work / "tls", ["localhost"])
    if chosen == "samba":
        try:
            server, info = start_samba(
                tenant, entries, work / "samba-state", tls, timeout, templates
            )
            return RunningDirectory(info, server, work, temporary)
        except DirectoryStartError as exc:
            if not fallback or missing_packages(SLAPD_PACKAGES):
                raise
            log.warning("Samba did not start, using slapd instead: %s", exc)
    server, info = start_slapd(tenant, entries, work / "slapd-state", tls, timeout)
    return RunningDirectory(info, server, work, temporary)


def _choose_backend(backend: Backend) -> str:
    if backend == "slapd":
        _require(SLAPD_PACKAGES, "slapd")
        return "slapd"
    reason = samba_unavailable_reason()
    if backend == "samba":
        _require(SAMBA_PACKAGES, "Samba")
        if reason is not None:
            raise DirectoryStartError(f"cannot start Samba: {reason}")
        return "samba"
    if reason is None:
        return "samba"
    missing_slapd = missing_packages(SLAPD_PACKAGES)
    if missing_slapd:
        missing = missing_packages(SAMBA_PACKAGES) + missing_slapd
        raise DirectoryPackagesMissing(missing_message("Samba or slapd", missing))
    log.info("using slapd: Samba cannot run here (%s)", reason)
    return "slapd"


def _require(packages: tuple[str, ...], name: str) -> None:
    missing = missing_packages(packages)
    if missing:
        raise DirectoryPackagesMissing(missing_message(name, missing))


def _prepare_state_dir(state_dir: Path | str | None) -> tuple[Path, bool]:
    """The folder the server keeps its files in, and whether we remove it at stop."""
    if state_dir is None:
        return Path(tempfile.mkdtemp(prefix="outlook-directory-")), True
    path = Path(state_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    if any(path.iterdir()):
        if not (path / MARKER).exists():
            raise DirectoryStartError(
                f"--state-dir {path} is not empty and was not made by this command; "
                "give an empty or new folder"
            )
        # A folder from an earlier run: start afresh (a domain is provisioned
        # once per run; reusing a half-written one would hide errors).
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    (path / MARKER).write_text("state folder of outlook-emulator directory\n", encoding="utf-8")
    return path, False
