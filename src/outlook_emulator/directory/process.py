"""Start a directory server process, wait until it answers, stop it."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1  # prctl(2) option


class DirectoryStartError(RuntimeError):
    """The directory server could not be started; the message says why."""


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (or we may not bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to send SIGTERM when our process ends.

    Without it, a server whose starter was killed (SIGKILL, a crashed test run)
    would keep its ports and files forever.
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class ServerProcess:
    """A server run in the foreground in its own process group, logging to a file.

    It cannot outlive us: Linux signals it when we end (``_die_with_parent``),
    and Samba in interactive mode also exits when its stdin, a pipe we hold,
    closes.
    """

    def __init__(self, argv: list[str], log_path: Path, env: dict[str, str] | None = None):
        self.argv = argv
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    def wait_listening(self, host: str, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DirectoryStartError(
                    f"{Path(self.argv[0]).name} exited with code {self.proc.returncode} "
                    f"before listening on {host}:{port}:\n{self.log_tail()}"
                )
            try:
                with socket.create_connection((host, port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise DirectoryStartError(
            f"{Path(self.argv[0]).name} did not listen on {host}:{port} within {timeout:.0f} s:\n"
            f"{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15) -> None:
        if self.proc.poll() is not None:
            return
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.proc.wait(5)

    def _signal(self, sig: int) -> None:
        # The server is the leader of its own session, so its group id is its
        # pid: this reaches any children it forked and nothing else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
