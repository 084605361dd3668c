"""The EWS endpoint, ``/EWS/Exchange.asmx``: SOAP 1.1 over HTTP POST.

A request is authenticated (NTLM or Basic), parsed, its SOAP header read
(``RequestServerVersion``, ``ExchangeImpersonation``), and the one operation
in its body dispatched to the module that implements it. Every response,
errors included, carries ``ServerVersionInfo`` in its header. References:
"EWS operations in Exchange" (``ews-operations-in-exchange.md``) and
"Authentication and EWS in Exchange" in office-developer-exchange-docs.
"""

from __future__ import annotations

import logging
import threading

from lxml import etree

from outlook_emulator.ews.auth import Authenticator
from outlook_emulator.ews.context import EwsContext, acting_mailbox, request_version
from outlook_emulator.ews.operations import OPERATIONS
from outlook_emulator.ews.soap import M_NS, EwsFault, S, envelope, fault
from outlook_emulator.ews.state import EwsState
from outlook_emulator.http import Request, Response
from outlook_emulator.tenant.model import Tenant

log = logging.getLogger(__name__)

EWS_PATH = "/ews/exchange.asmx"


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    # No entities, no network: a SOAP request is plain XML. One parser per thread, as
    # lxml parsers must not be shared between the server's threads (and making one per
    # request costs more than parsing a small request).
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True
        )
    return parser


class EwsApp:
    """Serves EWS for one tenant."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.auth = Authenticator(tenant)
        self.state = EwsState()
        with tenant.lock:
            self.state.note_births(
                (folder.id, item.id, item.changed_seq)
                for mailbox in tenant.mailboxes.values()
                for folder in mailbox.folders.values()
                for item in folder.items.values()
            )
            self.state.note_births(
                ("", folder.id, folder.changed_seq)
                for mailbox in tenant.mailboxes.values()
                for folder in mailbox.folders.values()
            )

    def handles(self, request: Request) -> bool:
        return request.path.lower() == EWS_PATH

    def __call__(self, request: Request) -> Response:
        result = self.auth.authenticate(request.header("authorization"), request.connection)
        if result.user is None:
            challenge = result.challenge or self.auth.challenges()
            return Response(
                status=401, headers={"WWW-Authenticate": challenge, "Content-Type": "text/html"}
            )
        if request.method != "POST":
            return Response(status=405, headers={"Allow": "POST"})
        try:
            body = self._handle(request.body, result.user)
        except EwsFault as exc:
            log.debug("EWS request refused with %s", exc.code)
            return Response.xml(fault(exc.code, exc.message, exc.details), status=500)
        except Exception:
            # A defect of the emulator still answers in EWS's terms, so clients report it
            # as the server error it is rather than failing to parse the answer.
            log.exception("EWS request failed")
            message = "An internal server error occurred. The operation failed."
            return Response.xml(fault("ErrorInternalServerError", message), status=500)
        return Response.xml(body)

    def _handle(self, raw: bytes, caller: str) -> bytes:
        try:
            env = etree.fromstring(raw, _parser())
        except etree.XMLSyntaxError as exc:
            line, column = exc.position
            violation = f"{exc.msg}."
            raise EwsFault(
                "ErrorSchemaValidation",
                f"The request failed schema validation: {violation}",
                details={
                    "LineNumber": str(line),
                    "LinePosition": str(column),
                    "Violation": violation,
                },
            ) from None
        if env.tag != S + "Envelope":
            raise EwsFault(
                "ErrorSchemaValidation", "The request failed schema validation: no SOAP Envelope."
            )
        header = env.find(S + "Header")
        body = env.find(S + "Body")
        if body is None or len(body) != 1:
            raise EwsFault(
                "ErrorSchemaValidation", "The request failed schema validation: no operation."
            )
        op_el = body[0]
        qname = etree.QName(op_el)
        handler = OPERATIONS.get(qname.localname) if qname.namespace == M_NS else None
        if handler is None:
            raise EwsFault(
                "ErrorSchemaValidation",
                f"The request failed schema validation: '{qname.localname}' is not an operation.",
            )
        version = request_version(header)
        with self.tenant.lock:
            mailbox, impersonating = acting_mailbox(self.tenant, caller, header)
            ctx = EwsContext(self.tenant, version, caller, mailbox, impersonating)
            response = handler(ctx, op_el, self.state)
        # Serialise outside the lock: the element tree no longer refers to shared state.
        return envelope(response)
