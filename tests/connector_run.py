"""Run the connector the way users do: the command line, a config file, the emulator's URLs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.tenants import CLIENT_ID, CLIENT_SECRET, TENANT_ID


def cloud_config(path: Path, emulator: dict[str, Any], index: Path, extra: str = "") -> Path:
    path.write_text(
        f'tenant_id = "{TENANT_ID}"\nclient_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
        f'graph_url = "{emulator["graph_url"]}"\nlogin_url = "{emulator["login_url"]}"\n'
        f'ssl_ca = "{emulator["ca_cert"]}"\n{extra}\n[index]\npath = "{index}"\n'
    )
    return path


def connector(
    *args: str, check: bool = False, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "outlook_connector.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"outlook-connector {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def sync_json(config: Path, *extra: str) -> dict[str, Any]:
    result = connector("sync", "--config", str(config), "--json", *extra)
    assert result.returncode in (0, 1) and result.stdout.strip(), (
        f"sync exited {result.returncode}:\n{result.stderr[-3000:]}"
    )
    return dict(json.loads(result.stdout))


def indexed_count(index: Path) -> int:
    """Documents in the index file now, read-only while a sync writes it (0 if unreadable)."""
    try:
        with sqlite3.connect(f"file:{index}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def export(config: Path) -> dict[str, dict[str, Any]]:
    out = connector("export", "--config", str(config), check=True).stdout
    return {doc["id"]: doc for doc in map(json.loads, out.splitlines())}


def server_config(
    path: Path, emulator: dict[str, Any], index: Path, mailboxes: list[str], extra: str = ""
) -> Path:
    """An Exchange Server config whose mailboxes are listed (the directory is not asked)."""
    from tests.tenants import SERVICE_PASSWORD

    listed = ", ".join(f'"{m}"' for m in mailboxes)
    path.write_text(
        'data_source = "outlook_server"\n'
        f'exchange_server = "{emulator["ews_url"]}"\n'
        'active_directory_server = "127.0.0.1:9"\n'
        f'username = "svc-search"\npassword = "{SERVICE_PASSWORD}"\n'
        'domain = "contoso.example"\nssl_enabled = true\n'
        f'ssl_ca = "{emulator["ca_cert"]}"\nmailboxes = [{listed}]\n{extra}\n'
        f'[index]\npath = "{index}"\n'
    )
    return path
