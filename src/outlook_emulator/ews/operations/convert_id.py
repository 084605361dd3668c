"""ConvertId: convert item and folder ids between formats.

Implements ``convertid-operation.md`` (office-developer-exchange-docs). Our
EwsId is the tenant's id; the other formats are reversible encodings of it,
so any id converts to any format and back. An id that decodes to nothing
gets its own error message (``ErrorInvalidIdMalformed``), the others succeed.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote, unquote

from lxml import etree

from outlook_emulator.ews.context import EwsContext
from outlook_emulator.ews.soap import (
    EwsError,
    EwsFault,
    M,
    T,
    required,
    response_message,
    response_root,
    sub,
)
from outlook_emulator.ews.state import EwsState

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
FORMATS = ("EwsId", "EwsLegacyId", "EntryId", "HexEntryId", "StoreId", "OwaId")
_LEGACY_TAG = b"\x00L"
_STORE_TAG = b"\x00S"


def handle(ctx: EwsContext, request: etree._Element, state: EwsState) -> etree._Element:
    destination = request.get("DestinationFormat", "")
    source_ids = required(request, "SourceIds")
    formats = {destination, *(alt.get("Format", "") for alt in source_ids)}
    if not formats <= set(FORMATS):
        # IdFormatType is an enumeration: anything else fails schema validation.
        raise EwsFault(
            "ErrorSchemaValidation",
            "The request failed schema validation: the id format is not an IdFormatType.",
        )
    response = response_root("ConvertIdResponse")
    messages = sub(response, M + "ResponseMessages")
    for alt in source_ids:
        try:
            converted = convert(alt.get("Id", ""), alt.get("Format", ""), destination)
        except EwsError as exc:
            response_message(messages, "ConvertIdResponseMessage", exc)
            continue
        msg = response_message(messages, "ConvertIdResponseMessage")
        out = sub(msg, M + "AlternateId", Format=destination, Id=converted)
        out.set("Mailbox", alt.get("Mailbox") or "unknown")
        out.set(XSI_TYPE, "t:AlternateIdType")
    return response


def convert(value: str, source: str, destination: str) -> str:
    return encode(decode(value, source), destination)


def decode(value: str, source: str) -> str:
    """The EwsId an id in ``source`` format stands for."""
    try:
        if source == "EwsId":
            raw = value.encode("ascii")
        elif source == "EwsLegacyId":
            raw = _untag(base64.b64decode(value, validate=True), _LEGACY_TAG)
        elif source == "StoreId":
            raw = _untag(base64.b64decode(value, validate=True), _STORE_TAG)
        elif source == "EntryId":
            raw = base64.b64decode(value, validate=True)
        elif source == "HexEntryId":
            raw = bytes.fromhex(value)
        else:
            raw = unquote(value).encode("ascii")
        ews_id = raw.decode("ascii")
    except (binascii.Error, ValueError, UnicodeError):
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.") from None
    if not ews_id or not ews_id.isprintable():
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
    return ews_id


def encode(ews_id: str, destination: str) -> str:
    raw = ews_id.encode("ascii")
    if destination == "EwsId":
        return ews_id
    if destination == "EwsLegacyId":
        return base64.b64encode(_LEGACY_TAG + raw).decode()
    if destination == "StoreId":
        return base64.b64encode(_STORE_TAG + raw).decode()
    if destination == "EntryId":
        return base64.b64encode(raw).decode()
    if destination == "HexEntryId":
        return raw.hex().upper()
    return quote(ews_id, safe="")


def _untag(raw: bytes, tag: bytes) -> bytes:
    if not raw.startswith(tag):
        raise ValueError("wrong id format")
    return raw[len(tag) :]


__all__ = ["handle", "convert", "T"]
