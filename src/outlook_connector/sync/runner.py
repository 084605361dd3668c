"""One sync, wired from a configuration: source, index, rules, extraction, engine."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable

from outlook_connector.config import Config, ConfigError
from outlook_connector.extraction import ExtractionLimits, Extractor
from outlook_connector.sinks.sqlite import SQLiteIndex
from outlook_connector.sources.base import CheckResult, Collection, GroupError, Source
from outlook_connector.sources.factory import create_source
from outlook_connector.sync.advanced_rules import AdvancedRules
from outlook_connector.sync.attachments import AttachmentIndexer
from outlook_connector.sync.engine import DocumentFilter, SyncEngine, SyncSummary
from outlook_connector.sync.processes import WorkerProcesses
from outlook_connector.sync.progress import Progress

log = logging.getLogger(__name__)

RULES_KEY = "rules_fingerprint"


def extraction_limits(config: Config) -> ExtractionLimits:
    max_size = config.max_attachment_size
    if config.advanced_rules.max_attachment_size is not None:
        max_size = min(max_size, config.advanced_rules.max_attachment_size)
    return ExtractionLimits(
        max_attachment_size=max_size,
        max_extracted_chars=config.max_extracted_chars,
        timeout_seconds=config.extraction_timeout,
    )


def document_filter(config: Config) -> DocumentFilter:
    """Whether the rules keep a document: the advanced rules, then the basic ones."""
    rules, advanced = config.rules, config.advanced_rules
    return lambda doc: advanced.document_selected(doc) and rules.includes(doc)


def collection_filter(config: Config) -> Callable[[Collection], bool]:
    advanced = config.advanced_rules
    return lambda collection: advanced.object_type_selected(collection.object_type)


def sync_processes(config: Config) -> int:
    """How many worker processes sync mailboxes: ``sync_processes``, or one per core.

    Never more than ``max_concurrent_mailboxes``: each process syncs at least one
    mailbox at a time. 1 means mailboxes are synced in threads of this process.
    """
    wanted = config.sync_processes or os.cpu_count() or 1
    return max(1, min(wanted, config.max_concurrent_mailboxes))


def rules_fingerprint(config: Config) -> str:
    """Changes whenever the rules select something else."""
    text = repr(
        (
            config.rules.rules and [r.describe() for r in config.rules.rules],
            config.advanced_rules,
            config.mailboxes,
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def resolve_groups(source: Source, advanced: AdvancedRules) -> dict[str, frozenset[str]]:
    """The members of each ``groups_include`` group, read from the directory now.

    Resolved on every sync, so membership changes are followed. A group that
    cannot be resolved is a configuration error (``ConfigError``) raised before
    anything is synced or removed: an unknown group must never read as "no
    mailboxes", which would empty the index.
    """
    if not advanced.groups_include:
        return {}
    resolve = getattr(source, "group_members", None)
    if resolve is None:
        raise ConfigError(["advanced_rules.groups_include: this data source has no groups"])
    try:
        groups: dict[str, frozenset[str]] = resolve(advanced.groups_include)
    except GroupError as exc:
        raise ConfigError([f"advanced_rules.groups_include: {exc}"]) from None
    for name, members in groups.items():
        if not members:
            log.warning(
                "advanced_rules.groups_include: group %r has no members with a mailbox; "
                "it selects no mailboxes",
                name,
            )
    return groups


def check_groups(source: Source, advanced: AdvancedRules) -> CheckResult:
    """One line of ``outlook-connector check``: each group and its number of members."""
    try:
        groups = resolve_groups(source, advanced)
    except ConfigError as exc:
        return CheckResult("groups_include", False, "; ".join(exc.problems))
    detail = ", ".join(
        f"{name} -> {len(members)} mailbox{'es' if len(members) != 1 else ''}"
        + ("" if members else " (selects none)")
        for name, members in groups.items()
    )
    return CheckResult("groups_include", True, detail)


def run_sync(config: Config, *, full: bool = False, progress: bool = False) -> SyncSummary:
    limits = extraction_limits(config)
    advanced = config.advanced_rules
    source = create_source(config)
    # One extraction process per mailbox worker, as far as the cores go.
    workers = max(1, min(config.max_concurrent_mailboxes, os.cpu_count() or 1))
    downloads = 4 * config.max_concurrent_mailboxes
    try:
        groups = resolve_groups(source, advanced)
        members = frozenset().union(*groups.values())
        with (
            SQLiteIndex(config.index.path) as index,
            Extractor(limits, workers=workers) as extractor,
            AttachmentIndexer(
                extractor, limits, advanced.attachment_selected, downloads=downloads
            ) as attachments,
        ):
            fingerprint = rules_fingerprint(config)
            previous = index.get_meta(RULES_KEY)
            if previous is not None and previous != fingerprint and not full:
                # What is selected changed: newly included items must be fetched
                # even where cursors exist, so enumerate everything once.
                log.warning("the sync rules changed since the last sync: running a full sync")
                full = True
            processes = sync_processes(config)
            engine = SyncEngine(
                source,
                index,
                max_concurrent_mailboxes=config.max_concurrent_mailboxes,
                attachments=attachments,
                include=document_filter(config),
                mailbox_filter=lambda address: advanced.mailbox_selected(address, members),
                collection_filter=collection_filter(config),
                progress=Progress(enabled=progress),
                workers=WorkerProcesses(config, index, processes) if processes > 1 else None,
            )
            summary = engine.run(full=full)
            if summary.ok:
                index.set_meta(RULES_KEY, fingerprint)
            return summary
    finally:
        source.close()
