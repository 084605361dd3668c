"""The EWS endpoint, ``/EWS/Exchange.asmx``: SOAP 1.1 over HTTP POST.

Until the operations land this answers every request with a SOAP fault, so
the server can already mount it.
"""

from __future__ import annotations

from outlook_emulator.http import Request, Response
from outlook_emulator.tenant.model import Tenant

EWS_PATH = "/ews/exchange.asmx"

_FAULT = b"""<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>\
<faultcode>s:Server</faultcode><faultstring>Not implemented yet.</faultstring>\
</s:Fault></s:Body></s:Envelope>"""


class EwsApp:
    """Serves EWS for one tenant."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    def handles(self, request: Request) -> bool:
        return request.path.lower() == EWS_PATH

    def __call__(self, request: Request) -> Response:
        return Response.xml(_FAULT, status=500)
