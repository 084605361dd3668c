"""Token endpoint error responses as the Microsoft identity platform sends them.

Shape and codes from "Microsoft Entra authentication and authorization error
codes" (learn.microsoft.com/entra/identity-platform/reference-error-codes):
``error``, ``error_description`` ("AADSTSnnnn: text\\r\\nTrace ID: ...\\r\\n
Correlation ID: ...\\r\\nTimestamp: ..."), ``error_codes``, ``timestamp``,
``trace_id``, ``correlation_id`` and ``error_uri``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from outlook_emulator.http import Request, Response


@dataclass(frozen=True)
class AadstsError(Exception):
    status: int
    error: str  # the OAuth 2.0 error code
    code: int  # the AADSTS number
    text: str


def unknown_tenant(tenant: str) -> AadstsError:
    return AadstsError(
        400, "invalid_request", 90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud. Check with your subscription administrator, this "
        "may happen if there are no active subscriptions for the tenant.",
    )


def unknown_client(client_id: str, tenant: str) -> AadstsError:
    return AadstsError(
        400, "unauthorized_client", 700016,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
        "This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You may have sent your "
        "authentication request to the wrong tenant.",
    )


def invalid_secret(client_id: str) -> AadstsError:
    return AadstsError(
        401, "invalid_client", 7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the "
        f"client secret value, not the client secret ID, for a secret added to app '{client_id}'.",
    )


def missing_credential() -> AadstsError:
    return AadstsError(
        401, "invalid_client", 7000218,
        "The request body must contain the following parameter: 'client_assertion' or "
        "'client_secret'.",
    )


def bad_assertion(reason: str) -> AadstsError:
    return AadstsError(401, "invalid_client", 700027, f"Client assertion failed: {reason}")


def unsupported_grant(grant_type: str) -> AadstsError:
    return AadstsError(
        400, "unsupported_grant_type", 70003,
        f"The app requested an unsupported grant type '{grant_type}'.",
    )


def missing_parameter(name: str) -> AadstsError:
    return AadstsError(
        400, "invalid_request", 900144,
        f"The request body must contain the following parameter: '{name}'.",
    )


def invalid_scope(scope: str) -> AadstsError:
    return AadstsError(
        400, "invalid_scope", 1002012,
        f"The provided value for scope {scope} is not valid. Client credential flows must have "
        "a scope value with /.default suffixed to the resource identifier "
        "(application ID URI).",
    )


def unknown_resource(resource: str, tenant: str) -> AadstsError:
    return AadstsError(
        400, "invalid_resource", 500011,
        f"The resource principal named {resource} was not found in the tenant named {tenant}. "
        "This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant.",
    )


def error_response(error: AadstsError, request: Request) -> Response:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    trace_id = str(uuid.uuid4())
    correlation_id = request.header("client-request-id") or str(uuid.uuid4())
    description = (
        f"AADSTS{error.code}: {error.text}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation_id}\r\nTimestamp: {now}"
    )
    body = {
        "error": error.error,
        "error_description": description,
        "error_codes": [error.code],
        "timestamp": now,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{request.base_url}/error?code={error.code}",
    }
    headers = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
    return Response.json(body, status=error.status, headers=headers)
