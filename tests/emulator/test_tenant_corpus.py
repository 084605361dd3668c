"""Every real-world file of the shared corpus loads or is skipped with a reason; none crashes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import Tenant

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("OUTLOOK_SHARED_DIR", REPO_ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
BOX = "corpus@contoso.example"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no shared corpus at {CORPUS}")


def corpus_files(kind: str) -> list[Path]:
    return sorted(p for p in (CORPUS / kind).rglob("*") if p.is_file())


def link_all(files: list[Path], folder: Path, extension: str) -> dict[str, Path]:
    """Links each file into ``folder`` under the extension that folder reads, so the parser
    (not the extension check) decides; returns mailbox path -> original file."""
    folder.mkdir(parents=True, exist_ok=True)
    placed: dict[str, Path] = {}
    for number, source in enumerate(files):
        name = f"{number:04d}-{source.name}{extension}"
        (folder / name).symlink_to(source)
        placed[f"{folder.name}/{name}"] = source
    return placed


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tenant, dict[str, Path]]:
    root = tmp_path_factory.mktemp("corpus-tenant")
    (root / "tenant.toml").write_text('domain = "contoso.example"\n', encoding="utf-8")
    box = root / "mailboxes" / BOX
    placed = link_all(corpus_files("mail"), box / "inbox", ".eml")
    placed |= link_all(corpus_files("calendar"), box / "calendar", ".ics")
    placed |= link_all(corpus_files("calendar"), box / "tasks", ".ics")
    placed |= link_all(corpus_files("contacts"), box / "contacts", ".vcf")
    return load_tenant(root), placed


def test_each_corpus_file_is_loaded_or_skipped_with_a_reason(
    loaded: tuple[Tenant, dict[str, Path]],
) -> None:
    tenant, placed = loaded
    mailbox = tenant.mailboxes[BOX]
    item_files = {
        item.path.split("#", 1)[0]
        for folder in mailbox.folders.values()
        for item in folder.items.values()
    }
    skipped = {path.removeprefix(f"{BOX}/"): reason for path, reason in tenant.skipped}
    unaccounted = [p for p in placed if p not in item_files and p not in skipped]
    assert unaccounted == []
    assert all(reason.strip() for reason in skipped.values())


def test_most_corpus_files_become_items(loaded: tuple[Tenant, dict[str, Path]]) -> None:
    tenant, placed = loaded
    mailbox = tenant.mailboxes[BOX]
    for folder_name in ("inbox", "calendar", "tasks", "contacts"):
        folder = mailbox.well_known(folder_name)
        assert folder is not None
        files = [p for p in placed if p.startswith(f"{folder_name}/")]
        loaded_files = {item.path.split("#", 1)[0] for item in folder.items.values()}
        # The corpus holds deliberately broken files, but the bulk of it is ordinary data;
        # its calendar files are mostly events, so only a few of them hold tasks.
        expected = 1 if folder_name == "tasks" else 0.5 * len(files)
        assert len(loaded_files) >= expected, folder_name


def test_corpus_messages_have_their_parts(loaded: tuple[Tenant, dict[str, Path]]) -> None:
    tenant, _ = loaded
    inbox = tenant.mailboxes[BOX].well_known("inbox")
    assert inbox is not None
    messages = list(inbox.items.values())
    assert any(m.attachments for m in messages)
    assert any(a.item is not None for m in messages for a in m.attachments)
    assert all(
        m.created.tzinfo is not None and m.last_modified.tzinfo is not None for m in messages
    )
