"""A small threaded HTTP/1.1 server that dispatches to protocol front ends.

Each front end (identity, Graph, EWS, the control API) is an ``App``: it
claims the requests whose path it serves and answers them. The server keeps
connections alive (NTLM authenticates a connection, not a request) and gives
each connection a ``state`` dict that lives as long as the socket, where an
app may keep its per-connection handshake.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)

_HANDSHAKE_SECONDS = 30.0  # a client that never finishes its TLS handshake is let go
_LINGER_RESET = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # struct linger {l_onoff=1, l_linger=0}


@dataclass
class Request:
    method: str
    target: str  # the raw request target, e.g. "/v1.0/users?$top=5"
    path: str  # decoded path without the query
    query: dict[str, str]  # last value wins, as Graph treats repeated options as an error anyway
    headers: dict[str, str]  # lower-case names
    body: bytes
    connection: dict[str, Any]  # per-connection state, kept while the socket is open
    base_url: str  # "https://127.0.0.1:PORT"

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Fault injection hooks: close the socket instead of answering / after part of the body.
    reset: bool = False
    truncate_at: int | None = None

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        hdrs = {"Content-Type": "application/json; charset=utf-8"}
        hdrs.update(headers or {})
        return cls(status=status, body=body, headers=hdrs)

    @classmethod
    def xml(cls, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        hdrs = {"Content-Type": "text/xml; charset=utf-8"}
        hdrs.update(headers or {})
        return cls(status=status, body=body, headers=hdrs)


class App(Protocol):
    """A protocol front end."""

    def handles(self, request: Request) -> bool: ...

    def __call__(self, request: Request) -> Response: ...


Middleware = Callable[[Request, Callable[[Request], Response]], Response]


class EmulatorServer:
    """Serves a list of apps over HTTP(S) on a background thread."""

    def __init__(
        self,
        apps: Iterable[App],
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        middleware: Iterable[Middleware] = (),
    ) -> None:
        self.apps = list(apps)
        self.middleware = list(middleware)
        self._httpd = _Server((host, port), _make_handler(self))
        if ssl_context is not None:
            # The TLS handshake is made in each connection's own thread (see
            # Handler.setup), not in the one thread that accepts connections.
            self._httpd.socket = ssl_context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.scheme = "https" if ssl_context is not None else "http"
        self.host = host
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def dispatch(self, request: Request) -> Response:
        def route(req: Request) -> Response:
            for app in self.apps:
                if app.handles(req):
                    return app(req)
            return Response.json(
                {"error": {"code": "BadRequest", "message": f"Resource not found for the segment '{req.path}'."}},
                status=404,
            )

        handler: Callable[[Request], Response] = route
        for mw in reversed(self.middleware):
            handler = _bind(mw, handler)
        return handler(request)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="emulator-http", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _bind(mw: Middleware, nxt: Callable[[Request], Response]) -> Callable[[Request], Response]:
    return lambda req: mw(req, nxt)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response are normal under fault injection.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


def _make_handler(server: EmulatorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Microsoft-IIS/10.0"
        sys_version = ""
        # Headers and body leave in two writes: without TCP_NODELAY the body
        # waits for the client's delayed acknowledgement (about 40 ms a reply).
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            self.connection_state: dict[str, Any] = {}
            if isinstance(self.connection, ssl.SSLSocket):
                self.connection.settimeout(_HANDSHAKE_SECONDS)
                self.connection.do_handshake()
                self.connection.settimeout(None)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            if log.isEnabledFor(logging.DEBUG):  # a line per request: not formatted for nothing
                log.debug("%s - %s", self.address_string(), format % args)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            from urllib.parse import unquote

            request = Request(
                method=self.command,
                target=self.path,
                path=unquote(parts.path),
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                connection=self.connection_state,
                base_url=server.base_url,
            )
            try:
                response = server.dispatch(request)
            except Exception:
                log.exception("emulator failed on %s %s", self.command, self.path)
                response = Response.json(
                    {"error": {"code": "InternalServerError", "message": "The emulator failed."}},
                    status=500,
                )
            self._write(response)

        def _write(self, response: Response) -> None:
            if response.reset:
                self._reset()
                return
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if response.truncate_at is not None:
                self.wfile.write(response.body[: response.truncate_at])
                self.wfile.flush()
                self._reset()
                return
            self.wfile.write(response.body)

        def _reset(self) -> None:
            self.close_connection = True
            # SO_LINGER with a zero timeout: closing sends a reset, not a clean FIN.
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    return Handler
