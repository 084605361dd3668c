"""The emulator commands stop on SIGINT/SIGTERM whenever the signal arrives."""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import time

import pytest

from outlook_emulator.stop_signals import StopRequest

# Enters StopRequest again and again, each time waiting in very short steps
# until a signal asks it to stop: every signal lands at a different point of
# the waiting loop, which is where a handler that takes a lock can deadlock.
CHILD = """
import sys
from outlook_emulator.stop_signals import StopRequest
for _ in range(int(sys.argv[1])):
    with StopRequest() as stop:
        print("waiting", flush=True)
        while not stop.wait(0.0001):
            pass
        print("stopped", stop.signal, flush=True)
"""
ROUNDS = 1000


def test_every_signal_stops_the_wait_wherever_it_lands() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ROUNDS)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        for round_ in range(ROUNDS):
            assert proc.stdout.readline() == "waiting\n"
            sig = signal.SIGINT if round_ % 2 else signal.SIGTERM
            time.sleep(0.0003 * (round_ % 5))  # land at different points
            proc.send_signal(sig)
            assert _line_within(proc, 10) == f"stopped {int(sig)}\n", f"round {round_}"
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _line_within(proc: subprocess.Popen[str], seconds: float) -> str:
    """The child's next line; fails the test when it does not come (the child hangs)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                return proc.stdout.readline()
    pytest.fail(f"the child did not stop within {seconds} s of the signal")


def test_handlers_are_restored_and_a_wait_without_signal_times_out() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with StopRequest() as stop:
        assert signal.getsignal(signal.SIGTERM) != before
        started = time.monotonic()
        assert stop.wait(0.05) is False
        assert time.monotonic() - started >= 0.05
        assert not stop.requested
    assert signal.getsignal(signal.SIGTERM) == before
