"""The emulator's control API: change a running tenant, as users and mail servers would.

    PUT    /_emulator/mailboxes/{address}/{path}   body: the file's bytes (.eml, .vcf, .ics)
    DELETE /_emulator/mailboxes/{address}/{path}
    POST   /_emulator/mailboxes/{address}/move     body: {"from": PATH, "to": PATH}
    POST   /_emulator/mailboxes/{address}/rename   body: {"folder": PATH, "name": NAME}

Each answers {"id": ID}, of the (first) item or of the renamed folder. Tests
use it to make items appear, change, move and disappear, and folders change
name, between two syncs.
"""

from __future__ import annotations

import json
from typing import Any

from outlook_emulator.http import Request, Response
from outlook_emulator.tenant.changes import (
    NotFound,
    delete_file,
    move_file,
    put_file,
    rename_folder,
)
from outlook_emulator.tenant.common import UnrepresentableFile
from outlook_emulator.tenant.model import Tenant

PREFIX = "/_emulator/mailboxes/"


class ControlApp:
    """Serves the control API for one tenant."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    def handles(self, request: Request) -> bool:
        return request.path.startswith(PREFIX)

    def __call__(self, request: Request) -> Response:
        address, _, path = request.path[len(PREFIX) :].partition("/")
        try:
            return Response.json({"id": self._dispatch(request, address, path)})
        except NotFound as error:
            return _error(404, "ErrorItemNotFound", str(error))
        except FileExistsError as error:
            return _error(409, "ErrorItemExists", str(error))
        except (UnrepresentableFile, ValueError) as error:
            return _error(400, "ErrorInvalidRequest", str(error))

    def _dispatch(self, request: Request, address: str, path: str) -> str:
        if request.method == "POST" and path == "move":
            source, target = _move_body(request)
            return move_file(self.tenant, address, source, target)
        if request.method == "POST" and path == "rename":
            folder, name = _rename_body(request)
            return rename_folder(self.tenant, address, folder, name)
        if request.method == "PUT":
            return put_file(self.tenant, address, path, request.body)
        if request.method == "DELETE":
            return delete_file(self.tenant, address, path)
        raise ValueError(f"{request.method} is not supported on {request.path}")


def _move_body(request: Request) -> tuple[str, str]:
    return _two_strings(request, "move", "from", "to")


def _rename_body(request: Request) -> tuple[str, str]:
    return _two_strings(request, "rename", "folder", "name")


def _two_strings(request: Request, what: str, first: str, second: str) -> tuple[str, str]:
    shape = f'{{"{first}": ..., "{second}": ...}}'
    try:
        body: Any = json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"the {what} body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise ValueError(f"the {what} body must be {shape}")
    one, two = body.get(first), body.get(second)
    if not isinstance(one, str) or not isinstance(two, str):
        raise ValueError(f"the {what} body must be {shape} with strings")
    return one, two


def _error(status: int, code: str, message: str) -> Response:
    return Response.json({"error": {"code": code, "message": message}}, status=status)
