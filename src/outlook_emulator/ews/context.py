"""Per-request context: the tenant, the requested schema version, whose mailbox.

References: ``exchangeimpersonation.md``, ``connectingsid.md``,
``impersonation-and-ews-in-exchange.md``, ``requestserverversion.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from outlook_emulator.ews.soap import EwsError, EwsFault, T
from outlook_emulator.tenant.model import Mailbox, Tenant

# Values of ExchangeVersionType in the schema Exchange 2016 serves, oldest first.
VERSION_ORDER = (
    "Exchange2007",
    "Exchange2007_SP1",
    "Exchange2009",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2012",
    "Exchange2013",
    "Exchange2013_SP1",
    "Exchange2015",
    "Exchange2016",
    "V2015_10_05",
    "V2016_01_06",
    "V2016_04_13",
    "V2016_07_13",
    "V2016_10_10",
)
SUPPORTED_VERSIONS = frozenset(VERSION_ORDER)


def at_least(version: str, since: str) -> bool:
    """Whether a request for schema ``version`` may see an element introduced in ``since``."""
    return VERSION_ORDER.index(version) >= VERSION_ORDER.index(since)


@dataclass
class EwsContext:
    tenant: Tenant
    version: str
    caller: str  # the authenticated account's user name
    # The mailbox the request acts as: the impersonated one, else the caller's own (if any).
    mailbox: Mailbox | None
    impersonating: bool

    def mailbox_for(self, address: str | None) -> Mailbox:
        """The mailbox a ``Mailbox`` element names, or the acting one when it names none.

        An explicit mailbox other than the acting one is delegate access, which
        needs folder permissions this tenant never grants the service account.
        """
        if address is None or (self.mailbox and address.lower() == self.mailbox.address):
            if self.mailbox is None:
                raise EwsError(
                    "ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it."
                )
            return self.mailbox
        target = find_mailbox(self.tenant, address)
        if target is None:
            raise EwsError(
                "ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it."
            )
        if self.mailbox is not None and target.address == self.mailbox.address:
            return target
        raise EwsError("ErrorAccessDenied", "Access is denied. Check credentials and try again.")


def find_mailbox(tenant: Tenant, address: str) -> Mailbox | None:
    """A mailbox by primary address or any proxy address (alias) of its user."""
    key = address.strip().lower()
    mailbox = tenant.mailboxes.get(key)
    if mailbox is not None:
        return mailbox
    user = tenant.user(key)
    if user is not None:
        return tenant.mailboxes.get(user.mail.lower())
    return None


def request_version(header: etree._Element | None) -> str:
    el = header.find(T + "RequestServerVersion") if header is not None else None
    if el is None:
        # Requests without the header are treated as the first EWS version.
        return "Exchange2007"
    version = el.get("Version", "")
    if version not in SUPPORTED_VERSIONS:
        raise EwsFault(
            "ErrorInvalidServerVersion",
            "The specified server version is invalid.",
        )
    return version


def acting_mailbox(
    tenant: Tenant, caller: str, header: etree._Element | None
) -> tuple[Mailbox | None, bool]:
    """Resolve ``ExchangeImpersonation``; without it, the caller's own mailbox."""
    imp = header.find(T + "ExchangeImpersonation") if header is not None else None
    if imp is None:
        return find_mailbox(tenant, f"{caller}@{tenant.domain}"), False
    sid = imp.find(T + "ConnectingSID")
    address = None
    if sid is not None:
        for tag in ("PrimarySmtpAddress", "SmtpAddress", "PrincipalName"):
            el = sid.find(T + tag)
            if el is not None and el.text:
                address = el.text
                break
    if address is None:
        raise EwsFault(
            "ErrorImpersonationFailed",
            "Impersonation failed: the ConnectingSID names no SMTP address or principal name.",
        )
    account = tenant.service_account
    if account is None or not account.impersonation:
        raise EwsFault(
            "ErrorImpersonateUserDenied",
            "The account does not have permission to impersonate the requested user.",
        )
    mailbox = find_mailbox(tenant, address)
    if mailbox is None:
        raise EwsFault(
            "ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it."
        )
    return mailbox, True
