"""``outlook-emulator directory``: run a real directory server for a tenant.

Prints one JSON line on stdout once the server answers (the URLs, base DN,
bind user and CA certificate a client needs), then serves until SIGINT or
SIGTERM, when it stops the server and removes its files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from outlook_emulator.directory.packages import DirectoryPackagesMissing
from outlook_emulator.directory.process import DirectoryStartError
from outlook_emulator.directory.runner import BACKENDS, start_directory
from outlook_emulator.directory.tenant_users import TenantConfigError
from outlook_emulator.stop_signals import StopRequest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant", required=True, type=Path, help="the tenant folder")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="folder for the server's files (default: a temporary folder removed at exit)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="samba (Active Directory, needs root), slapd (OpenLDAP), or auto: Samba if it can run",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where a provisioned Samba domain is kept for reuse "
        "(default: ~/.cache/outlook-emulator/directory)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="provision the Samba domain afresh and keep no copy",
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for the server to answer"
    )


def command(args: argparse.Namespace) -> int:
    with StopRequest() as stop:
        try:
            directory = start_directory(
                args.tenant,
                args.state_dir,
                args.backend,
                args.timeout,
                cache=not args.no_cache,
                cache_dir=args.cache_dir,
            )
        except DirectoryPackagesMissing as exc:
            print(f"outlook-emulator directory: {exc}", file=sys.stderr)
            return 2
        except (DirectoryStartError, TenantConfigError, ValueError) as exc:
            print(f"outlook-emulator directory: {exc}", file=sys.stderr)
            return 1
        with directory:
            if stop.requested:  # asked to stop while the server was starting
                return 0
            print(directory.info.to_json(), flush=True)
            while not stop.wait(0.5):
                if directory.server.proc.poll() is not None:
                    print(
                        f"outlook-emulator directory: the {directory.info.backend} server "
                        f"exited unexpectedly:\n{directory.server.log_tail()}",
                        file=sys.stderr,
                    )
                    return 1
        return 0
