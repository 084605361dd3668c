"""`outlook-connector`: sync Outlook mailboxes into a search index, and search it.

Exit status: 0 success, 1 the sync partly failed (some mailbox or folder),
2 bad configuration or usage (nothing was synced), 130 interrupted (Ctrl-C),
143 stopped by SIGTERM (as a service manager stops a program). An interrupted
or stopped sync keeps every page it committed; the next one resumes there.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from outlook_connector.config import (
    Config,
    ConfigError,
    IndexConfig,
    load_config,
    load_index_config,
)
from outlook_connector.sinks.sqlite import SQLiteIndex
from outlook_connector.sources.base import SourceError

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + the signal's number

log = logging.getLogger("outlook_connector")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outlook-connector",
        description="Sync Microsoft Outlook data (Exchange Online or Exchange Server) "
        "into a search index, and search it.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, help_text: str, handler: Callable[[argparse.Namespace], int], config: bool = True
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if config:
            p.add_argument(
                "--config",
                metavar="FILE",
                type=Path,
                help="TOML configuration (every key can also be set as OUTLOOK_<KEY>)",
            )
        p.set_defaults(handler=handler)
        return p

    add("check", "validate the configuration, sign in, and report what works", cmd_check)
    p = add("sync", "sync every mailbox into the index (incremental when possible)", cmd_sync)
    p.add_argument(
        "--full",
        action="store_true",
        help="enumerate everything and remove from the index what was not seen",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p = add("search", "search the index", cmd_search)
    p.add_argument("query", help='words to find; "a phrase", prefix*, AND/OR/NOT')
    p.add_argument("--type", help='only documents of this type, e.g. "Inbox Mails"')
    p.add_argument("--mailbox", help="only documents of this mailbox")
    p.add_argument("--limit", type=int, default=10, help="number of hits (default 10)")
    p.add_argument("--json", action="store_true", help="print hits as a JSON array")
    add("export", "print every indexed document, one JSON object a line", cmd_export)
    p = add("status", "per mailbox and folder: last sync, documents, last error", cmd_status)
    p.add_argument("--json", action="store_true", help="print JSON")
    p = add(
        "demo",
        "serve the bundled demo tenant, sync it into a fresh index, search it",
        cmd_demo,
        config=False,
    )
    p.add_argument(
        "--index",
        type=Path,
        default=Path("demo-index.db"),
        help="where to write the demo index (default ./demo-index.db)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        with _sigterm_as_interrupt():
            return int(args.handler(args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PARTIAL
    except NoIndex as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        what = "stopped by SIGTERM" if terminated else "interrupted"
        if args.command == "sync":
            what += "; the next sync resumes from the last committed page"
        print(what, file=sys.stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


class Terminated(KeyboardInterrupt):
    """SIGTERM: the command stops as on Ctrl-C, its workers with it, and says so."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM interrupts it as Ctrl-C does.

    Left to its default, SIGTERM ends the process at once: nothing is lost (an
    uncommitted page is rolled back), but the log says nothing. Signal
    handlers can only be set from the main thread; elsewhere (a caller's
    thread) the default stays.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def _existing_index(args: argparse.Namespace) -> SQLiteIndex:
    """The index the configuration names; it must exist (reading never creates one)."""
    config: IndexConfig = load_index_config(args.config)
    if not Path(config.path).exists():
        raise NoIndex(f"no index at {config.path}: run `outlook-connector sync` first")
    return SQLiteIndex(config.path)


class NoIndex(Exception):
    pass


def cmd_check(args: argparse.Namespace) -> int:
    from outlook_connector.sources.factory import create_source
    from outlook_connector.sync.runner import check_groups

    config = _config(args)
    print("configuration: ok")
    _print_rules_plan(config)
    source = create_source(config)
    try:
        results = source.check()
        if config.advanced_rules.groups_include:
            results.append(check_groups(source, config.advanced_rules))
    finally:
        source.close()
    for result in results:
        mark = "ok " if result.ok else "FAIL"
        print(f"{mark} {result.name}" + (f": {result.detail}" if result.detail else ""))
    return EXIT_OK if all(r.ok for r in results) else EXIT_PARTIAL


def _print_rules_plan(config: Config) -> None:
    plan = config.advanced_rules.plan(cloud=config.is_cloud)
    for rule in config.rules.rules:
        plan.append((f"rules[{rule.position}]: {rule.describe()}", "locally, on each document"))
    if not plan:
        print("rules: none (everything is synced)")
        return
    print("rules:")
    for rule_name, where in plan:
        print(f"  {rule_name}: {where}")


def cmd_sync(args: argparse.Namespace) -> int:
    from outlook_connector.sync.runner import run_sync

    config = _config(args)
    summary = run_sync(config, full=args.full, progress=sys.stderr.isatty() and not args.json)
    if args.json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False))
    else:
        _print_summary(summary.as_dict(), sys.stdout)
    return EXIT_OK if summary.ok else EXIT_PARTIAL


def _print_summary(summary: dict[str, Any], out: TextIO) -> None:
    out.write(
        f"{summary['mailboxes']} mailboxes: {summary['indexed']} documents indexed, "
        f"{summary['deleted']} deleted"
        + (f", {summary['skipped']} items skipped" if summary["skipped"] else "")
        + "\n"
    )
    for type_name, count in summary["by_type"].items():
        out.write(f"  {type_name}: {count}\n")
    for error in summary["errors"]:
        where = " / ".join(p for p in (error["mailbox"], error["collection"]) if p)
        out.write(f"  error: {where}: {error['error']}\n")


def cmd_search(args: argparse.Namespace) -> int:
    with _existing_index(args) as index:
        hits = index.search(args.query, type=args.type, mailbox=args.mailbox, limit=args.limit)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": h.id,
                        "type": h.type,
                        "title": h.title,
                        "mailbox": h.mailbox,
                        "score": round(h.score, 4),
                        "snippet": h.snippet,
                    }
                    for h in hits
                ],
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    if not hits:
        print(f"no documents match {args.query!r}")
    for hit in hits:
        print(f"{hit.score:8.3g}  [{hit.type}] {hit.title}  ({hit.mailbox})")
        print(f"        {hit.snippet}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    with _existing_index(args) as index:
        for document in index.export():
            sys.stdout.write(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    with _existing_index(args) as index:
        states = index.collection_states()
    rows = [
        {
            "mailbox": s.mailbox,
            "collection": s.name or s.collection,
            "type": s.object_type,
            "documents": s.documents,
            "last_synced": s.last_finished,
            "ok": s.last_ok,
            "last_error": s.last_error,
            "incremental_ready": s.cursor_complete,
        }
        for s in states
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    for row in rows:
        ok = row["ok"]
        state = "never finished" if ok is None else "ok" if ok else "FAILED"
        print(
            f"{row['mailbox']:<32} {row['collection']:<24} {row['documents']:>7} docs  "
            f"{row['last_synced'] or '-':<20} {state}"
            + (f": {row['last_error']}" if row["last_error"] else "")
        )
    return EXIT_OK if all(r["ok"] for r in rows) else EXIT_PARTIAL


def cmd_demo(args: argparse.Namespace) -> int:
    from outlook_connector.demo import run_demo

    return run_demo(args.index)


if __name__ == "__main__":
    sys.exit(main())
