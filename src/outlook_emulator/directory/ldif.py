"""Writing LDIF (RFC 2849) records."""

from __future__ import annotations

import base64
import re

# A SAFE-STRING in RFC 2849: ASCII without NUL/LF/CR, not starting with
# space, colon or "<", and (by convention) not ending with a space.
_SAFE = re.compile(r"^(?![ :<])[\x01-\x09\x0b\x0c\x0e-\x7f]*(?<! )$")


def ldif_line(name: str, value: str | bytes) -> str:
    if isinstance(value, str) and _SAFE.match(value):
        return f"{name}: {value}"
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return f"{name}:: {base64.b64encode(raw).decode('ascii')}"


def ldif_record(dn: str, attributes: dict[str, list[str | bytes]]) -> str:
    lines = [ldif_line("dn", dn)]
    for name, values in attributes.items():
        lines += [ldif_line(name, v) for v in values]
    return "\n".join(lines) + "\n\n"
