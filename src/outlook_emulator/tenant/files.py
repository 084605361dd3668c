"""Which parser reads a file, by the kind of folder it is in and its extension."""

from __future__ import annotations

import logging
from datetime import datetime

from outlook_emulator.tenant.common import ItemContext, UnrepresentableFile
from outlook_emulator.tenant.ical import parse_calendar
from outlook_emulator.tenant.mime import parse_message
from outlook_emulator.tenant.model import Folder, Item
from outlook_emulator.tenant.vcard import parse_vcards

log = logging.getLogger(__name__)

# The one extension each kind of folder holds (TENANT-FORMAT.md).
EXTENSIONS = {"mail": ".eml", "contacts": ".vcf", "calendar": ".ics", "tasks": ".ics"}


def parse_file(
    mailbox: str, folder: Folder, path: str, data: bytes, file_time: datetime
) -> tuple[list[Item], list[str]]:
    """The items in the file at ``path`` (mailbox-relative) in ``folder``, and notes on
    parts of it left out. Raises UnrepresentableFile when nothing in it can be an item."""
    expected = EXTENSIONS[folder.kind]
    if not path.lower().endswith(expected):
        suffix = path.rpartition(".")[2] if "." in path.rpartition("/")[2] else "(none)"
        raise UnrepresentableFile(
            f"a {folder.kind} folder holds {expected} files; this one's extension is {suffix}"
        )
    ctx = ItemContext(mailbox=mailbox, path=path, folder_id=folder.id, file_time=file_time)
    try:
        if folder.kind == "mail":
            return [parse_message(data, ctx)], []
        if folder.kind == "contacts":
            return parse_vcards(data, ctx)
        return parse_calendar(data, ctx, folder.kind)
    except UnrepresentableFile:
        raise
    except Exception as error:  # a parser bug: report it, and let it cost this file only
        log.exception("unexpected failure reading %s/%s", mailbox, path)
        raise UnrepresentableFile(f"unexpected {type(error).__name__}: {error}") from error
