"""Tenant users as AD user objects: unique account names, Exchange's attributes."""

from __future__ import annotations

from outlook_emulator.directory.entries import (
    ACCOUNTDISABLE,
    user_entries,
)
from outlook_emulator.tenant.model import User


def make(mail: str, **fields: object) -> User:
    return User(
        mail=mail, id="6f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10", display_name="Same Name", **fields
    )  # type: ignore[arg-type]


def test_account_names_are_unique_and_fit_ad_limits() -> None:
    users = [
        make("a.very.long.local.part.indeed@contoso.example"),
        make("a.very.long.local.part.indeed@fabrikam.example"),
        make("svc-search@contoso.example"),
    ]
    entries = user_entries(users, reserved=("svc-search",))
    names = [e.sam_account_name for e in entries]
    assert len({n.lower() for n in names}) == 3
    assert all(len(n) <= 20 for n in names)
    assert "svc-search" not in names, "the service account keeps its name"
    assert len({e.cn for e in entries}) == 3, "same display names get distinct CNs"


def test_exchange_attributes_for_each_kind() -> None:
    user, shared, disabled = user_entries(
        [
            make("alice@contoso.example", aliases=["a@contoso.example"]),
            make("desk@contoso.example", kind="shared"),
            make("old@contoso.example", enabled=False),
        ]
    )
    assert user.attributes["proxyAddresses"] == [
        "SMTP:alice@contoso.example",
        "smtp:a@contoso.example",
    ]
    assert user.attributes["msExchRecipientTypeDetails"] == ["1"]
    assert not int(user.attributes["userAccountControl"][0]) & ACCOUNTDISABLE
    # Exchange creates shared mailboxes as disabled accounts of type SharedMailbox.
    assert shared.attributes["msExchRecipientTypeDetails"] == ["4"]
    assert int(shared.attributes["userAccountControl"][0]) & ACCOUNTDISABLE
    assert int(disabled.attributes["userAccountControl"][0]) & ACCOUNTDISABLE
