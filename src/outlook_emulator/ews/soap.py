"""SOAP 1.1 envelopes, EWS response messages and SOAP faults.

Namespaces, the ``ServerVersionInfo`` header every response carries, and the
two ways EWS reports errors: a per-item ``ResponseMessage`` with
``ResponseClass="Error"`` (the request was understood) and a SOAP fault (it
was not: schema validation, server version, impersonation). References:
``serverversioninfo.md``, ``responsecode.md``, ``responsemessage.md`` and
"EWS schema versions in Exchange" in office-developer-exchange-docs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
M_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"
T_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
E_NS = "http://schemas.microsoft.com/exchange/services/2006/errors"
NSMAP = {"s": SOAP_NS, "m": M_NS, "t": T_NS}

S = f"{{{SOAP_NS}}}"
M = f"{{{M_NS}}}"
T = f"{{{T_NS}}}"

# Exchange Server 2016 CU23 (15.1.2507.6). Its Version attribute names the
# server's internal schema version, not a RequestServerVersion value
# (serverversioninfo.md: "Describes the EWS schema version"); clients keep
# the version they asked for.
SERVER_VERSION = {
    "MajorVersion": "15",
    "MinorVersion": "1",
    "MajorBuildNumber": "2507",
    "MinorBuildNumber": "6",
    "Version": "V2017_07_11",
}


class EwsFault(Exception):
    """A request the server rejects as a whole: answered with a SOAP fault (HTTP 500)."""

    def __init__(
        self,
        code: str,
        message: str,
        details: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # Children of t:MessageXml in the fault detail, e.g. LineNumber/LinePosition/Violation.
        self.details = details or {}


class EwsError(Exception):
    """One response message fails: answered as ``ResponseClass="Error"`` with this code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Append a child element; ``tag`` is a Clark name such as ``T + "Subject"``."""
    el = etree.SubElement(parent, tag, attrs) if attrs else etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def xml_datetime(value: datetime) -> str:
    """An xs:dateTime in UTC with a trailing Z, the form Exchange sends."""
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(UTC)
    # The first 19 characters are the date and time to the second; an offset follows them.
    return value.isoformat(timespec="seconds")[:19] + "Z"


def xml_bool(value: bool) -> str:
    return "true" if value else "false"


def required(request: etree._Element, name: str) -> etree._Element:
    """The child ``m:<name>`` the schema requires; a request without it fails validation."""
    found = request.find(M + name)
    if found is None:
        operation = etree.QName(request).localname
        raise EwsFault(
            "ErrorSchemaValidation",
            f"The request failed schema validation: The element '{operation}' has incomplete "
            f"content. List of possible elements expected: '{name}'.",
        )
    return found


def response_root(name: str) -> etree._Element:
    """The ``m:<name>`` element of a response, declaring the prefixes its content uses.

    Declaring m and t once at the top keeps lxml from repeating namespace
    declarations on every item it adds, which is most of the cost of a big page.
    """
    return etree.Element(M + name, nsmap=NSMAP)


def _split_envelope() -> tuple[bytes, bytes]:
    env = etree.Element(S + "Envelope", nsmap=NSMAP)
    header = sub(env, S + "Header")
    etree.SubElement(header, T + "ServerVersionInfo", SERVER_VERSION)
    sub(env, S + "Body").append(etree.Element("SPLIT"))
    head, _, tail = etree.tostring(env, xml_declaration=True, encoding="utf-8").partition(
        b"<SPLIT/>"
    )
    return head, tail


# The envelope around every response, serialised once. A response body is serialised on
# its own and spliced in: moving a big element tree into another document makes lxml
# walk all of it to fix up namespaces.
_HEAD, _TAIL = _split_envelope()


# A no-namespace tag no EWS response has: it marks where a pre-serialised fragment goes.
# Text and attribute values are escaped on output, so these bytes cannot occur otherwise.
_SLOT = "EmulatorSlot"
_SLOT_BYTES = b"<EmulatorSlot/>"


@dataclass
class Spliced:
    """A response element with slots, and the serialised elements that fill them in order.

    Items a client asks for again are served from serialised copies (see
    ``ews.rendered``); the response around them is still built as a tree.
    """

    root: etree._Element
    parts: list[bytes] = field(default_factory=list)

    def fill(self, parent: etree._Element, serialised: bytes) -> None:
        """Append to ``parent`` elements already serialised in scope of NSMAP."""
        etree.SubElement(parent, _SLOT)
        self.parts.append(serialised)

    def serialise(self) -> bytes:
        pieces = etree.tostring(self.root, encoding="utf-8").split(_SLOT_BYTES)
        if len(pieces) != len(self.parts) + 1:
            raise AssertionError("a response has as many slots as fragments")
        out = [pieces[0]]
        for part, piece in zip(self.parts, pieces[1:], strict=True):
            out.append(part)
            out.append(piece)
        return b"".join(out)


def envelope(body_child: etree._Element | Spliced | None) -> bytes:
    """Wrap a response element in an envelope whose header names the server version."""
    if body_child is None:
        return _HEAD + _TAIL
    if isinstance(body_child, Spliced):
        return _HEAD + body_child.serialise() + _TAIL
    return _HEAD + etree.tostring(body_child, encoding="utf-8") + _TAIL


@functools.cache
def success_around(name: str, container: str) -> tuple[bytes, bytes]:
    """The bytes before and after the content of a successful ``m:<name>``'s ``m:<container>``.

    Built once with the same calls that write such a message into a tree, so
    splicing ``head + content + tail`` writes what the tree would have.
    """

    def write(parent: etree._Element) -> None:
        etree.SubElement(sub(response_message(parent, name), M + container), _SLOT)

    head, tail = serialise_in_scope(write).split(_SLOT_BYTES)
    return head, tail


def serialise_in_scope(render: Callable[[etree._Element], object]) -> bytes:
    """What ``render`` appends to an element, serialised as it is inside a response.

    The wrapper declares the prefixes a response root declares (NSMAP), so the
    fragment carries no namespace declarations of its own, exactly as it would
    had it been written into the response tree itself.
    """
    wrapper = etree.Element(_SLOT, nsmap=NSMAP)
    render(wrapper)
    data = etree.tostring(wrapper, encoding="utf-8")
    start = data.index(b">") + 1
    if data[start - 2 : start] == b"/>":
        return b""
    return data[start : -len(b"</EmulatorSlot>")]


def serialise_each(count: int, render: Callable[[etree._Element, int], object]) -> list[bytes]:
    """``serialise_in_scope`` of ``render(parent, i)`` for each i below ``count``, in one pass.

    One wrapper and one serialisation for a whole page: a slot after each
    part marks where it ends.
    """

    def write(wrapper: etree._Element) -> None:
        for i in range(count):
            render(wrapper, i)
            etree.SubElement(wrapper, _SLOT)

    return serialise_in_scope(write).split(_SLOT_BYTES)[:count]


def fault(code: str, message: str, details: dict[str, str] | None = None) -> bytes:
    """A SOAP fault as Exchange sends it: the EWS code in faultcode and in detail.

    The shape follows the fault examples of office-developer-exchange-docs
    (e.g. ``addimgroup-operation.md``): ``a:<code>`` in faultcode, and in
    detail the ``e:ResponseCode``, ``e:Message`` and ``t:MessageXml``.
    """
    env = etree.Element(S + "Envelope", nsmap=NSMAP)
    header = sub(env, S + "Header")
    etree.SubElement(header, T + "ServerVersionInfo", SERVER_VERSION)
    body = sub(env, S + "Body")
    flt = sub(body, S + "Fault")
    # Exchange puts its own code, qualified by the types namespace, in faultcode.
    faultcode = etree.SubElement(flt, "faultcode", nsmap={"a": T_NS})
    faultcode.text = f"a:{code}"
    faultstring = sub(flt, "faultstring", message)
    faultstring.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
    detail = sub(flt, "detail")
    e_code = etree.SubElement(detail, f"{{{E_NS}}}ResponseCode", nsmap={"e": E_NS})
    e_code.text = code
    e_msg = etree.SubElement(detail, f"{{{E_NS}}}Message", nsmap={"e": E_NS})
    e_msg.text = message
    if details:
        xml = sub(detail, T + "MessageXml")
        for tag, value in details.items():
            sub(xml, T + tag, value)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def response_message(
    parent: etree._Element,
    name: str,
    error: EwsError | None = None,
    message_xml: dict[str, str] | None = None,
) -> etree._Element:
    """Append ``m:<name>`` with its ResponseClass, ResponseCode and (for errors) the text."""
    msg = sub(parent, M + name, ResponseClass="Error" if error else "Success")
    if error is not None:
        sub(msg, M + "MessageText", error.message)
        sub(msg, M + "ResponseCode", error.code)
        sub(msg, M + "DescriptiveLinkKey", "0")
        if message_xml:
            xml = sub(msg, M + "MessageXml")
            for key, value in message_xml.items():
                sub(xml, T + "Value", value, Name=key)
    else:
        sub(msg, M + "ResponseCode", "NoError")
    return msg
