"""PDF text through pypdf; encrypted files are opened only with the empty password."""

from __future__ import annotations

import io
from typing import Any

from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed


def extract_pdf(data: bytes, ctx: ExtractionContext) -> None:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        _unlock(reader)
        for page in reader.pages:
            ctx.emit_line(page.extract_text())
    except FileNotDecryptedError as exc:
        raise ExtractionFailed("PDF is password-protected") from exc
    except (PdfReadError, PdfStreamError) as exc:
        raise ExtractionFailed(f"PDF is corrupt or truncated: {exc}") from exc
    except NotImplementedError as exc:
        # e.g. an encryption scheme or filter pypdf does not implement
        raise ExtractionFailed(f"PDF uses an unsupported feature: {exc}") from exc


def _unlock(reader: Any) -> None:
    """Many PDFs are encrypted only to restrict printing; they open with an empty password."""
    from pypdf import PasswordType

    if not reader.is_encrypted:
        return
    try:
        result = reader.decrypt("")
    except NotImplementedError as exc:
        raise ExtractionFailed(f"PDF uses an unsupported encryption: {exc}") from exc
    if result == PasswordType.NOT_DECRYPTED:
        raise ExtractionFailed("PDF is password-protected")
