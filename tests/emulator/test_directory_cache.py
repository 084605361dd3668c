"""The cache of provisioned Samba domains: copies that work wherever they land."""

from __future__ import annotations

import os
from pathlib import Path

from outlook_emulator.directory.samba_provision import restore, save


def fake_domain(folder: Path) -> Path:
    """What matters of a provisioned domain: files, and smb.conf naming its folder."""
    (folder / "etc").mkdir(parents=True)
    (folder / "private").mkdir()
    (folder / "private" / "sam.ldb").write_bytes(b"\x00database")
    (folder / "etc" / "smb.conf").write_text(
        f"[global]\n\tprivate dir = {folder}/private\n\tstate directory = {folder}/state\n",
        encoding="utf-8",
    )
    return folder


def test_a_saved_domain_is_restored_with_its_paths_rewritten(tmp_path: Path) -> None:
    source = fake_domain(tmp_path / "run1" / "samba")
    cache = tmp_path / "cache"
    save(source, cache / "loaded-abc")
    target = tmp_path / "run2" / "samba"
    assert restore(cache / "loaded-abc", target)
    conf = (target / "etc" / "smb.conf").read_text(encoding="utf-8")
    assert f"private dir = {target}/private" in conf
    assert str(source) not in conf
    assert (target / "private" / "sam.ldb").read_bytes() == b"\x00database"
    assert oct(cache.stat().st_mode & 0o777) == "0o700", "the cache holds password hashes"


def test_a_missing_entry_restores_nothing(tmp_path: Path) -> None:
    assert not restore(tmp_path / "cache" / "loaded-none", tmp_path / "target")
    assert not (tmp_path / "target").exists()


def test_only_the_most_recently_used_entries_are_kept(tmp_path: Path) -> None:
    source = fake_domain(tmp_path / "run" / "samba")
    cache = tmp_path / "cache"
    for n in range(4):
        save(source, cache / f"loaded-{n}", keep=3)
        os.utime(cache / f"loaded-{n}", (1_000_000 + n, 1_000_000 + n))
    save(source, cache / "loaded-new", keep=3)
    assert sorted(p.name for p in cache.iterdir()) == ["loaded-2", "loaded-3", "loaded-new"]
