"""Profile a Python module in every thread, and print where the time went.

``python -m cProfile`` sees only the main thread; the connector syncs its
mailboxes in worker threads, so the main thread's profile is one long wait.
This runner gives each thread its own ``cProfile.Profile`` and merges them:

    python bench/profile_threads.py -o sync.prof -m outlook_connector.cli sync --config F --json
    python bench/profile_threads.py --report sync.prof [--limit 30]

With ``--cpu`` each thread's CPU time is measured instead of wall time, so
time blocked on the network or a lock does not show at all.

The report lists functions by own time (``tottime``) with their share of all
CPU-side time, leaving out time spent blocked on locks, which only says that a
thread was waiting (for another thread, or for the network through a
``select``/``recv``, which stay in). Extraction worker processes are not
profiled.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import runpy
import sys
import threading
import time
from pathlib import Path

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
# Blocking on these means waiting for another thread, not doing work.
WAITS = ("acquire' of '_thread.lock", "acquire' of '_thread.RLock", "method 'wait' of")


def _new_profile(cpu: bool) -> cProfile.Profile:
    # thread_time: the thread's own CPU time, so waiting on the network costs nothing.
    return cProfile.Profile(time.thread_time) if cpu else cProfile.Profile()


def _install(cpu: bool) -> None:
    original = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profile = _new_profile(cpu)
        with _lock:
            _profiles.append(profile)
        profile.enable()
        try:
            original(self)
        finally:
            profile.disable()

    threading.Thread.run = run  # type: ignore[method-assign]


def profile_module(module: str, argv: list[str], out: Path, cpu: bool = False) -> int:
    _install(cpu)
    main = _new_profile(cpu)
    _profiles.append(main)
    sys.argv = [module, *argv]
    code = 0
    main.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        main.disable()
        with _lock:
            profiles = list(_profiles)
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            # TypeError/ValueError: a thread that never ran any Python code
            with contextlib.suppress(TypeError, ValueError):
                stats.add(profile)
        stats.dump_stats(str(out))
    return code


def report(path: Path, limit: int = 30) -> str:
    stats = pstats.Stats(str(path))
    rows = []
    total = 0.0
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        label = f"{_short(filename)}:{line}({name})" if line else name
        if any(w in name for w in WAITS):
            continue
        total += tottime
        rows.append((tottime, cumtime, calls, label))
    rows.sort(reverse=True)
    lines = [f"own time outside lock waits: {total:.1f} s (all threads)", "",
             "| own s | share | cum s | calls | function |", "| ---: | ---: | ---: | ---: | --- |"]
    for tottime, cumtime, calls, label in rows[:limit]:
        lines.append(
            f"| {tottime:.2f} | {100 * tottime / total:.1f}% | {cumtime:.2f} | {calls} | `{label}` |"
        )
    return "\n".join(lines)


def cumulative(path: Path, names: list[str]) -> str:
    """Cumulative time (all threads) of the functions whose label contains one of ``names``."""
    stats = pstats.Stats(str(path))
    lines = []
    for (filename, line, name), (_cc, calls, _tt, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        label = f"{_short(filename)}:{line}({name})"
        if any(n in label for n in names):
            lines.append((cumtime, calls, label))
    lines.sort(reverse=True)
    return "\n".join(f"| {c:.2f} | {n} | `{label}` |" for c, n, label in lines)


def _short(filename: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", type=Path, help="profile file to write")
    parser.add_argument("-m", dest="module", help="module to run, with its arguments after it")
    parser.add_argument("--report", type=Path, help="print the top functions of a profile file")
    parser.add_argument("--cumulative", nargs="*", default=None,
                        help="with --report: also the cumulative time of functions matching these")
    parser.add_argument("--limit", type=int, default=30, help="rows in the report (default 30)")
    parser.add_argument("--cpu", action="store_true",
                        help="time each thread's CPU use, not wall time: waits cost nothing")
    argv = sys.argv[1:]
    rest: list[str] = []
    if "-m" in argv:  # everything after the module's name is the module's
        at = argv.index("-m")
        argv, rest = argv[: at + 2], argv[at + 2 :]
    args = parser.parse_args(argv)
    if args.report:
        print(report(args.report, args.limit))
        if args.cumulative:
            print("\n| cum s | calls | function |\n| ---: | ---: | --- |")
            print(cumulative(args.report, args.cumulative))
        return 0
    if not args.module or not args.output:
        parser.error("give -o FILE -m MODULE [ARGS...], or --report FILE")
    return profile_module(args.module, rest, args.output, cpu=args.cpu)


if __name__ == "__main__":
    sys.exit(main())
