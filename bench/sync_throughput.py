"""Full-sync throughput against the emulator, and the ceilings it is measured against.

    python bench/sync_throughput.py                 # 20 x 5,000 items (100,000), 10k reference
    python bench/sync_throughput.py --quick         # a smoke run: 2 x 200 items
    python bench/sync_throughput.py --users 20 --items-per-user 5000 --platforms cloud,server

For the tenant (generated once, cached by its parameters under --cache-dir),
with ``outlook-emulator serve`` and ``outlook-connector`` each in its own
process:

1. the download ceiling: a minimal client fetches every page and attachment
   the source fetches, same request shapes and concurrency, and parses the
   replies (in this process): ``graph_download.py`` for Exchange Online,
   ``ews_download.py`` for Exchange Server (whose count of items and
   attachment documents is reported next to the documents the sync indexed).
   The EWS emulator keeps the items it has rendered, so the download is run
   once unmeasured first: the measured download and the sync both find the
   items kept;
2. ``outlook-connector sync --full --json`` into a fresh index: wall clock,
   documents indexed, peak resident memory (VmHWM of the connector process,
   polled; and ``ru_maxrss`` from wait4);
3. the insert ceiling: the synced documents (``outlook-connector export``)
   inserted again into a fresh ``SQLiteIndex`` in pages of ``page_size``, one
   transaction a page as the engine commits them (in this process); then both
   ceilings at once, the insert in a process of its own while this one
   downloads: what a sync would take on these cores if it did nothing else
   (reported for context: on 2 cores the two ceilings compete for them);
4. the same sync with a fraction of Graph/EWS requests throttled by the
   emulator's fault injector (429 + Retry-After, EWS ErrorServerBusy), with the
   Retry-After seconds the emulator asked for (``GET /_emulator/stats``);
5. with ``server`` in --platforms, the same for Exchange Server (EWS; the
   mailboxes are listed in the configuration, so no directory is needed).

The reference size (--ref-items-per-user, default 500 a mailbox for 10,000
items) is synced too, for peak memory at 10k against 100k.
Results go to stdout as Markdown and to --json-out.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl  # noqa: E402
import ews_download  # noqa: E402
from graph_download import Downloader  # noqa: E402

from outlook_connector.sinks.sqlite import SQLiteIndex  # noqa: E402


def load_export(export_file: Path) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The exported documents by mailbox and type, as the sync wrote them."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    with export_file.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            groups[(doc["mailbox"], doc["type"])].append(doc)
    return groups


def insert_groups(groups: dict[tuple[str, str], list[dict[str, Any]]], work: Path,
                  page_size: int) -> dict[str, Any]:
    """Insert documents into a fresh index the way the engine commits pages."""
    count = sum(map(len, groups.values()))
    index_path = work / "insert-ceiling.db"
    bl.remove_index(index_path)
    started = time.perf_counter()
    with SQLiteIndex(index_path) as index:
        for (mailbox, kind), docs in groups.items():
            round_ = index.begin_round(mailbox, kind, kind, kind, True)
            for start in range(0, len(docs), page_size):
                page = docs[start : start + page_size]
                index.commit_page(mailbox, kind, round_.generation, page, [], f"page-{start}",
                                  start + page_size >= len(docs))
            index.finish_round(mailbox, kind, round_.generation, ok=True, enumerated=True)
    seconds = time.perf_counter() - started
    size = index_path.stat().st_size
    bl.remove_index(index_path)
    return {"documents": count, "seconds": seconds, "per_second": count / seconds,
            "file_bytes": size}


def insert_ceiling(export_file: Path, work: Path, page_size: int) -> dict[str, Any]:
    """The insert ceiling: the exported documents inserted again, in this process."""
    return insert_groups(load_export(export_file), work, page_size)


# The insert ceiling in a process of its own, started on a line from its stdin
# once the documents are loaded, for the run of both ceilings at once.
_INSERT_PROCESS = f"""
import json, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from sync_throughput import insert_groups, load_export
groups = load_export(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps(insert_groups(groups, Path(sys.argv[2]), int(sys.argv[3]))), flush=True)
"""


def both_ceilings(download: Callable[[], dict[str, Any]], export_file: Path, work: Path,
                  page_size: int) -> dict[str, Any]:
    """The download and the insert ceilings at once, each in its own process.

    A sync has to do both, on the same cores: this is what it would take if it
    did nothing else, with nothing waiting for anything.
    """
    bl.log("both ceilings at once: downloading while another process inserts")
    inserter = subprocess.Popen(
        [bl.PYTHON, "-c", _INSERT_PROCESS, str(export_file), str(work), str(page_size)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert inserter.stdin is not None and inserter.stdout is not None
    if inserter.stdout.readline().strip() != "ready":
        inserter.kill()
        return {"error": "the insert process did not start"}
    started = time.perf_counter()
    inserter.stdin.write("go\n")
    inserter.stdin.flush()
    downloaded = download()
    line = inserter.stdout.readline()
    seconds = time.perf_counter() - started
    if inserter.wait() != 0 or not line.strip() or "seconds" not in downloaded:
        # The other figures are still worth recording.
        return {"error": f"insert exit status {inserter.returncode}, download {downloaded}"}
    inserted = json.loads(line)
    return {"seconds": seconds, "download_seconds": downloaded["seconds"],
            "insert_seconds": inserted["seconds"], "documents": inserted["documents"]}


_RETRY = re.compile(r"retrying in ([0-9.]+) s")


def logged_waits(stderr: str) -> float:
    """Seconds the connector said it would sleep before retries (its warnings on stderr)."""
    return sum(float(m) for m in _RETRY.findall(stderr))


def download_run(emu: bl.Emulator, info: bl.TenantInfo, args: argparse.Namespace,
                 sequential: bool) -> dict[str, Any]:
    """The download ceiling (or, ``sequential``, the same with the connector's attachment order)."""
    bl.log("download ceiling: fetching every page"
           + (", attachment content one at a time" if sequential else ""))
    downloader = Downloader(
        emu.info["graph_url"], emu.info["login_url"], info.tenant_id, info.client_id,
        info.client_secret, emu.info["ca_cert"], page_size=args.page_size,
        mailboxes_at_once=args.concurrency, sequential_attachments=sequential)
    emu.reset_stats()
    started = time.perf_counter()
    try:
        tally = downloader.run()
    except Exception as exc:  # the syncs are still worth measuring
        bl.log(f"download ceiling failed: {exc!r}")
        return {"error": repr(exc)}
    finally:
        downloader.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "requests": tally.requests, "items": tally.items,
            "attachments": tally.attachments, "bytes": tally.bytes, "retries": tally.retries,
            "by_kind": dict(tally.by_kind), "emulator_requests": bl.total_requests(emu.stats())}


def ews_download_run(emu: bl.Emulator, config: Path) -> dict[str, Any]:
    """The EWS download ceiling, for the mailboxes and settings of the sync's configuration."""
    load = bl.load_average()
    bl.log("download ceiling (EWS): fetching every page")
    downloader = ews_download.from_config(config)
    emu.reset_stats()
    emu_cpu = emu.cpu_seconds()
    own_cpu = time.process_time()  # this process runs nothing else meanwhile
    started = time.perf_counter()
    try:
        tally = downloader.run()
    except Exception as exc:  # the syncs are still worth measuring
        bl.log(f"download ceiling failed: {exc!r}")
        return {"error": repr(exc)}
    finally:
        downloader.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "requests": tally.requests, "items": tally.items,
            "attachment_documents": tally.attachment_documents,
            "documents": tally.items + tally.attachment_documents,
            "attachments": tally.attachments, "bytes": tally.bytes, "retries": tally.retries,
            "retry_causes": dict(tally.retry_causes), "retry_seconds": tally.retry_seconds,
            "by_kind": dict(tally.by_kind), "emulator_requests": bl.total_requests(emu.stats()),
            "client_cpu_seconds": time.process_time() - own_cpu,
            "emulator_cpu_seconds": emu.cpu_seconds() - emu_cpu, "load_average_before": load}


def sync_run(emu: bl.Emulator, config: Path, index: Path, what: str,
             profile: Path | None = None) -> dict[str, Any]:
    bl.remove_index(index)
    emu.reset_stats()
    emu_cpu = emu.cpu_seconds()
    load = bl.load_average()
    bl.log(f"{what}: syncing")
    run = bl.connector("sync", "--config", str(config), "--full", "--json", profile=profile)
    bl.check_sync(run, what)
    stats = emu.stats()
    result = {
        "seconds": run.wall,
        "documents": run.documents,
        "per_second": run.documents / run.wall,
        "vm_hwm_kb": run.vm_hwm_kb,
        "tree_rss_peak_kb": run.tree_rss_peak_kb,
        "maxrss_kb": run.maxrss_kb,
        "children_vm_hwm_kb": run.children_vm_hwm_kb,
        "connector_cpu_seconds": run.cpu_seconds,
        "emulator_cpu_seconds": emu.cpu_seconds() - emu_cpu,
        "requests": bl.total_requests(stats),
        "throttled": stats.get("throttled", 0),
        "faults": stats.get("faults", {}),
        "retry_after_total": stats.get("retry_after_total", 0.0),
        "errors": len(run.summary.get("errors", [])),
        "first_error": (run.summary.get("errors") or [None])[0],
        "by_type": run.summary.get("by_type", {}),
        "load_average_before": load,
        "_waits": logged_waits(run.stderr),
    }
    bl.log(f"{what}: {run.documents} documents in {run.wall:.1f} s "
           f"({result['per_second']:.0f}/s), all processes {bl.mib(run.tree_rss_peak_kb)}, "
           f"main VmHWM {bl.mib(run.vm_hwm_kb)} "
           f"(children {bl.mib(run.children_vm_hwm_kb)}), "
           f"{result['requests']} requests, {result['throttled']} throttled")
    return result


def measure(folder: Path, platforms: list[str], args: argparse.Namespace,
            work: Path, full: bool, out: dict[str, Any], save: Callable[[], None]) -> dict[str, Any]:
    """Everything for one tenant; ``full`` False: only the syncs (the memory reference)."""
    info = bl.tenant_info(folder)
    out.update({"tenant": folder.name, "mailboxes": len(info.addresses), "files": info.files})
    extra = f"page_size = {args.page_size}\nmax_concurrent_mailboxes = {args.concurrency}\n"
    bl.log(f"{folder.name}: starting the emulator")
    with bl.Emulator(folder) as emu:
        out["emulator_load_seconds"] = emu.load_seconds
        if not emu.has_stats():
            raise SystemExit("this emulator has no /_emulator/stats (fault middleware not served)")
        for platform in platforms:
            make = bl.cloud_config if platform == "cloud" else bl.server_config
            index = work / f"{platform}.db"
            config = make(work / f"{platform}.toml", emu, info, index, extra)
            result: dict[str, Any] = {}
            out[platform] = result
            if platform == "server" and full:
                # The EWS emulator keeps the items it has rendered: one unmeasured pass
                # first, so the measured download and the sync both find them kept.
                bl.log("warming the emulator up (an unmeasured download)")
                ews_download_run(emu, config)
                figures = ews_download_run(emu, config)
                result["download"] = figures
                bl.log(f"download: {figures.get('requests')} requests in "
                       f"{figures.get('seconds', 0):.1f} s, {figures.get('documents')} documents")
            if platform == "cloud" and full:
                modes = [("download", False)]
                if args.sequential_download:
                    modes.append(("download_sequential", True))
                for key, sequential in modes:
                    figures = download_run(emu, info, args, sequential)
                    result[key] = figures
                    bl.log(f"{key}: {figures.get('requests')} requests in "
                           f"{figures.get('seconds', 0):.1f} s")
            result["sync"] = sync_run(emu, config, index, f"{platform} sync")
            save()
            if full:
                export_file = work / f"{platform}-export.jsonl"
                run = bl.connector("export", "--config", str(config))
                export_file.write_text(run.stdout, encoding="utf-8")
                bl.log("insert ceiling: inserting the exported documents")
                result["insert"] = insert_ceiling(export_file, work, args.page_size)
                bl.log(f"insert ceiling: {result['insert']['per_second']:.0f} documents/s")
                if platform == "server":
                    download = partial(ews_download_run, emu, config)
                else:
                    download = partial(download_run, emu, info, args, False)
                result["both_ceilings"] = both_ceilings(download, export_file, work,
                                                        args.page_size)
                bl.log(f"both ceilings at once: {result['both_ceilings'].get('seconds', 0):.1f} s")
                export_file.unlink()
                save()
                if args.throttle > 0:
                    # With Retry-After as asked; then with Retry-After 0, which is the
                    # same throttled sync with the waits taken out by construction.
                    variants = [("throttled", args.retry_after)]
                    if args.zero_wait_run:
                        variants.append(("throttled_no_wait", 0))
                    for key, wait in variants:
                        emu.set_faults(throttle=args.throttle, retry_after_seconds=wait)
                        try:
                            result[key] = sync_run(
                                emu, config, index,
                                f"{platform} sync, {args.throttle:.0%} throttled, "
                                f"Retry-After {wait} s")
                        finally:
                            emu.set_faults()
                        result[key]["retry_waits_logged"] = result[key].pop("_waits", 0.0)
                        save()
            bl.remove_index(index)
    return out


def _verdict(ok: bool, run: dict[str, Any], expected: int) -> str:
    if run["errors"] or run["documents"] < expected:
        return f"NOT met: incomplete ({run['documents']} of {expected} documents, {run['errors']} errors)"
    return "met" if ok else "NOT met"


def ratios(result: dict[str, Any], reference: dict[str, Any] | None, platform: str,
           concurrency: int = 4) -> list[list[Any]]:
    rows: list[list[Any]] = []
    mailboxes = int(result.get("mailboxes", 1))
    mine = result.get(platform, {})
    sync = mine.get("sync")
    if not sync:
        return rows
    docs = sync["documents"]
    counted = mine.get("download", {}).get("documents")
    if counted is not None:
        rows.append([f"{platform}: documents counted by the download client / indexed by the sync",
                     f"{counted:,} / {docs:,}", "equal",
                     "equal" if counted == docs else f"differ by {counted - docs:+,}"])
    ceilings = []
    if "seconds" in mine.get("download", {}):
        ceilings.append(("download", docs / mine["download"]["seconds"]))
    if "insert" in mine:
        ceilings.append(("insert", mine["insert"]["per_second"]))
    if ceilings:
        name, rate = min(ceilings, key=lambda c: c[1])
        share = sync["per_second"] / rate
        rows.append([f"{platform}: full sync / slower ceiling ({name}, {rate:.0f} docs/s)",
                     f"{share:.0%}", ">= 60%", "met" if share >= 0.6 else "NOT met"])
    both = mine.get("both_ceilings", {})
    if "seconds" in both:
        rows.append([f"{platform}: full sync / both ceilings at once "
                     f"({both['seconds']:.1f} s / {sync['seconds']:.1f} s)",
                     f"{both['seconds'] / sync['seconds']:.0%}", "(context)", "-"])
    if reference and reference.get(platform, {}).get("sync"):
        ref = reference[platform]["sync"]
        growth = sync["tree_rss_peak_kb"] / ref["tree_rss_peak_kb"]
        rows.append([f"{platform}: peak memory of all the sync's processes, {docs:,} docs / "
                     f"{ref['documents']:,} docs ({bl.mib(sync['tree_rss_peak_kb'])} / "
                     f"{bl.mib(ref['tree_rss_peak_kb'])})",
                     f"{growth:.2f}x", "<= 1.25x", "met" if growth <= 1.25 else "NOT met"])
    throttled = mine.get("throttled")
    if throttled:
        waits = throttled["retry_after_total"]
        net = throttled["seconds"] - waits
        rows.append([f"{platform}: (throttled wall - all Retry-After s) / unthrottled "
                     f"(({throttled['seconds']:.0f} - {waits:.0f}) / {sync['seconds']:.0f} s); "
                     "waits overlap across threads, so this undercounts",
                     f"{net / sync['seconds']:.2f}x", "<= 2x",
                     _verdict(net / sync["seconds"] <= 2, throttled, docs)])
        streams = max(1, min(concurrency, mailboxes))
        est = throttled["seconds"] - waits / streams
        rows.append([f"{platform}: (throttled wall - Retry-After s / {streams} mailboxes at once) "
                     f"/ unthrottled", f"{est / sync['seconds']:.2f}x", "<= 2x",
                     _verdict(est / sync["seconds"] <= 2, throttled, docs)])
    no_wait = mine.get("throttled_no_wait")
    if no_wait:
        factor = no_wait["seconds"] / sync["seconds"]
        rows.append([f"{platform}: throttled with Retry-After 0 / unthrottled "
                     f"({no_wait['seconds']:.0f} s / {sync['seconds']:.0f} s)",
                     f"{factor:.2f}x", "<= 2x", _verdict(factor <= 2, no_wait, docs)])
    return rows


def report(result: dict[str, Any], reference: dict[str, Any] | None, platforms: list[str],
           concurrency: int = 4) -> str:
    lines = []
    rows = []
    for res in (reference, result):
        if not res:
            continue
        for platform in platforms:
            mine = res.get(platform, {})
            for key, name in (("download", "download ceiling (pages + attachments)"),
                              ("download_sequential",
                               "download, attachment content one at a time")):
                d = mine.get(key)
                if d and "seconds" in d and "sync" in mine:
                    docs = mine["sync"]["documents"]
                    rows.append([res["tenant"], platform, name, f"{d['seconds']:.1f}",
                                 f"{docs / d['seconds']:.0f}", "-", d["requests"], "-"])
            for key, name in (("sync", "full sync"), ("throttled", "full sync, throttled"),
                              ("throttled_no_wait", "full sync, throttled, Retry-After 0")):
                if key in mine:
                    s = mine[key]
                    rows.append([res["tenant"], platform, name, f"{s['seconds']:.1f}",
                                 f"{s['per_second']:.0f}", bl.mib(s["tree_rss_peak_kb"]), s["requests"],
                                 f"{s['retry_after_total']:.0f}"])
            if "insert" in mine:
                i = mine["insert"]
                rows.append([res["tenant"], platform, "insert ceiling (SQLiteIndex)",
                             f"{i['seconds']:.1f}", f"{i['per_second']:.0f}", "-", "-", "-"])
            both = mine.get("both_ceilings")
            if both and "seconds" in both:
                rows.append([res["tenant"], platform,
                             f"both ceilings at once (download {both['download_seconds']:.1f} s, "
                             f"insert {both['insert_seconds']:.1f} s)", f"{both['seconds']:.1f}",
                             f"{both['documents'] / both['seconds']:.0f}", "-", "-", "-"])
    lines.append(bl.table(["tenant", "platform", "run", "seconds", "docs/s",
                           "peak RSS (all processes)",
                           "requests", "Retry-After s"], rows))
    lines.append("")
    target_rows = [row for p in platforms for row in ratios(result, reference, p, concurrency)]
    lines.append(bl.table(["ratio", "measured", "target", ""], target_rows))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--users", type=int, default=20, help="mailboxes (default 20)")
    parser.add_argument("--items-per-user", type=int, default=5000,
                        help="items a mailbox (default 5000: 100,000 in all)")
    parser.add_argument("--ref-items-per-user", type=int, default=500,
                        help="items a mailbox of the memory reference run (default 500; 0: none)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--platforms", default="cloud",
                        help="cloud, server or cloud,server (default cloud)")
    parser.add_argument("--throttle", type=float, default=0.2,
                        help="fraction of requests throttled in the throttled run (default 0.2; 0: skip)")
    parser.add_argument("--retry-after", type=int, default=1,
                        help="Retry-After seconds of an injected 429 (default 1)")
    parser.add_argument("--no-zero-wait-run", dest="zero_wait_run", action="store_false",
                        help="skip the throttled run with Retry-After 0 (waits removed)")
    parser.add_argument("--sequential-download", action="store_true",
                        help="also run the download client fetching attachment content one at "
                             "a time after each page, as the connector does")
    parser.add_argument("--page-size", type=int, default=100, help="page_size (default 100)")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="max_concurrent_mailboxes (default 4)")
    parser.add_argument("--cache-dir", type=Path, default=bl.DEFAULT_CACHE,
                        help=f"where generated tenants are kept (default {bl.DEFAULT_CACHE})")
    parser.add_argument("--json-out", type=Path, help="write all figures to this JSON file")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 mailboxes x 200 items, reference 2 x 20")
    args = parser.parse_args()
    if args.quick:
        args.users, args.items_per_user, args.ref_items_per_user = 2, 200, 20
    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    if not set(platforms) <= {"cloud", "server"}:
        parser.error("--platforms takes cloud and/or server")
    figures: dict[str, Any] = {"machine": bl.machine(), "command": " ".join(sys.argv)}
    work = Path(tempfile.mkdtemp(prefix="sync-throughput-"))
    try:
        def save() -> None:
            if args.json_out:
                args.json_out.write_text(json.dumps(figures, indent=2, default=str),
                                         encoding="utf-8")

        reference: dict[str, Any] | None = None
        if args.ref_items_per_user:
            folder = bl.tenant(args.users, args.ref_items_per_user, args.seed, args.cache_dir)
            reference = figures["reference"] = {}
            measure(folder, platforms, args, work, False, reference, save)
        folder = bl.tenant(args.users, args.items_per_user, args.seed, args.cache_dir)
        result: dict[str, Any] = {}
        figures["main"] = result
        measure(folder, platforms, args, work, True, result, save)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.json_out:
            args.json_out.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    figures["machine"]["load_average_after"] = bl.load_average()
    print(f"machine: {json.dumps(figures['machine'])}\ncommand: {figures['command']}\n")
    print(report(result, reference, platforms, args.concurrency))
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
