"""What a running directory tells its clients (the JSON line the command prints)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class DirectoryInfo:
    ldap_url: str
    ldaps_url: str | None
    base_dn: str
    bind_user: str
    ca_cert: str | None
    backend: Literal["samba", "slapd"]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict())
