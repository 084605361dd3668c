"""A Python child process and a socket to it: how the connector starts its workers.

A plain interpreter started with subprocess, not a multiprocessing child:
multiprocessing would re-run the caller's main script in every worker. The
child gets its end of a socket pair as a file descriptor (the last argument of
its code) and reads pickled messages from it with ``multiprocessing``'s
``Connection``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from typing import IO


def start_child(
    code: str, *, stderr: int | IO[bytes] | None = subprocess.DEVNULL
) -> tuple[subprocess.Popen[bytes], Connection]:
    """Run ``python -c CODE FD``; the process and the parent's end of the socket."""
    parent_end, child_end = socket.socketpair()
    env = dict(os.environ)
    # The child imports the connector (and registered handlers) by name: it needs
    # this process's import path.
    env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    with child_end:
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(child_end.fileno())],
            pass_fds=(child_end.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # the command's own output stays its own (``--json``)
            stderr=stderr,
            env=env,
            start_new_session=True,  # a terminal's Ctrl-C reaches the parent, which stops it
        )
    return process, Connection(parent_end.detach())
