"""`outlook-emulator serve`: Exchange Online (identity + Graph) and Exchange Server (EWS).

Loads a tenant folder, makes a throwaway CA and server certificate, serves
HTTPS on one port, and prints one JSON line when it listens:

    {"graph_url": "https://H:P/v1.0", "login_url": "https://H:P", "ca_cert": "PATH",
     "ews_url": "https://H:P/EWS/Exchange.asmx", "tenant_id": "..."}

Requests pass the fault injector first (outlook_emulator.faults): Microsoft's
documented Outlook limits per mailbox (unless ``--no-throttling``) and, when
asked through ``PUT /_emulator/faults``, injected faults drawn from ``--fault-seed``.

It runs until SIGINT or SIGTERM, then removes the certificate files and exits 0.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
import tomllib
from pathlib import Path

from outlook_emulator.certs import create_server_certificates
from outlook_emulator.control import ControlApp
from outlook_emulator.ews.app import EwsApp
from outlook_emulator.faults import FaultInjector, FaultRates, Limits
from outlook_emulator.graph import GraphApp
from outlook_emulator.http import App, EmulatorServer
from outlook_emulator.identity import IdentityApp, TokenService
from outlook_emulator.identity.tokens import DEFAULT_LIFETIME
from outlook_emulator.stop_signals import StopRequest
from outlook_emulator.tenant.model import Tenant

log = logging.getLogger(__name__)

EXIT_BAD_TENANT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant", required=True, type=Path, help="the tenant folder to serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=DEFAULT_LIFETIME,
        metavar="SECONDS",
        help=f"lifetime of issued access tokens (default {DEFAULT_LIFETIME})",
    )
    parser.add_argument(
        "--faults", type=_fault_rates, default=FaultRates(), metavar="JSON",
        help='fraction of requests that get each fault, e.g. \'{"throttle": 0.2, "server_error": '
        '0.05, "reset": 0.02, "slow": 0.05, "truncate": 0.01, "gone": 0.01, "token_expiry": '
        '0.01}\' (also settable while running: PUT /_emulator/faults)',
    )
    parser.add_argument(
        "--seed", "--fault-seed", dest="fault_seed", type=int, default=None, metavar="N",
        help="seed for injected faults, so a faulty run can be repeated",
    )
    parser.add_argument(
        "--no-throttling", action="store_true",
        help="do not enforce Graph's per-mailbox concurrency and request-rate limits",
    )
    parser.add_argument(
        "--graph-concurrency", type=int, default=Limits.graph_concurrency, metavar="N",
        help="concurrent Graph requests per application and mailbox (default: Graph's 4)",
    )
    parser.add_argument(
        "--graph-requests", type=int, default=Limits.graph_requests, metavar="N",
        help="Graph requests per application and mailbox per window (default: Graph's 10000)",
    )
    parser.add_argument(
        "--graph-window", type=float, default=Limits.graph_window_seconds, metavar="SECONDS",
        help="length of the request-rate window (default: Graph's 600 s)",
    )
    parser.add_argument(
        "--ews-concurrency", type=int, default=Limits.ews_concurrency, metavar="N",
        help="concurrent EWS requests per mailbox before ErrorServerBusy (default: unlimited)",
    )


def _fault_rates(text: str) -> FaultRates:
    try:
        return FaultRates.from_json(json.loads(text))
    except (ValueError, TypeError, AttributeError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_apps(tenant: Tenant, tokens: TokenService) -> list[App]:
    """The front ends in the order they are asked whether they serve a request."""
    return [ControlApp(tenant), IdentityApp(tenant, tokens), GraphApp(tenant, tokens),
            EwsApp(tenant)]


def load(path: Path) -> Tenant:
    """Load the tenant folder; ValueError with a readable reason when it cannot be."""
    if not path.is_dir():
        raise ValueError(f"tenant folder {path} does not exist or is not a folder")
    if not (path / "tenant.toml").is_file():
        raise ValueError(f"tenant folder {path} has no tenant.toml")
    from outlook_emulator.tenant.loader import load_tenant

    try:
        return load_tenant(path)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path / 'tenant.toml'} is not valid TOML: {exc}") from exc
    except (OSError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot load tenant folder {path}: {exc}") from exc


def command(args: argparse.Namespace) -> int:
    try:
        tenant = load(args.tenant)
    except ValueError as exc:
        print(f"outlook-emulator: {exc}", file=sys.stderr)
        return EXIT_BAD_TENANT
    # The loaded tenant lives as long as the process: keep the garbage collector from
    # walking its (possibly millions of) objects on every collection while serving.
    gc.freeze()
    certs = create_server_certificates(args.host)
    try:
        tokens = TokenService(tenant.tenant_id, lifetime=args.token_lifetime)
        server = EmulatorServer(
            build_apps(tenant, tokens), host=args.host, port=args.port,
            ssl_context=certs.ssl_context(), middleware=[_fault_injector(args)],
        )
        _serve(server, tenant, str(certs.ca_cert))
    finally:
        certs.remove()
    return 0


def _fault_injector(args: argparse.Namespace) -> FaultInjector:
    limits = Limits(
        graph_concurrency=args.graph_concurrency,
        graph_requests=args.graph_requests,
        graph_window_seconds=args.graph_window,
        ews_concurrency=args.ews_concurrency,
    )
    if args.no_throttling:
        limits = Limits(graph_concurrency=0, graph_requests=2**62, ews_concurrency=0)
    return FaultInjector(rates=args.faults, limits=limits, seed=args.fault_seed)


def _serve(server: EmulatorServer, tenant: Tenant, ca_cert: str) -> None:
    with StopRequest() as stop:
        server.start()
        try:
            base = server.base_url
            ready = {
                "graph_url": f"{base}/v1.0",
                "login_url": base,
                "ca_cert": ca_cert,
                "ews_url": f"{base}/EWS/Exchange.asmx",
                "tenant_id": tenant.tenant_id,
            }
            print(json.dumps(ready), flush=True)
            log.info("serving tenant %s at %s", tenant.domain, base)
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
