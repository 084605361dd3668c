"""The Exchange Server path end to end: EWS emulator, a real directory server, the command line.

The bundled demo tenant is served over EWS, its users are found in a directory
server loaded from the same tenant, and the documents are compared with what
the Exchange Online path gives for the same tenant.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from outlook_emulator.directory import DirectoryPackagesMissing, start_directory
from tests.connector_run import connector, export, sync_json
from tests.emulators import demo_tenant_dir, running_emulator

TENANT = tomllib.loads((demo_tenant_dir() / "tenant.toml").read_text())
ENABLED = {u["mail"] for u in TENANT["users"] if u.get("enabled", True)}
DISABLED = {u["mail"] for u in TENANT["users"] if not u.get("enabled", True)}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    try:
        directory = start_directory(demo_tenant_dir(), tmp_path_factory.mktemp("directory"))
    except DirectoryPackagesMissing as exc:
        pytest.skip(f"no directory server can be started here: {exc}")
    try:
        with running_emulator(demo_tenant_dir()) as emulator:
            yield {"emulator": emulator, "directory": directory.info.as_dict()}
    finally:
        directory.stop()


def server_config(
    path: Path, servers: dict[str, Any], index: Path, password: str | None = None
) -> Path:
    emulator, directory = servers["emulator"], servers["directory"]
    # One ssl_ca for both servers: a bundle of the two CAs that signed them.
    bundle = path.parent / "cas.pem"
    bundle.write_text(
        Path(emulator["ca_cert"]).read_text()
        + (Path(directory["ca_cert"]).read_text() if directory.get("ca_cert") else "")
    )
    ldap = directory.get("ldaps_url") or directory["ldap_url"]
    service = TENANT["service_account"]
    path.write_text(
        'data_source = "outlook_server"\n'
        f'exchange_server = "{emulator["ews_url"]}"\n'
        f'active_directory_server = "{ldap}"\n'
        f'username = "{service["username"]}"\n'
        f'password = "{password or service["password"]}"\n'
        f'domain = "{TENANT["domain"]}"\n'
        f'ssl_enabled = true\nssl_ca = "{bundle}"\n'
        f'[index]\npath = "{index}"\n'
    )
    return path


def cloud_demo_config(path: Path, emulator: dict[str, Any], index: Path) -> Path:
    app = TENANT["applications"][0]
    path.write_text(
        f'tenant_id = "{TENANT["tenant_id"]}"\nclient_id = "{app["client_id"]}"\n'
        f'client_secret = "{app["client_secret"]}"\n'
        f'graph_url = "{emulator["graph_url"]}"\nlogin_url = "{emulator["login_url"]}"\n'
        f'ssl_ca = "{emulator["ca_cert"]}"\n[index]\npath = "{index}"\n'
    )
    return path


@pytest.fixture(scope="module")
def synced(servers: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("synced")
    server = server_config(tmp / "server.toml", servers, tmp / "server.db")
    cloud = cloud_demo_config(tmp / "cloud.toml", servers["emulator"], tmp / "cloud.db")
    server_run = connector("sync", "--config", str(server), "--json", check=True)
    cloud_run = connector("sync", "--config", str(cloud), "--json", check=True)
    return {
        "server_summary": json.loads(server_run.stdout),
        "server_stderr": server_run.stderr,
        "server": export(server),
        "server_config": server,
        "cloud_summary": json.loads(cloud_run.stdout),
        "cloud_stderr": cloud_run.stderr,
        "cloud": export(cloud),
    }


def test_every_enabled_mailbox_and_every_type(synced: dict[str, Any]) -> None:
    summary = synced["server_summary"]
    assert summary["errors"] == []
    assert summary["mailboxes"] == len(ENABLED)
    docs = synced["server"].values()
    assert {
        d["mailbox"] for d in docs
    } == ENABLED  # the shared mailbox included, the disabled user not
    assert not DISABLED & {d["mailbox"] for d in docs}
    assert {
        "Inbox Mails",
        "Sent Mails",
        "Archive Mails",
        "Junk Mails",
        "Contact",
        "Distribution List",
        "Calendar",
        "Task",
        "Mail Attachment",
    } <= {d["type"] for d in docs}
    group = next(d for d in docs if d["type"] == "Distribution List")
    assert group["email_addresses"] and all("@" in a for a in group["email_addresses"])


def test_a_sync_without_problems_logs_nothing(synced: dict[str, Any]) -> None:
    # Exchange Server 2016 (the emulator's build) is a version exchangelib has
    # no name for when asked for Exchange2013_SP1: that must not be a warning
    # per request.
    assert synced["server_stderr"] == ""
    assert synced["cloud_stderr"] == ""


def comparable(doc: dict[str, Any]) -> str:
    """A document without what legitimately differs between the two protocols."""
    kept = {k: v for k, v in doc.items() if k not in ("id", "url", "parent_id")}
    return json.dumps(kept, sort_keys=True, ensure_ascii=False)


def test_same_documents_as_the_exchange_online_path(synced: dict[str, Any]) -> None:
    assert synced["cloud_summary"]["errors"] == []
    # Graph v1.0 has no API for personal contact groups: they exist on the EWS side only.
    server = Counter(
        comparable(d) for d in synced["server"].values() if d["type"] != "Distribution List"
    )
    cloud = Counter(comparable(d) for d in synced["cloud"].values())
    only_server = list((server - cloud).elements())
    only_cloud = list((cloud - server).elements())
    assert not only_server and not only_cloud, (only_server[:3], only_cloud[:3])


def test_incremental_sync_with_no_changes_writes_nothing(synced: dict[str, Any]) -> None:
    again = sync_json(synced["server_config"])
    assert again["errors"] == [] and again["indexed"] == 0 and again["deleted"] == 0


def test_wrong_password_is_a_clear_error_without_the_password(
    servers: dict[str, Any], tmp_path: Path
) -> None:
    config = server_config(
        tmp_path / "c.toml", servers, tmp_path / "i.db", password="Wrong-Passw0rd-42"
    )
    for command in ("check", "sync"):
        result = connector(command, "--config", str(config))
        assert result.returncode == 1
        assert "Wrong-Passw0rd-42" not in result.stdout + result.stderr
        assert "svc-search" in result.stdout + result.stderr


def test_check_reports_each_part(synced: dict[str, Any]) -> None:
    result = connector("check", "--config", str(synced["server_config"]))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("ok", "FAIL"))]
    assert len(lines) >= 4 and all(line.startswith("ok") for line in lines)
