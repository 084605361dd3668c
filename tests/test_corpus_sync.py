"""Every real-world mail, calendar and contact file of the shared corpus, placed in a
tenant, syncs through both ways in without a crash, and each path indexes every item the
emulator could represent."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import ContactGroup, Event, Message
from tests.connector_run import cloud_config, export, server_config, sync_json
from tests.emulators import running_emulator, shared_dir
from tests.tenants import write_tenant

CORPUS = shared_dir() / "corpus"
BOX = "corpus@contoso.example"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no shared corpus at {CORPUS}")


def link_all(kind: str, folder: Path, extension: str) -> None:
    """Each file under the extension its folder reads, so the parser decides what it is."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, source in enumerate(sorted(p for p in (CORPUS / kind).rglob("*") if p.is_file())):
        (folder / f"{number:04d}-{source.name}{extension}").symlink_to(source)


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tenant(tmp_path_factory.mktemp("corpus-tenant"), [BOX])
    box = root / "mailboxes" / BOX
    link_all("mail", box / "inbox", ".eml")
    link_all("calendar", box / "calendar", ".ics")
    link_all("calendar", box / "tasks", ".ics")
    link_all("contacts", box / "contacts", ".vcf")
    return root


def expected_counts(root: Path) -> Counter[str]:
    """What the emulator holds: one document per message, contact, series or single event, task."""
    counts: Counter[str] = Counter()
    for folder in load_tenant(root).mailboxes[BOX].folders.values():
        for item in folder.items.values():
            if isinstance(item, Message):
                counts["Inbox Mails"] += 1
            elif isinstance(item, ContactGroup):
                counts["Distribution List"] += 1
            elif isinstance(item, Event):
                counts["Calendar"] += (
                    0 if item.series_master_id else 1
                )  # exceptions fold into series
            elif folder.kind == "contacts":
                counts["Contact"] += 1
            elif folder.kind == "tasks":
                counts["Task"] += 1
    return counts


def by_type(docs: dict[str, dict[str, Any]]) -> Counter[str]:
    return Counter(d["type"] for d in docs.values() if "parent_id" not in d)


def test_the_corpus_syncs_through_both_paths(tenant: Path, tmp_path: Path) -> None:
    expected = expected_counts(tenant)
    assert expected["Inbox Mails"] > 200 and expected["Calendar"] > 50
    with running_emulator(tenant) as emulator:
        cloud = cloud_config(tmp_path / "cloud.toml", emulator, tmp_path / "cloud.db")
        cloud_summary = sync_json(cloud)
        server = server_config(tmp_path / "server.toml", emulator, tmp_path / "server.db", [BOX])
        server_summary = sync_json(server)
    assert cloud_summary["errors"] == [], cloud_summary["errors"][:3]
    assert server_summary["errors"] == [], server_summary["errors"][:3]
    # Graph v1.0 has no contact groups: the cloud path indexes everything else
    assert by_type(export(cloud)) == expected - Counter(
        {"Distribution List": expected["Distribution List"]}
    )
    assert by_type(export(server)) == expected
