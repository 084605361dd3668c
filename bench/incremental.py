"""Incremental sync cost: a full sync, then one with no changes, then one after 1% changed.

    python bench/incremental.py                     # 20 x 5,000 items (100,000)
    python bench/incremental.py --quick             # a smoke run: 2 x 200 items
    python bench/incremental.py --platforms cloud,server --change-fraction 0.01

For the tenant (generated once, cached by its parameters under --cache-dir),
``outlook-emulator serve`` and ``outlook-connector`` each in its own process:

1. ``sync`` into a fresh index (no cursors: a full enumeration);
2. ``sync`` again with nothing changed;
3. a fraction of the items in synced folders changed through the emulator's
   control API — 60% rewritten (PUT new bytes), 15% new mails (PUT), 15%
   deleted (DELETE), 10% mails moved from the inbox to the archive (POST move);
4. ``sync`` again.

Each sync's wall clock, documents written and deleted, and the HTTP requests
the emulator counted for it (``GET /_emulator/stats``, reset before each
sync; control requests are not counted) per mailbox and per collection.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl  # noqa: E402

SYNCED = ("inbox", "sentitems", "archive", "junkemail", "contacts", "calendar", "tasks")
MAIL_FOLDERS = ("inbox", "sentitems", "archive", "junkemail")


def synced_files(folder: Path, addresses: list[str]) -> list[tuple[str, str]]:
    """(address, path in the mailbox) of every item file in a synced folder, sorted."""
    found = []
    for address in addresses:
        root = folder / "mailboxes" / address
        for name in SYNCED:
            for path in sorted((root / name).glob("*")):
                if path.is_file():
                    found.append((address, f"{name}/{path.name}"))
    return found


def rewritten(data: bytes, path: str) -> bytes:
    text = data.decode("utf-8")
    if path.endswith(".eml"):
        return re.sub(r"^Subject: ", "Subject: [rev 2] ", text, count=1, flags=re.M).encode()
    if path.endswith(".vcf"):
        return re.sub(r"^FN:", "FN:Rev2 ", text, count=1, flags=re.M).encode()
    return re.sub(r"^SUMMARY:", "SUMMARY:Rev2 ", text, count=1, flags=re.M).encode()


def apply_changes(emu: bl.Emulator, folder: Path, files: list[tuple[str, str]],
                  fraction: float, seed: int) -> dict[str, int]:
    rnd = random.Random(seed)
    total = max(1, round(len(files) * fraction))
    chosen = rnd.sample(files, total)
    mails = [f for f in chosen if f[1].split("/")[0] in MAIL_FOLDERS]
    inbox = [f for f in mails if f[1].startswith("inbox/")]
    counts = {"modified": 0, "created": 0, "deleted": 0, "moved": 0}
    plan = ["moved"] * round(total * 0.10) + ["created"] * round(total * 0.15) + \
        ["deleted"] * round(total * 0.15)
    plan += ["modified"] * (total - len(plan))
    assert emu.http is not None
    used: set[tuple[str, str]] = set()

    def url(address: str, path: str) -> str:
        return f"{emu.base}/_emulator/mailboxes/{address}/{path}"

    for number, kind in enumerate(plan):
        if kind == "moved":
            pool = [f for f in inbox if f not in used]
        elif kind == "created":
            pool = [f for f in mails if f not in used] or mails
        else:
            pool = [f for f in chosen if f not in used]
        if not pool:
            continue
        address, path = pool[0]
        if kind != "created":
            used.add(pool[0])
        source = folder / "mailboxes" / address / path
        if kind == "modified":
            response = emu.http.put(url(address, path), content=rewritten(source.read_bytes(), path))
        elif kind == "deleted":
            response = emu.http.delete(url(address, path))
        elif kind == "moved":
            response = emu.http.post(url(address, "move"),
                                     json={"from": path, "to": f"archive/{path.split('/')[1]}"})
        else:
            text = source.read_text(encoding="utf-8")
            text = re.sub(r"^Message-ID: .*$", f"Message-ID: <bench-new-{number}@contoso.example>",
                          text, count=1, flags=re.M)
            target = f"{path.split('/')[0]}/bench-new-{number:06d}.eml"
            response = emu.http.put(url(address, target), content=text.encode())
        response.raise_for_status()
        counts[kind] += 1
    return counts


def collections_in(index: Path) -> int:
    with sqlite3.connect(index) as db:
        return int(db.execute("SELECT count(*) FROM collections").fetchone()[0])


def one_sync(emu: bl.Emulator, config: Path, what: str) -> dict[str, Any]:
    emu.reset_stats()
    bl.log(f"{what}: syncing")
    run = bl.connector("sync", "--config", str(config), "--json")
    bl.check_sync(run, what)
    stats = emu.stats()
    result = {
        "seconds": run.wall,
        "indexed": run.summary.get("indexed", 0),
        "deleted": run.summary.get("deleted", 0),
        "errors": len(run.summary.get("errors", [])),
        "requests": bl.total_requests(stats),
        "requests_by_mailbox": stats.get("requests", {}),
        "vm_hwm_kb": run.vm_hwm_kb,
        "connector_cpu_seconds": run.cpu_seconds,
    }
    bl.log(f"{what}: {result['indexed']} written, {result['deleted']} deleted in "
           f"{run.wall:.1f} s, {result['requests']} requests")
    return result


def measure(folder: Path, platform: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    info = bl.tenant_info(folder)
    files = synced_files(folder, info.addresses)
    out: dict[str, Any] = {"tenant": folder.name, "platform": platform,
                           "mailboxes": len(info.addresses), "items_in_synced_folders": len(files)}
    with bl.Emulator(folder) as emu:
        out["emulator_load_seconds"] = emu.load_seconds
        if not emu.has_stats():
            raise SystemExit("this emulator has no /_emulator/stats (fault middleware not served)")
        index = work / f"{platform}.db"
        bl.remove_index(index)
        make = bl.cloud_config if platform == "cloud" else bl.server_config
        extra = f"page_size = {args.page_size}\nmax_concurrent_mailboxes = {args.concurrency}\n"
        config = make(work / f"{platform}.toml", emu, info, index, extra)
        out["full"] = one_sync(emu, config, f"{platform} full sync")
        out["collections"] = collections_in(index)
        out["no_change"] = one_sync(emu, config, f"{platform} incremental, no change")
        bl.log(f"changing {args.change_fraction:.1%} of {len(files)} items")
        out["changes"] = apply_changes(emu, folder, files, args.change_fraction, args.seed)
        out["after_changes"] = one_sync(emu, config, f"{platform} incremental, after changes")
        bl.remove_index(index)
    return out


def report(results: list[dict[str, Any]]) -> str:
    rows = []
    for res in results:
        mailboxes, collections = res["mailboxes"], res["collections"]
        for key, name in (("full", "full"), ("no_change", "incremental, no change"),
                          ("after_changes", "incremental, after changes")):
            r = res[key]
            rows.append([res["tenant"], res["platform"], name, f"{r['seconds']:.1f}", r["indexed"],
                         r["deleted"], r["requests"], f"{r['requests'] / mailboxes:.1f}",
                         f"{r['requests'] / collections:.2f}", bl.mib(r["vm_hwm_kb"])])
    text = bl.table(["tenant", "platform", "sync", "seconds", "written", "deleted", "requests",
                     "req/mailbox", "req/collection", "peak RSS"], rows)
    for res in results:
        text += (f"\n\n{res['platform']}: {res['mailboxes']} mailboxes, {res['collections']} "
                 f"collections, {res['items_in_synced_folders']} items in synced folders; "
                 f"changes applied: {json.dumps(res['changes'])}")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--users", type=int, default=20, help="mailboxes (default 20)")
    parser.add_argument("--items-per-user", type=int, default=5000,
                        help="items a mailbox (default 5000: 100,000 in all)")
    parser.add_argument("--seed", type=int, default=1, help="generator and change seed (default 1)")
    parser.add_argument("--platforms", default="cloud", help="cloud, server or cloud,server")
    parser.add_argument("--change-fraction", type=float, default=0.01,
                        help="fraction of items changed before the last sync (default 0.01)")
    parser.add_argument("--page-size", type=int, default=100, help="page_size (default 100)")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="max_concurrent_mailboxes (default 4)")
    parser.add_argument("--cache-dir", type=Path, default=bl.DEFAULT_CACHE,
                        help=f"where generated tenants are kept (default {bl.DEFAULT_CACHE})")
    parser.add_argument("--json-out", type=Path, help="write all figures to this JSON file")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 mailboxes x 200 items")
    args = parser.parse_args()
    if args.quick:
        args.users, args.items_per_user = 2, 200
    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    if not set(platforms) <= {"cloud", "server"}:
        parser.error("--platforms takes cloud and/or server")
    figures: dict[str, Any] = {"machine": bl.machine(), "command": " ".join(sys.argv),
                               "results": []}
    folder = bl.tenant(args.users, args.items_per_user, args.seed, args.cache_dir)
    work = Path(tempfile.mkdtemp(prefix="incremental-"))
    try:
        for platform in platforms:
            figures["results"].append(measure(folder, platform, args, work))
            if args.json_out:
                args.json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures["machine"]["load_average_after"] = bl.load_average()
    print(f"machine: {json.dumps(figures['machine'])}\ncommand: {figures['command']}\n")
    print(report(figures["results"]))
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
