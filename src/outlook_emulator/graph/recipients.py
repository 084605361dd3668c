"""recipient and emailAddress resources (learn.microsoft.com/graph/api/resources/recipient)."""

from __future__ import annotations

from typing import Any

from outlook_emulator.tenant.model import EmailAddress


def email_address(address: EmailAddress) -> dict[str, Any]:
    return {"name": address.name or address.address, "address": address.address}


def recipient(address: EmailAddress) -> dict[str, Any]:
    return {"emailAddress": email_address(address)}


def recipients(addresses: list[EmailAddress]) -> list[dict[str, Any]]:
    return [recipient(a) for a in addresses]
