"""SOAP 1.1 envelopes, EWS response messages and SOAP faults.

Namespaces, the ``ServerVersionInfo`` header every response carries, and the
two ways EWS reports errors: a per-item ``ResponseMessage`` with
``ResponseClass="Error"`` (the request was understood) and a SOAP fault (it
was not: schema validation, server version, impersonation). References:
``serverversioninfo.md``, ``responsecode.md``, ``responsemessage.md`` and
"EWS schema versions in Exchange" in office-developer-exchange-docs.
"""

from __future__ import annotations

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
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


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


def envelope(body_child: etree._Element | None) -> bytes:
    """Wrap a response element in an envelope whose header names the server version."""
    if body_child is None:
        return _HEAD + _TAIL
    return _HEAD + etree.tostring(body_child, encoding="utf-8") + _TAIL


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
