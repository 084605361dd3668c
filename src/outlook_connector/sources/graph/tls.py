"""Which certificate authorities the Graph source trusts.

The system's store always, plus the configured ``ssl_ca`` when there is one.
Nothing here touches the process environment or global SSL state: each
source owns its own context and its own bundle file.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import tempfile
from pathlib import Path

import certifi


def ssl_context(extra_ca_pem: str | None) -> ssl.SSLContext:
    """A verifying client context: the default CA store plus ``extra_ca_pem``."""
    context = ssl.create_default_context()
    if extra_ca_pem:
        context.load_verify_locations(cadata=extra_ca_pem)
    return context


def _system_bundle() -> str:
    """The PEM text of the system store, or certifi's when the system has no file."""
    cafile = ssl.get_default_verify_paths().cafile
    for candidate in (cafile, certifi.where()):
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text(encoding="ascii", errors="ignore")
    return ""


class CaBundleFile:
    """A temporary PEM file for ``requests`` (which wants a path), removed by ``close``."""

    def __init__(self, extra_ca_pem: str | None) -> None:
        fd, name = tempfile.mkstemp(prefix="outlook-ca-", suffix=".pem")
        self.path = name
        with os.fdopen(fd, "w", encoding="ascii", errors="ignore") as out:
            out.write(_system_bundle())
            if extra_ca_pem:
                out.write("\n" + extra_ca_pem.strip() + "\n")

    def close(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
