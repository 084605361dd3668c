"""Keep credentials out of the debug log of exchangelib and its NTLM library.

At DEBUG level exchangelib logs the headers of every request it sent,
``Authorization`` included: with Basic authentication that is the password
in base64, with NTLM a response an attacker can crack offline; pyspnego logs
the NTLM tokens themselves. These filters mask such headers and tokens in the
records of the modules that log them. They only ever remove text from log
records, so installing them on those (process-wide) loggers cannot change
anyone else's behaviour; they are installed when a connection is made, never
at import.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

MASK = "********"
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})
_HEADER_LOGGERS = ("exchangelib.util", "exchangelib.transport", "exchangelib.protocol")
_TOKEN_LOGGERS = tuple(
    f"spnego._{name}" for name in ("negotiate", "ntlm", "gss", "sspi", "credssp")
)
_TOKEN_MARKERS = (" input: ", " output: ")


def _masked(value: Any) -> Any:
    if isinstance(value, Mapping) and any(
        isinstance(k, str) and k.lower() in _SECRET_HEADERS for k in value
    ):
        return {
            k: MASK if isinstance(k, str) and k.lower() in _SECRET_HEADERS else v
            for k, v in value.items()
        }
    return value


class MaskCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, Mapping):
            record.args = {k: _masked(v) for k, v in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(_masked(v) for v in args)
        return True


class MaskTokens(logging.Filter):
    """``NTLM step output: TlRMTVNT...`` → ``NTLM step output: ********``."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        for marker in _TOKEN_MARKERS:
            if marker in text:
                record.msg = text.split(marker, 1)[0] + marker + MASK
                record.args = None
                break
        return True


_FILTERS: tuple[tuple[tuple[str, ...], logging.Filter], ...] = (
    (_HEADER_LOGGERS, MaskCredentials()),
    (_TOKEN_LOGGERS, MaskTokens()),
)


def install() -> None:
    """Attach the filters to the loggers that log credentials (once)."""
    for names, log_filter in _FILTERS:
        for name in names:
            logger = logging.getLogger(name)
            if log_filter not in logger.filters:
                logger.addFilter(log_filter)
