"""Requests of a sync page written as text, in the SOAP envelope exchangelib would write.

exchangelib builds every request as an lxml tree, one element object per
property path and per item id, copies its cached parts, and serialises it;
for the requests of a sync (a hundred ids each, thousands of them) that is a
share of the CPU time worth saving. The services that send the requests of a
sync page (``services.SyncPage``, ``services.TextGetItem``,
``services.ChunkedGetAttachment``) write their payload as text instead, and
``TextRequest.wrap`` puts it in the same SOAP envelope as exchangelib's
``EWSService.wrap``: the same header elements (RequestServerVersion,
ExchangeImpersonation, TimeZoneContext), in the same order, with the same
values. The tests compare the bytes with exchangelib's. Sending, errors and
answers are exchangelib's as before.

EWS reference: "RequestServerVersion", "ExchangeImpersonation",
"ConnectingSID", "TimeZoneContext", "ItemId", "AttachmentId", "FolderId".
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from exchangelib.util import MNS, SOAPNS, TNS
from lxml import etree

NAMESPACES = f'xmlns:s="{SOAPNS}" xmlns:m="{MNS}" xmlns:t="{TNS}"'
# ConnectingSID's children in the order exchangelib's Identity writes them.
_IDENTITY_FIELDS = (
    ("sid", "SID"),
    ("upn", "PrincipalName"),
    ("smtp_address", "SmtpAddress"),
    ("primary_smtp_address", "PrimarySmtpAddress"),
)


class TextRequest:
    """A service whose payload may be text: ``wrap`` then writes the envelope as text too."""

    def wrap(self, content: Any, api_version: str | None = None) -> bytes:
        if not isinstance(content, str):
            return super().wrap(content=content, api_version=api_version)  # type: ignore[misc]
        return soap_envelope(
            content,
            api_version,
            self._account_to_impersonate,  # type: ignore[attr-defined]
            self._timezone,  # type: ignore[attr-defined]
        )


def soap_envelope(body: str, api_version: str | None, identity: Any, timezone: Any) -> bytes:
    """The request ``body`` (text, prefixes m: and t:) in a SOAP envelope with its headers."""
    header = []
    if api_version:
        header.append(f"<t:RequestServerVersion Version={quoteattr(api_version)}/>")
    if identity is not None:
        header.append(
            f"<t:ExchangeImpersonation>{_connecting_sid(identity)}</t:ExchangeImpersonation>"
        )
    if timezone is not None:
        header.append(
            "<t:TimeZoneContext>"
            f"<t:TimeZoneDefinition Id={quoteattr(timezone.ms_id)}/></t:TimeZoneContext>"
        )
    head = f"<s:Header>{''.join(header)}</s:Header>" if header else ""
    return (
        f"<?xml version='1.0' encoding='utf-8'?>\n<s:Envelope {NAMESPACES}>{head}"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def _connecting_sid(identity: Any) -> str:
    parts = [
        f"<t:{tag}>{escape(value)}</t:{tag}>"
        for name, tag in _IDENTITY_FIELDS
        if (value := getattr(identity, name, None))
    ]
    return f"<t:ConnectingSID>{''.join(parts)}</t:ConnectingSID>"


def inner_xml(element: Any) -> str:
    """``element`` (made with exchangelib's ``create_element``) as text inside the envelope.

    Serialised inside a parent that declares the namespaces, so the text has
    no declarations of its own and reads as the element would in the tree.
    """
    parent = etree.Element(f"{{{MNS}}}Parent", nsmap={"s": SOAPNS, "m": MNS, "t": TNS})
    parent.append(copy.deepcopy(element))
    etree.cleanup_namespaces(parent)
    text = etree.tostring(parent, encoding="unicode")
    start = text.index(">") + 1
    return text[start : text.rindex("</m:Parent>")]


def item_ids(pairs: Iterable[tuple[str, str | None]]) -> str:
    """``m:ItemIds`` for (id, change key or None) pairs."""
    ids = "".join(
        f"<t:ItemId Id={quoteattr(item_id)}/>"
        if changekey is None
        else f"<t:ItemId Id={quoteattr(item_id)} ChangeKey={quoteattr(changekey)}/>"
        for item_id, changekey in pairs
    )
    return f"<m:ItemIds>{ids}</m:ItemIds>"


def folder_id(folder: str, changekey: str | None = None) -> str:
    """A ``t:FolderId``."""
    if changekey is None:
        return f"<t:FolderId Id={quoteattr(folder)}/>"
    return f"<t:FolderId Id={quoteattr(folder)} ChangeKey={quoteattr(changekey)}/>"


def attachment_ids(ids: Iterable[str]) -> str:
    """``m:AttachmentIds`` for attachment ids."""
    return (
        "<m:AttachmentIds>"
        + "".join(f"<t:AttachmentId Id={quoteattr(i)}/>" for i in ids)
        + "</m:AttachmentIds>"
    )
