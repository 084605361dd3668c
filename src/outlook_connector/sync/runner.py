"""One sync, wired from a configuration: source, index, extraction, engine."""

from __future__ import annotations

from outlook_connector.config import Config
from outlook_connector.extraction import ExtractionLimits, Extractor
from outlook_connector.sinks.sqlite import SQLiteIndex
from outlook_connector.sources.factory import create_source
from outlook_connector.sync.attachments import AttachmentIndexer
from outlook_connector.sync.engine import SyncEngine, SyncSummary
from outlook_connector.sync.progress import Progress


def extraction_limits(config: Config) -> ExtractionLimits:
    return ExtractionLimits(
        max_attachment_size=config.max_attachment_size,
        max_extracted_chars=config.max_extracted_chars,
        timeout_seconds=config.extraction_timeout,
    )


def run_sync(config: Config, *, full: bool = False, progress: bool = False) -> SyncSummary:
    limits = extraction_limits(config)
    source = create_source(config)
    try:
        with SQLiteIndex(config.index.path) as index, Extractor(limits) as extractor:
            engine = SyncEngine(
                source,
                index,
                max_concurrent_mailboxes=config.max_concurrent_mailboxes,
                attachments=AttachmentIndexer(extractor, limits),
                progress=Progress(enabled=progress),
            )
            return engine.run(full=full)
    finally:
        source.close()
