"""Start the emulators as separate processes, the way users and CI run them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """The team's shared reference folder (corpus, schemas)."""
    return Path(os.environ.get("OUTLOOK_SHARED_DIR", REPO_ROOT.parent / "shared"))


def demo_tenant_dir() -> Path:
    return REPO_ROOT / "src" / "outlook_emulator" / "demo_tenant"


@contextmanager
def running_emulator(
    tenant: Path, *extra_args: str, timeout: float = 60
) -> Iterator[dict[str, Any]]:
    """Run `outlook-emulator serve` and yield the JSON line it prints when ready."""
    with tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "outlook_emulator.cli",
                "serve",
                "--tenant",
                str(tenant),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                *extra_args,
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            info = _read_ready_line(proc, timeout)
            if info is None:
                stderr.seek(0)
                raise RuntimeError(f"emulator did not start:\n{stderr.read()[-4000:]}")
            info["process"] = proc
            yield info
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _read_ready_line(proc: subprocess.Popen[str], timeout: float) -> dict[str, Any] | None:
    result: list[str] = []
    reader = threading.Thread(
        target=lambda: result.append(proc.stdout.readline() if proc.stdout else "")
    )
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    if not result or not result[0].strip():
        return None
    return dict(json.loads(result[0]))
