"""A sync killed with SIGKILL at any point resumes and ends with the same index."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.connector_run import cloud_config, export, indexed_count, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_many_mails, write_tenant

USERS = ["alice@contoso.example", "bob@contoso.example"]


def kill_when(config: Path, index: Path, at_least: int) -> bool:
    """Start a sync and SIGKILL it once the index holds ``at_least`` documents."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "outlook_connector.cli", "sync", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if indexed_count(index) >= at_least:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    proc.wait()
    return False


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tenant(tmp_path_factory.mktemp("tenant"), USERS)
    for user in USERS:
        write_many_mails(root, user, "inbox", 300)
        write_many_mails(root, user, "archive", 100)
    return root


def test_killed_syncs_resume_to_the_same_index(tenant: Path, tmp_path: Path) -> None:
    with running_emulator(tenant) as emulator:
        reference = cloud_config(
            tmp_path / "ref.toml", emulator, tmp_path / "ref.db", "page_size = 10"
        )
        assert sync_json(reference)["errors"] == []
        expected = export(reference)
        assert len(expected) == 800

        killed = 0
        for n, at_least in enumerate((1, 37, 150, 333, 512, 790)):
            index = tmp_path / f"run{n}.db"
            config = cloud_config(tmp_path / f"run{n}.toml", emulator, index, "page_size = 10")
            killed += kill_when(config, index, at_least)
            summary = sync_json(config)
            assert summary["errors"] == []
            assert export(config) == expected, f"index differs after a kill at {at_least}"
        assert killed >= 4  # most kills landed mid-sync (a fast machine may finish first)
