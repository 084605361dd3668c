"""Mailboxes synced in worker processes give the index a sync in one process gives.

``sync_processes`` hands mailboxes to worker processes that write through the
main process's index. Whatever runs where, the index, the summary, the logs
and the resumption after a failure must be those of a sync in one process.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from outlook_connector.config import ConfigError, load_config
from outlook_connector.sync.processes import thread_shares
from outlook_connector.sync.rules import parse_rules
from outlook_connector.sync.runner import sync_processes
from tests.connector_run import cloud_config, export, indexed_count, server_config, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_mail, write_many_mails, write_tenant

USERS = [f"user{n}@contoso.example" for n in range(5)]


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tenant(tmp_path_factory.mktemp("tenant"), USERS)
    for n, user in enumerate(USERS):
        write_many_mails(root, user, "inbox", 30 + 10 * n)
        write_many_mails(root, user, "sentitems", 5)
        write_mail(root, user, "archive/old.eml", f"Archived {n}", f"archived words{n}")
    return root


def _by_process_count(
    tenant: Path, tmp: Path, make_config: Any
) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """Full sync with 1, 2 and 3 processes: (summary, exported index) of each."""
    results = {}
    with running_emulator(tenant) as emulator:
        for processes in (1, 2, 3):
            config = make_config(
                emulator, tmp / f"p{processes}", f"sync_processes = {processes}\npage_size = 7"
            )
            results[processes] = (sync_json(config), export(config))
    return results


def _cloud(emulator: dict[str, Any], folder: Path, extra: str) -> Path:
    folder.mkdir()
    return cloud_config(folder / "c.toml", emulator, folder / "i.db", extra)


def _server(emulator: dict[str, Any], folder: Path, extra: str) -> Path:
    folder.mkdir()
    return server_config(folder / "c.toml", emulator, folder / "i.db", USERS, extra)


@pytest.mark.parametrize("make_config", [_cloud, _server], ids=["graph", "ews"])
def test_any_number_of_processes_gives_the_same_index_and_summary(
    tenant: Path, tmp_path: Path, make_config: Any
) -> None:
    results = _by_process_count(tenant, tmp_path, make_config)
    summary, documents = results[1]
    assert summary["errors"] == []
    assert summary["mailboxes"] == len(USERS)
    assert len(documents) == sum(30 + 10 * n + 5 + 1 for n in range(len(USERS)))
    for processes in (2, 3):
        assert results[processes][0] == summary, f"summary with {processes} processes"
        assert results[processes][1] == documents, f"index with {processes} processes"


def test_changes_and_deletions_reach_the_index_through_the_workers(
    tenant: Path, tmp_path: Path
) -> None:
    root = tmp_path / "tenant"
    subprocess.run(["cp", "-r", str(tenant), str(root)], check=True)
    with running_emulator(root) as emulator:
        config = _cloud(emulator, tmp_path / "run", "sync_processes = 2")
        assert sync_json(config)["errors"] == []
        before = export(config)
        mail = (root / "mailboxes" / USERS[0] / "inbox" / "m00000.eml").read_bytes()
        control = _control(emulator)
        control.delete(f"/_emulator/mailboxes/{USERS[1]}/inbox/m00003.eml").raise_for_status()
        new = mail.replace(b"Order 0 status", b"Brand new").replace(b"<", b"<new", 1)
        control.put(f"/_emulator/mailboxes/{USERS[3]}/inbox/new.eml", content=new)
        summary = sync_json(config)
        after = export(config)
    assert summary["errors"] == []
    assert summary["deleted"] == 1
    assert summary["indexed"] == 1
    assert len(after) == len(before)
    assert any(doc["title"] == "Brand new" for doc in after.values())


def _control(emulator: dict[str, Any]) -> httpx.Client:
    tls = ssl.create_default_context(cafile=emulator["ca_cert"])
    return httpx.Client(base_url=emulator["login_url"], verify=tls)


def _workers_of(pid: int) -> list[int]:
    """The sync worker processes the process ``pid`` started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == pid and b"outlook_connector.sync.worker" in command:
            found.append(int(entry.name))
    return found


def _sync_under_way(
    config: Path, index: Path, *options: str
) -> tuple[subprocess.Popen[str], list[int]]:
    """A sync started on the command line, once its index holds some documents; its workers."""
    sync = subprocess.Popen(
        [sys.executable, "-m", "outlook_connector.cli", "sync", "--config", str(config), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell without job control starts background jobs with SIGINT ignored,
        # and Python keeps an ignored SIGINT: the sync gets Ctrl-C as a terminal gives it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while indexed_count(index) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    return sync, _workers_of(sync.pid)


PAGE_SIZE = 5


@contextmanager
def _interruptible(
    tenant: Path, tmp_path: Path, seed: int, processes: int = 2
) -> Iterator[tuple[Path, Path, Callable[[], None]]]:
    """A slow server and a sync of two mailboxes at once with small pages, so it is still
    under way when interrupted; and the check that the next sync completes what it left."""
    faults = json.dumps({"slow": 0.3, "slow_seconds": 0.2})
    with running_emulator(tenant, "--faults", faults, "--seed", str(seed)) as emulator:
        index = tmp_path / "i.db"
        config = cloud_config(
            tmp_path / "c.toml",
            emulator,
            index,
            f"sync_processes = {processes}\nmax_concurrent_mailboxes = 2\n"
            f"page_size = {PAGE_SIZE}",
        )

        def completes() -> None:
            """The next sync ends without errors, with the index of a sync in one process."""
            assert sync_json(config)["errors"] == []
            reference = cloud_config(
                tmp_path / "r.toml", emulator, tmp_path / "r.db", "sync_processes = 1"
            )
            assert sync_json(reference)["errors"] == []
            assert export(config) == export(reference)

        yield config, index, completes


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds worker processes in /proc")
def test_a_killed_worker_fails_only_its_mailbox_and_the_next_sync_completes_it(
    tenant: Path, tmp_path: Path
) -> None:
    with _interruptible(tenant, tmp_path, seed=3) as (config, index, completes):
        sync, workers = _sync_under_way(config, index, "--json")
        assert len(workers) == 2, "two worker processes sync the mailboxes"
        os.kill(workers[0], signal.SIGKILL)
        out, err = sync.communicate(timeout=300)
        assert sync.returncode == 1, err
        summary = json.loads(out)
        failed = summary["errors"]
        assert len(failed) == 1, failed
        assert "stopped unexpectedly" in failed[0]["error"]
        assert failed[0]["mailbox"] in USERS
        assert (
            f"{failed[0]['mailbox']}: its sync worker process stopped unexpectedly"
            " (killed by SIGKILL)" in err
        )
        completes()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds worker processes in /proc")
@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize(
    ("sig", "to_all", "status", "said"),
    [
        (signal.SIGINT, False, 130, "interrupted"),  # Ctrl-C
        (signal.SIGTERM, False, 143, "stopped by SIGTERM"),  # kill PID
        # A service manager stopping it (systemd, docker): every process at once.
        (signal.SIGTERM, True, 143, "stopped by SIGTERM"),
    ],
)
def test_a_stopped_sync_stops_at_once_and_the_next_sync_completes(
    tenant: Path,
    tmp_path: Path,
    sig: signal.Signals,
    to_all: bool,
    status: int,
    said: str,
    processes: int,
) -> None:
    with _interruptible(tenant, tmp_path, 5, processes) as (config, index, completes):
        sync, workers = _sync_under_way(config, index)
        assert len(workers) == (processes if processes > 1 else 0)
        before = indexed_count(index)
        for pid in [sync.pid, *(_descendants(sync.pid) if to_all else [])]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        _, err = sync.communicate(timeout=60)
        assert sync.returncode == status, err
        assert f"{said}; the next sync resumes from the last committed page" in err
        # Said once: the mailboxes it stopped are not reported as failures.
        assert "ERROR" not in err
        # It stopped there, not at the end of the sync: each of the two mailboxes under
        # way committed at most the page it was committing and the next one (and one
        # more may have landed between the count and the signal).
        assert indexed_count(index) - before <= 2 * 3 * PAGE_SIZE
        for pid in workers:  # the workers are gone with it
            assert not Path(f"/proc/{pid}").exists() or b"zombie" in _state(pid)
        completes()


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``: workers and their text extraction processes."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _state(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/status").read_bytes().lower()
    except OSError:
        return b"zombie"


def test_worker_log_records_reach_the_main_process_log(tmp_path: Path) -> None:
    root = write_tenant(tmp_path / "tenant", USERS[:2])
    for user in USERS[:2]:
        write_many_mails(root, user, "inbox", 3)
    with running_emulator(root) as emulator:
        config = cloud_config(
            tmp_path / "c.toml",
            emulator,
            tmp_path / "i.db",
            # The rule names a folder no mailbox has: each mailbox logs it.
            'sync_processes = 2\n[advanced_rules]\nfolders = ["inbox", "Nowhere"]',
        )
        result = subprocess.run(
            [sys.executable, "-m", "outlook_connector.cli", "-v", "sync", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr
    logged = [line for line in result.stderr.splitlines() if "'nowhere'" in line]
    assert sorted(logged) == [
        f"INFO outlook_connector.sources.graph.collections: {user} has no mail folder 'nowhere';"
        " other mailboxes may have it"
        for user in USERS[:2]
    ], result.stderr


# -- configuration -----------------------------------------------------------------------------


def _config(tmp_path: Path, line: str) -> Any:
    path = tmp_path / "c.toml"
    path.write_text(f'tenant_id = "t"\nclient_id = "c"\nclient_secret = "s"\n{line}\n')
    return load_config(path, environ={})


def test_sync_processes_defaults_to_one_per_core_within_the_mailbox_limit(tmp_path: Path) -> None:
    assert _config(tmp_path, "").sync_processes is None
    assert _config(tmp_path, 'sync_processes = "auto"').sync_processes is None
    auto = sync_processes(_config(tmp_path, "max_concurrent_mailboxes = 64"))
    assert auto == (os.cpu_count() or 1)
    assert sync_processes(_config(tmp_path, "sync_processes = 3")) == 3
    # each process syncs at least one mailbox at a time
    both = "sync_processes = 8\nmax_concurrent_mailboxes = 2"
    assert sync_processes(_config(tmp_path, both)) == 2


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("sync_processes = 0", "sync_processes: must be between 1 and 64, got 0"),
        ('sync_processes = "many"', "sync_processes: must be \"auto\" or a number, got 'many'"),
        ("sync_processes = 2.5", "sync_processes: must be a number, got 2.5"),
    ],
)
def test_a_wrong_sync_processes_is_named(tmp_path: Path, line: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(tmp_path, line)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_mailbox_threads_are_spread_over_the_processes() -> None:
    assert thread_shares(4, 2) == [2, 2]
    assert thread_shares(5, 2) == [3, 2]
    assert thread_shares(2, 8) == [1, 1]
    assert sum(thread_shares(7, 3)) == 7


def test_rules_reach_a_worker_process_intact() -> None:
    rules = parse_rules(
        [
            {"field": "size", "rule": ">", "value": 1000, "policy": "exclude"},
            {"field": "has_attachments", "rule": "equals", "value": True, "policy": "exclude"},
            {"field": "received_at", "rule": "<", "value": "now-30d", "policy": "exclude"},
            {"field": "title", "rule": "regex", "value": "^Re:", "policy": "exclude"},
        ]
    )
    copy = pickle.loads(pickle.dumps(rules))
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    documents = [
        {"size": 2000, "received_at": now},
        {"size": 10, "has_attachments": True, "received_at": now},
        {"size": 10, "received_at": "2001-01-01T00:00:00Z"},
        {"size": 10, "received_at": now, "title": "Re: lunch"},
        {"size": 10, "received_at": now, "title": "lunch", "has_attachments": False},
    ]
    assert [copy.includes(d) for d in documents] == [rules.includes(d) for d in documents]
    assert [copy.includes(d) for d in documents] == [False, False, False, False, True]
