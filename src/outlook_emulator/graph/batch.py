"""JSON batching: ``POST /v1.0/$batch`` ("Combine multiple requests in one HTTP
call using JSON batching", learn.microsoft.com/graph/json-batching).

At most 20 requests, each ``{id, method, url, headers?, body?, dependsOn?}`` with
a URL relative to the version root. Each answers ``{id, status, headers, body}``.
A request whose dependency failed answers 424 Failed Dependency; requests run
in an order that honours ``dependsOn``. Sub-requests share the batch's token.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from outlook_emulator.graph import errors
from outlook_emulator.http import Request, Response

MAX_REQUESTS = 20


def _parse(request: Request) -> list[dict[str, Any]]:
    try:
        payload = request.json()
    except ValueError as exc:
        raise errors.bad_request("Invalid batch payload format.") from exc
    items = payload.get("requests") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise errors.bad_request("Invalid batch payload format.")
    if len(items) > MAX_REQUESTS:
        raise errors.bad_request(
            f"The number of requests in the batch ({len(items)}) exceeds the limit of "
            f"{MAX_REQUESTS}."
        )
    ids = [str(i.get("id", "")) if isinstance(i, dict) else "" for i in items]
    if "" in ids or len(set(ids)) != len(ids):
        raise errors.bad_request("Batch requests need unique, non-empty ids.")
    for item in items:
        if not item.get("method") or not isinstance(item.get("url"), str):
            raise errors.bad_request("Each batch request needs a method and a url.")
        for dep in _depends_on(item):
            if dep not in ids:
                raise errors.bad_request(f"The dependsOn id '{dep}' is not in this batch.")
    return items


def _depends_on(item: dict[str, Any]) -> list[str]:
    value = item.get("dependsOn") or []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Listed order, moving a request after those it depends on; cycles are an error."""
    by_id = {str(i["id"]): i for i in items}
    done: list[dict[str, Any]] = []
    state: dict[str, str] = {}

    def visit(key: str) -> None:
        if state.get(key) == "done":
            return
        if state.get(key) == "visiting":
            raise errors.bad_request("The dependsOn chain of the batch has a cycle.")
        state[key] = "visiting"
        for dep in _depends_on(by_id[key]):
            visit(dep)
        state[key] = "done"
        done.append(by_id[key])

    for item in items:
        visit(str(item["id"]))
    return done


def _sub_request(outer: Request, item: dict[str, Any]) -> Request:
    url = item["url"] if item["url"].startswith("/") else "/" + item["url"]
    parts = urlsplit(url)
    headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
    body = item.get("body")
    raw = json.dumps(body).encode() if body is not None else b""
    return Request(
        method=str(item["method"]).upper(), target="/v1.0" + url,
        path="/v1.0" + unquote(parts.path),
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers, body=raw, connection=outer.connection, base_url=outer.base_url,
    )


def _answer(item_id: str, response: Response) -> dict[str, Any]:
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    content_type = headers.get("Content-Type", "")
    body: Any = None
    if response.body:
        if content_type.startswith("application/json"):
            body = json.loads(response.body)
        else:  # binary content travels base64-encoded
            body = base64.b64encode(response.body).decode("ascii")
    out: dict[str, Any] = {"id": item_id, "status": response.status, "headers": headers}
    if body is not None:
        out["body"] = body
    return out


def execute(request: Request, handle: Callable[[Request], Response]) -> Response:
    try:
        if request.method != "POST":
            raise errors.GraphError(405, "BadRequest", "$batch accepts POST only.")
        items = _order(_parse(request))
    except errors.GraphError as exc:
        return errors.error_response(exc, request)
    statuses: dict[str, int] = {}
    responses = []
    for item in items:
        item_id = str(item["id"])
        if any(statuses.get(d, 0) >= 400 for d in _depends_on(item)):
            failed = errors.GraphError(
                424, "FailedDependency", "A dependency of this request failed."
            )
            response = errors.error_response(failed, request)
        else:
            response = handle(_sub_request(request, item))
        statuses[item_id] = response.status
        responses.append(_answer(item_id, response))
    return Response.json({"responses": responses}, headers={"OData-Version": "4.0"})
