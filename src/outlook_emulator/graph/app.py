"""Microsoft Graph v1.0 for the emulated tenant, under ``/v1.0``.

Authentication: every request carries ``Authorization: Bearer`` with a token
from the emulator's identity platform; otherwise 401 ``InvalidAuthenticationToken``
("Microsoft Graph error responses", learn.microsoft.com/graph/errors). Each
resource family lives in its own module and checks its own permission.

Middleware given to the app wraps every Graph request, including each
request inside a ``$batch`` (Graph throttles those one by one), so a
throttling middleware can count per mailbox with ``routing.mailbox_key``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from outlook_emulator.graph import (
    attachments,
    batch,
    calendar,
    contacts,
    errors,
    groups,
    mail,
    todo,
    users,
)
from outlook_emulator.graph.context import Call
from outlook_emulator.graph.index import FolderIndex
from outlook_emulator.graph.odata import TokenCodec, parse_prefer, parse_query
from outlook_emulator.graph.routing import Router, normalise
from outlook_emulator.http import Middleware, Request, Response
from outlook_emulator.identity.tokens import GRAPH_APP_ID, AccessToken, TokenRejected, TokenService
from outlook_emulator.tenant.model import Tenant

PREFIX = "/v1.0"


def _router() -> Router:
    router = Router()
    for module in (users, groups, mail, attachments, contacts, calendar, todo):
        for pattern, handler in module.ROUTES:
            router.add(pattern, handler)
    return router


class GraphApp:
    """Serves Graph v1.0 from a tenant."""

    def __init__(
        self, tenant: Tenant, tokens: TokenService, middleware: Iterable[Middleware] = ()
    ) -> None:
        self.tenant = tenant
        self.tokens = tokens
        self.middleware = list(middleware)
        self.router = _router()
        self.index = FolderIndex()
        # Tokens stay valid across restarts of the same tenant, like the ids they name.
        # Keyed by the store instance: links from an earlier run do not verify (410).
        key = f"graph:{tenant.tenant_id}:{tenant.instance}"
        self.codec = TokenCodec(hashlib.sha256(key.encode()).digest())

    def handles(self, request: Request) -> bool:
        return request.path == PREFIX or request.path.startswith(PREFIX + "/")

    def __call__(self, request: Request) -> Response:
        try:
            token = self._authenticate(request)
        except TokenRejected as exc:
            return errors.error_response(_unauthenticated(str(exc)), request)
        if normalise(request.path).lower() == f"{PREFIX}/$batch":
            return batch.execute(request, lambda sub: self.handle(sub, token))
        return self.handle(request, token)

    def handle(self, request: Request, token: AccessToken) -> Response:
        """One Graph request, through the middleware."""
        handler: Callable[[Request], Response] = lambda r: self._dispatch(r, token)  # noqa: E731
        for mw in reversed(self.middleware):
            handler = _bind(mw, handler)
        return handler(request)

    def _authenticate(self, request: Request) -> AccessToken:
        value = request.header("authorization") or ""
        scheme, _, credentials = value.partition(" ")
        if scheme.lower() != "bearer":
            raise TokenRejected("Access token is empty.")
        return self.tokens.validate(credentials.strip())

    def _dispatch(self, request: Request, token: AccessToken) -> Response:
        try:
            if request.method != "GET":
                raise errors.GraphError(
                    405, "Request_BadRequest",
                    "The emulator serves reads only; this method is not supported here.",
                )
            path = normalise(request.path)[len(PREFIX) + 1 :]
            handler, params = self.router.match(path)
            call = Call(
                request=request, token=token, query=parse_query(request.query),
                prefs=parse_prefer([request.header("prefer") or ""]), tenant=self.tenant,
                codec=self.codec, index=self.index,
            )
            if call.prefs.immutable_ids:
                call.prefs.apply('IdType="ImmutableId"')  # ids here never change
            # Read under the lock; encode and write after it is released.
            with self.tenant.lock:
                result: Any = handler(call, **params)
        except errors.GraphError as exc:
            return errors.error_response(exc, request)
        headers = {**_request_ids(request), **call.prefs.header()}
        if isinstance(result, Response):
            result.headers.update(headers)
            return result
        return Response.json(result, headers={"OData-Version": "4.0", **headers})


def _bind(
    mw: Middleware, nxt: Callable[[Request], Response]
) -> Callable[[Request], Response]:
    return lambda req: mw(req, nxt)


def _request_ids(request: Request) -> dict[str, str]:
    """Graph names every answer with a request-id and echoes the client's client-request-id."""
    request_id = str(uuid.uuid4())
    return {"request-id": request_id,
            "client-request-id": request.header("client-request-id") or request_id}


def _unauthenticated(message: str) -> errors.GraphError:
    challenge = (
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/'
        f'oauth2/authorize", client_id="{GRAPH_APP_ID}"'
    )
    return errors.GraphError(
        401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": challenge}
    )
