"""Validate EWS responses against Microsoft's schema (messages.xsd + types.xsd).

The schema lives in the team's shared reference folder
(``reference/schemas/ews``). It is compiled once per test run. The SOAP
envelope itself has no XSD there, so the header's children and the body's
child are validated one by one, as the schema README describes.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from outlook_emulator.http import Request, Response

REPO_ROOT = Path(__file__).resolve().parents[2]

SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"


def shared_dir() -> Path:
    """The team's shared reference folder (as tests/emulators.py finds it)."""
    return Path(os.environ.get("OUTLOOK_SHARED_DIR", REPO_ROOT.parent / "shared"))


@functools.cache
def schema() -> etree.XMLSchema:
    path = shared_dir() / "reference" / "schemas" / "ews" / "messages.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def problems(body: bytes) -> list[str]:
    """Why a SOAP response is not valid EWS; empty when it is."""
    env = etree.fromstring(body)
    if env.tag != SOAP + "Envelope":
        return [f"not a SOAP envelope: {env.tag}"]
    out: list[str] = []
    header = env.find(SOAP + "Header")
    if header is None or not any(etree.QName(h).localname == "ServerVersionInfo" for h in header):
        out.append("no ServerVersionInfo in the SOAP header")
    body_el = env.find(SOAP + "Body")
    if body_el is None or len(body_el) != 1:
        return [*out, "the SOAP body must hold exactly one element"]
    children = [*(header if header is not None else []), body_el[0]]
    for child in children:
        if child.tag == SOAP + "Fault":
            continue  # SOAP 1.1 faults are not EWS schema types
        validator = schema()
        if not validator.validate(child):
            out.extend(f"{etree.QName(child).localname}: {e.message}" for e in validator.error_log)
    return out


class ValidatingMiddleware:
    """Checks every SOAP response the server sends; the test asserts ``failures`` is empty."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.checked = 0
        self._lock = threading.Lock()

    def __call__(self, request: Request, nxt: Callable[[Request], Response]) -> Response:
        response = nxt(request)
        if response.body and response.headers.get("Content-Type", "").startswith("text/xml"):
            found = problems(response.body)
            with self._lock:
                self.checked += 1
                if found:
                    self.failures.append(f"{request.path}: {found[:5]}")
        return response
