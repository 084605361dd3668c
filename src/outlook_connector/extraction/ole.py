"""OLE compound files (.msg, .doc, .xls, .ppt, encrypted Office documents): which one is it."""

from __future__ import annotations

import io

from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _stream_names(data: bytes) -> set[str]:
    import olefile

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return {"/".join(parts) for parts in ole.listdir(streams=True, storages=True)}


def resolve_ole(data: bytes) -> str | None:
    try:
        names = _stream_names(data)
    except Exception:  # any parse failure: let the generic handler report it
        return None
    if "EncryptedPackage" in names:
        return "encrypted-office"
    if "WordDocument" in names:
        return "doc"
    if "Workbook" in names or "Book" in names:
        return "xls"
    if "PowerPoint Document" in names:
        return "ppt"
    if any(name.startswith("__substg1.0_") or name == "__properties_version1.0" for name in names):
        return "msg"
    return None


def extract_encrypted_office(data: bytes, ctx: ExtractionContext) -> None:
    raise ExtractionFailed("Office document is password-protected")


def extract_unknown_ole(data: bytes, ctx: ExtractionContext) -> None:
    try:
        _stream_names(data)
    except Exception as exc:  # olefile raises plain OSError and others
        raise ExtractionFailed(f"OLE compound file is corrupt or truncated: {exc}") from exc
    raise ExtractionFailed("OLE compound file of an unsupported kind")
