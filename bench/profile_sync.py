"""Profile one full ``outlook-connector sync`` against the emulator, in every thread.

    python bench/profile_sync.py                    # 20 x 500 items (10,000), Exchange Online
    python bench/profile_sync.py --quick            # 2 x 200 items
    python bench/profile_sync.py --platform server --out server.prof

The connector runs in its own process under ``profile_threads.py`` (cProfile
in each thread, merged; ``python -m cProfile`` alone sees only the main
thread, which waits for the mailbox threads). Prints the functions with the
most own time; ``profile_threads.py --report FILE`` prints them again.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl  # noqa: E402
from profile_threads import report  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--users", type=int, default=20, help="mailboxes (default 20)")
    parser.add_argument("--items-per-user", type=int, default=500, help="items a mailbox (default 500)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--platform", choices=("cloud", "server"), default="cloud")
    parser.add_argument("--out", type=Path, default=Path("sync.prof"),
                        help="profile file (default sync.prof)")
    parser.add_argument("--limit", type=int, default=30, help="rows in the report (default 30)")
    parser.add_argument("--cache-dir", type=Path, default=bl.DEFAULT_CACHE,
                        help=f"where generated tenants are kept (default {bl.DEFAULT_CACHE})")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 mailboxes x 200 items")
    args = parser.parse_args()
    if args.quick:
        args.users, args.items_per_user = 2, 200
    folder = bl.tenant(args.users, args.items_per_user, args.seed, args.cache_dir)
    info = bl.tenant_info(folder)
    work = Path(tempfile.mkdtemp(prefix="profile-sync-"))
    try:
        with bl.Emulator(folder) as emu:
            index = work / "index.db"
            make = bl.cloud_config if args.platform == "cloud" else bl.server_config
            config = make(work / "config.toml", emu, info, index)
            bl.log("profiling a full sync")
            run = bl.connector("sync", "--config", str(config), "--full", "--json",
                               profile=args.out)
            bl.check_sync(run, "profiled sync")
            print(f"machine: {bl.machine()}\n{run.documents} documents in {run.wall:.1f} s "
                  f"(profiled), connector CPU {run.cpu_seconds:.1f} s\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report(args.out, args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
