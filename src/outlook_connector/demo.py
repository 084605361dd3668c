"""`outlook-connector demo`: the whole product on the bundled demo tenant.

Starts the emulator (`outlook-emulator serve`, a separate program) on the demo
tenant, syncs it into a fresh embedded index over real HTTPS, and runs a few
searches. The connector does not import the emulator; it runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from outlook_connector.config import Config, IndexConfig, Secret
from outlook_connector.sinks.sqlite import SQLiteIndex
from outlook_connector.sync.runner import run_sync

DEMO_SEARCHES = ("kayak", "invoice", "Lisbon")


def demo_tenant_dir() -> Path:
    spec = find_spec("outlook_emulator")
    if spec is None or spec.origin is None:
        raise SystemExit("error: the outlook-emulator package is not installed")
    return Path(spec.origin).parent / "demo_tenant"


def run_demo(index_path: Path) -> int:
    tenant_dir = demo_tenant_dir()
    tenant = tomllib.loads((tenant_dir / "tenant.toml").read_text())
    app = tenant["applications"][0]
    print(f"starting the emulator on the demo tenant ({tenant['domain']})", file=sys.stderr)
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "outlook_emulator.cli",
            "serve",
            "--tenant",
            str(tenant_dir),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = emulator.stdout.readline() if emulator.stdout else ""
        if not line:
            print("error: the emulator did not start", file=sys.stderr)
            return 1
        endpoints: dict[str, Any] = json.loads(line)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{index_path}{suffix}").unlink(missing_ok=True)
        config = Config(
            tenant_id=tenant["tenant_id"],
            client_id=app["client_id"],
            client_secret=Secret(app["client_secret"]),
            graph_url=endpoints["graph_url"],
            login_url=endpoints["login_url"],
            ssl_ca=Path(endpoints["ca_cert"]).read_text(),
            index=IndexConfig(path=str(index_path)),
        )
        summary = run_sync(config, full=True, progress=sys.stderr.isatty())
        _report(summary.as_dict())
        _search(index_path)
        return 0 if summary.ok else 1
    finally:
        emulator.terminate()
        emulator.wait(10)


def _report(summary: dict[str, Any]) -> None:
    print(f"\nsynced {summary['mailboxes']} mailboxes: {summary['indexed']} documents")
    for type_name, count in summary["by_type"].items():
        print(f"  {type_name:<20} {count}")
    for error in summary["errors"]:
        print(f"  error: {error}")


def _search(index_path: Path) -> None:
    with SQLiteIndex(index_path) as index:
        for query in DEMO_SEARCHES:
            print(f"\n$ outlook-connector search {query!r}")
            for hit in index.search(query, limit=3):
                print(f"  [{hit.type}] {hit.title}  ({hit.mailbox})")
                print(f"      {hit.snippet}")
    print(
        f"\nthe index is in {index_path}; try: outlook-connector search WORDS "
        f"(with OUTLOOK_INDEX_PATH={index_path})"
    )
