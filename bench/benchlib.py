"""Shared pieces of the sync benchmarks (run on purpose, never by the test suite).

- the machine and the checkout a figure was measured on;
- generated tenants, cached under a temporary folder keyed by their parameters;
- ``outlook-emulator serve`` as a separate process, with its statistics and fault API;
- ``outlook-connector`` as a separate process, timed, with its peak resident memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "outlook-connector-bench"


# -- the machine ---------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty_files": len(_git("status", "--porcelain", "--untracked-files=no").splitlines()),
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# -- tenants -------------------------------------------------------------------------


def tenant(users: int, items_per_user: int, seed: int, cache: Path = DEFAULT_CACHE) -> Path:
    """A generated tenant folder, made once per (users, items, seed) and kept in ``cache``."""
    folder = cache / f"tenant-u{users}-i{items_per_user}-s{seed}"
    if (folder / "tenant.toml").is_file():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(folder.name + f".partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    log(f"generating {users} x {items_per_user} items (seed {seed}) into {folder}")
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "outlook_emulator.cli", "generate", "--users", str(users),
         "--items-per-user", str(items_per_user), "--seed", str(seed), "--out", str(partial)],
        check=True, stdout=subprocess.DEVNULL,
    )
    partial.rename(folder)
    log(f"generated in {time.perf_counter() - started:.0f} s")
    return folder


@dataclass
class TenantInfo:
    tenant_id: str
    client_id: str
    client_secret: str
    service_user: str
    service_password: str
    domain: str
    addresses: list[str]
    files: int


def tenant_info(folder: Path) -> TenantInfo:
    toml = tomllib.loads((folder / "tenant.toml").read_text(encoding="utf-8"))
    app = toml["applications"][0]
    service = toml.get("service_account", {})
    files = sum(1 for p in (folder / "mailboxes").rglob("*") if p.is_file())
    return TenantInfo(
        tenant_id=toml["tenant_id"],
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        service_user=service.get("username", ""),
        service_password=service.get("password", ""),
        domain=toml["domain"],
        addresses=[u["mail"].lower() for u in toml.get("users", []) if u.get("mail")],
        files=files,
    )


# -- the emulator --------------------------------------------------------------------


class Emulator:
    """``outlook-emulator serve`` in its own process."""

    def __init__(self, folder: Path, *extra: str, timeout: float = 3600) -> None:
        self.folder = folder
        self.extra = extra
        self.timeout = timeout
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}
        self.load_seconds = 0.0
        self._stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115 - lives as long as the emulator
        self.http: httpx.Client | None = None

    def __enter__(self) -> Emulator:
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "outlook_emulator.cli", "serve", "--tenant", str(self.folder),
             "--host", "127.0.0.1", "--port", "0", *self.extra],
            stdout=subprocess.PIPE, stderr=self._stderr, text=True,
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()))  # type: ignore[union-attr]
        reader.daemon = True
        reader.start()
        reader.join(self.timeout)
        if not line or not line[0].strip():
            self._stderr.seek(0)
            self.__exit__()
            raise RuntimeError(f"the emulator did not start:\n{self._stderr.read()[-3000:]}")
        self.info = json.loads(line[0])
        self.load_seconds = time.perf_counter() - started
        self.http = httpx.Client(verify=self.info["ca_cert"], timeout=120, trust_env=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.http is not None:
            self.http.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def base(self) -> str:
        return str(self.info["login_url"])

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)

    def has_stats(self) -> bool:
        assert self.http is not None
        return self.http.get(f"{self.base}/_emulator/stats").status_code == 200

    def stats(self) -> dict[str, Any]:
        assert self.http is not None
        response = self.http.get(f"{self.base}/_emulator/stats")
        response.raise_for_status()
        return dict(response.json())

    def reset_stats(self) -> None:
        assert self.http is not None
        self.http.delete(f"{self.base}/_emulator/stats").raise_for_status()

    def set_faults(self, **rates: float) -> None:
        assert self.http is not None
        self.http.put(f"{self.base}/_emulator/faults", json=rates).raise_for_status()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def total_requests(stats: dict[str, Any]) -> int:
    return sum(stats.get("requests", {}).values())


# -- configurations ------------------------------------------------------------------


def cloud_config(path: Path, emu: Emulator, info: TenantInfo, index: Path, extra: str = "") -> Path:
    path.write_text(
        f'data_source = "outlook_cloud"\ntenant_id = "{info.tenant_id}"\n'
        f'client_id = "{info.client_id}"\nclient_secret = "{info.client_secret}"\n'
        f'graph_url = "{emu.info["graph_url"]}"\nlogin_url = "{emu.info["login_url"]}"\n'
        f'ssl_ca = "{emu.info["ca_cert"]}"\n{extra}\n[index]\npath = "{index}"\n',
        encoding="utf-8",
    )
    return path


def server_config(
    path: Path, emu: Emulator, info: TenantInfo, index: Path, extra: str = ""
) -> Path:
    """Exchange Server with the mailboxes listed, so no directory server is needed."""
    path.write_text(
        f'data_source = "outlook_server"\nexchange_server = "{emu.info["ews_url"]}"\n'
        # Not contacted: the mailboxes are listed below.
        'active_directory_server = "127.0.0.1:9"\n'
        f'username = "{info.service_user}"\npassword = "{info.service_password}"\n'
        f'domain = "{info.domain}"\nssl_enabled = true\nssl_ca = "{emu.info["ca_cert"]}"\n'
        f"mailboxes = {json.dumps(info.addresses)}\n{extra}\n[index]\npath = \"{index}\"\n",
        encoding="utf-8",
    )
    return path


def remove_index(index: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)


# -- the connector -------------------------------------------------------------------


@dataclass
class Run:
    command: list[str]
    wall: float
    returncode: int
    stdout: str
    stderr: str
    vm_hwm_kb: int  # the connector process itself, polled from /proc
    # The largest sum of VmRSS over the connector and all its descendants (sync
    # workers, extraction workers) seen at one poll: the whole sync's memory.
    tree_rss_peak_kb: int
    children_vm_hwm_kb: int  # the largest VmHWM seen among its child processes (extraction workers)
    # wait4's ru_maxrss; includes the forked copy of this process before exec, so it is
    # at least this benchmark's own size: not a measure of the connector.
    maxrss_kb: int
    cpu_seconds: float  # user + system of the process and its reaped children
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def documents(self) -> int:
        return int(self.summary.get("indexed", 0))


def connector(*args: str, poll: float = 0.05, profile: Path | None = None) -> Run:
    """Run ``outlook-connector ARGS`` in its own process and measure it."""
    command = [PYTHON, "-m", "outlook_connector.cli", *args]
    if profile is not None:
        command = [PYTHON, str(REPO_ROOT / "bench" / "profile_threads.py"), "-o", str(profile),
                   "-m", "outlook_connector.cli", *args]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        hwm = children_hwm = tree_peak = 0
        while True:
            hwm = max(hwm, _vm_hwm_kb(proc.pid))
            for child in _children(proc.pid):
                children_hwm = max(children_hwm, _vm_hwm_kb(child))
            tree_peak = max(tree_peak, sum(_vm_rss_kb(p) for p in _tree(proc.pid)))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(poll)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = Run(
            command=command,
            wall=wall,
            returncode=proc.returncode,
            stdout=out.read(),
            stderr=err.read(),
            vm_hwm_kb=hwm,
            tree_rss_peak_kb=tree_peak,
            children_vm_hwm_kb=children_hwm,
            maxrss_kb=int(usage.ru_maxrss),
            cpu_seconds=usage.ru_utime + usage.ru_stime,
        )
    if "--json" in args and run.stdout.strip().startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            run.summary = json.loads(run.stdout.strip().splitlines()[-1])
    return run


def _children(pid: int) -> list[int]:
    """Child processes of ``pid``, whichever of its threads started them."""
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError):
                text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
                found.extend(int(c) for c in text.split())
    except OSError:
        pass
    return found


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(_children(current))
    return found


def _vm_rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmRSS:")


def _vm_hwm_kb(pid: int) -> int:
    return _status_kb(pid, "VmHWM:")


def _status_kb(pid: int, field: str) -> int:
    """A size from ``/proc/PID/status`` in KiB; 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def check_sync(run: Run, what: str) -> None:
    if run.returncode not in (0, 1) or not run.summary:
        raise RuntimeError(f"{what} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
    if run.summary.get("errors"):
        log(f"{what}: {len(run.summary['errors'])} errors, first: {run.summary['errors'][0]}")


# -- output --------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table."""
    text = [headers, ["---"] * len(headers), *[[str(c) for c in row] for row in rows]]
    return "\n".join("| " + " | ".join(map(str, row)) + " |" for row in text)


def mib(kb: int) -> str:
    return f"{kb / 1024:.0f} MiB"
