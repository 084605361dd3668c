"""Microsoft Graph error responses.

"Microsoft Graph error responses and resource types"
(learn.microsoft.com/graph/errors): a JSON object with a single ``error``
property holding ``code``, ``message`` and ``innerError`` (``date``,
``request-id``, ``client-request-id``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from outlook_emulator.http import Request, Response


@dataclass
class GraphError(Exception):
    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


def item_not_found() -> GraphError:
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def unknown_segment(segment: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def access_denied() -> GraphError:
    return GraphError(
        403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
    )


def directory_access_denied() -> GraphError:
    # The directory (users) answers insufficient permissions in its own words.
    return GraphError(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def invalid_user(key: str) -> GraphError:
    return GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")


def user_not_found(key: str) -> GraphError:
    return GraphError(
        404, "Request_ResourceNotFound",
        f"Resource '{key}' does not exist or one of its queried reference-property objects are "
        "not present.",
    )


def mailbox_not_enabled() -> GraphError:
    return GraphError(
        404, "MailboxNotEnabledForRESTAPI",
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    )


def sync_state_not_found(location: str | None = None) -> GraphError:
    headers = {"Location": location} if location else {}
    return GraphError(
        410, "SyncStateNotFound",
        "The sync state generation is not found. Please restart the synchronization.",
        headers,
    )


def error_response(error: GraphError, request: Request | None = None) -> Response:
    request_id = str(uuid.uuid4())
    client_request_id = (request.header("client-request-id") if request else None) or request_id
    body = {
        "error": {
            "code": error.code,
            "message": error.message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id,
            },
        }
    }
    headers = {"request-id": request_id, "client-request-id": client_request_id, **error.headers}
    return Response.json(body, status=error.status, headers=headers)
