"""What contact and distribution list documents are made of, read straight from GetItem's XML.

``mapping.contact_facts``/``mapping.distribution_list_facts`` give the same
facts for exchangelib's objects (items read the general way), so one builder
in ``mapping`` makes the documents of both.

Element names: EWS reference, "Contact", "DistributionList", "EmailAddresses",
"PhoneNumbers", "Entry (EmailAddress)", "Entry (PhoneNumber)", "Members".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from outlook_connector.sources.ews import itemxml as x
from outlook_connector.sources.ews.children import indexed

CONTACT_TAG = f"{x.T}Contact"
DISTRIBUTION_LIST_TAG = f"{x.T}DistributionList"


@dataclass(frozen=True)
class ContactFacts:
    id: str
    subject: str | None
    last_modified: dt.datetime | None
    display_name: str | None
    given_name: str | None
    surname: str | None
    email_addresses: tuple[str | None, ...]
    phone_numbers: tuple[str | None, ...]
    company_name: str | None
    birthday: dt.date | None
    job_title: str | None
    department: str | None
    body: str | None
    body_is_html: bool
    categories: tuple[str, ...]


@dataclass(frozen=True)
class DistributionListFacts:
    id: str
    subject: str | None
    display_name: str | None
    last_modified: dt.datetime | None
    members: tuple[str | None, ...]


def read_contact(elem: Any) -> ContactFacts:
    """The facts of a ``t:Contact``; ``UnreadableItem`` when a value is not read here."""
    elem = indexed(elem)
    body, is_html = x.body(elem)
    return ContactFacts(
        id=x.item_id(elem),
        subject=x.text(elem, "Subject"),
        last_modified=x.instant(elem, "LastModifiedTime"),
        display_name=x.text(elem, "DisplayName"),
        given_name=x.text(elem, "GivenName"),
        surname=x.text(elem, "Surname"),
        # An address may sit in the Name attribute when the text is empty (exchangelib reads both).
        email_addresses=tuple(
            e.text or e.get("Name") for e in x.contained(elem, "EmailAddresses", "Entry")
        ),
        phone_numbers=tuple(e.text for e in x.contained(elem, "PhoneNumbers", "Entry")),
        company_name=x.text(elem, "CompanyName"),
        birthday=x.date_of(elem, "Birthday"),
        job_title=x.text(elem, "JobTitle"),
        department=x.text(elem, "Department"),
        body=body,
        body_is_html=is_html,
        categories=x.categories(elem),
    )


def read_distribution_list(elem: Any) -> DistributionListFacts:
    """The facts of a ``t:DistributionList``: its members' addresses in the server's order."""
    elem = indexed(elem)
    return DistributionListFacts(
        id=x.item_id(elem),
        subject=x.text(elem, "Subject"),
        display_name=x.text(elem, "DisplayName"),
        last_modified=x.instant(elem, "LastModifiedTime"),
        members=x.mailboxes(elem, "Members", "Member"),
    )
