"""ZIP containers: the decompression-bomb check, member listing and sub-format recognition.

Python's zipfile never inflates a member past the size its header declares, so
checking the declared sizes before any library reads the archive is enough to
stop a bomb; the worker's memory limit backs this up.
"""

from __future__ import annotations

import io
import zipfile

from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed
from outlook_connector.extraction.model import ExtractionLimits

MAX_MEMBERS = 20_000
# Deflate cannot exceed about 1032:1; ordinary XML reaches 20-100:1.
MAX_RATIO = 200
RATIO_CHECK_FLOOR = 16 * 1024 * 1024  # small members may compress as well as they like

_OOXML_MAIN_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
_MIMETYPE_FORMATS = {  # the "mimetype" member of OpenDocument and EPUB files
    "application/epub+zip": "epub",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.text-template": "odt",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    "application/vnd.oasis.opendocument.presentation-template": "odp",
}


def open_zip(data: bytes, label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ExtractionFailed(f"{label} is corrupt or truncated: {exc}") from exc


def check_zip_bomb(archive: zipfile.ZipFile, label: str, limits: ExtractionLimits) -> None:
    """Refuse archives whose members declare implausible uncompressed sizes."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ExtractionFailed(f"{label} has {len(members)} members: refused (over {MAX_MEMBERS})")
    total = 0
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_FLOOR and ratio > MAX_RATIO:
            raise ExtractionFailed(
                f"{label} member {info.filename!r} expands {ratio:.0f}:1 to "
                f"{_mib(info.file_size)}: refused as a decompression bomb"
            )
        total += info.file_size
    budget = limits.max_memory_bytes // 4
    if total > budget:
        raise ExtractionFailed(
            f"{label} declares {_mib(total)} uncompressed, over the {_mib(budget)} limit: "
            "refused as a decompression bomb"
        )


def checked_zip(data: bytes, label: str, limits: ExtractionLimits) -> zipfile.ZipFile:
    archive = open_zip(data, label)
    check_zip_bomb(archive, label, limits)
    return archive


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def resolve_zip(data: bytes) -> str | None:
    """Name the Office or OpenDocument format hiding in a ZIP, or None for a plain archive."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        for part, fmt in _OOXML_MAIN_PARTS.items():
            if part in names:
                return fmt
        if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
            return _MIMETYPE_FORMATS.get(mimetype)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, EOFError):
        return None  # the listing handler reports the damage
    return None


def extract_zip_listing(data: bytes, ctx: ExtractionContext) -> None:
    """List member names only: members are never inflated."""
    archive = open_zip(data, "ZIP archive")
    members = archive.infolist()
    if not members:
        raise ExtractionFailed("ZIP archive is empty")
    if any(info.flag_bits & 0x1 for info in members):
        ctx.notes.append("ZIP archive is password-protected; only member names were listed")
    for info in members:
        ctx.emit_line(info.filename)
