"""CPU time of one EWS request through each layer of the EWS source's HTTP stack.

The same SyncFolderItems request (one change at most, so the answer is tiny
and what is measured is the cost of a request, not of its items) is sent
again and again through:

- ``source``: the source's own path, ``SyncPage`` through ``EwsConnection.call``
  (exchangelib's service layer, requests, the source's NTLM and TLS adapter);
- ``requests``: the bytes of that request posted on the source's requests
  session (signed in with NTLM), the answer read;
- ``urllib3``: the same bytes through a urllib3 pool (Basic sign-in);
- ``http.client``: the same bytes on one standard-library connection (Basic).

Each figure is this process's CPU time per request, over ``--requests``
requests after one unmeasured one, for ``--rounds`` rounds in alternation
(the machine is shared and noisy: compare figures of the same run).

    python bench/ews_request_cost.py --requests 400 --rounds 3
"""

from __future__ import annotations

import argparse
import base64
import http.client
import ssl
import sys
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import urlsplit

import benchlib as bl
import urllib3
from exchangelib.properties import FolderId

from outlook_connector.config import load_config
from outlook_connector.sources.ews.services import SyncPage
from outlook_connector.sources.ews.source import EwsSource

API_VERSION = "Exchange2013_SP1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = bl.tenant(2, 200, 1)
    info = bl.tenant_info(folder)
    with bl.Emulator(folder, "--no-throttling") as emu, TemporaryDirectory() as work:
        config = bl.server_config(
            Path(work) / "outlook.toml", emu, info, Path(work) / "index.db", ""
        )
        source = EwsSource.from_config(load_config(config))
        try:
            senders = _senders(source, emu.info["ca_cert"], info)
            figures: dict[str, list[float]] = {name: [] for name in senders}
            for _ in range(args.rounds):
                for name, send in senders.items():
                    figures[name].append(_cpu_per_call(send, args.requests))
        finally:
            source.close()
    print(f"machine: {bl.machine()}")
    print(f"CPU time per request, µs ({args.requests} requests a round):")
    for name, values in figures.items():
        print(f"  {name:12s} " + "  ".join(f"{v * 1e6:6.0f}" for v in values))
    return 0


def _senders(source: EwsSource, ca_cert: str, info: bl.TenantInfo) -> dict[str, Callable[[], None]]:
    mailbox = next(iter(source.mailboxes()))
    collection = next(c for c in source.collections(mailbox) if c.key.startswith("tasks:"))
    reader = source.reader
    account = reader.connection.account(mailbox.address)
    folder = FolderId(id=collection.remote_id)
    service = SyncPage(account=account)
    payload = service.get_payload(
        folder=folder,
        shape="IdOnly",
        additional_fields=None,
        sync_state=None,
        ignore=None,
        max_changes_returned=1,
        sync_scope="NormalItems",
    )
    body = service.wrap(payload, api_version=API_VERSION)
    protocol = account.protocol
    url = urlsplit(protocol.service_endpoint)
    headers = {"Content-Type": "text/xml; charset=utf-8", "X-AnchorMailbox": mailbox.address}
    signed = f"{info.service_user}@{info.domain}:{info.service_password}".encode()
    basic = dict(headers, Authorization="Basic " + base64.b64encode(signed).decode())
    context = ssl.create_default_context(cafile=ca_cert)
    pool = urllib3.HTTPSConnectionPool(url.hostname, url.port, ssl_context=context, maxsize=1)
    connection = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=30)

    def through_source() -> None:
        reader.connection.call(lambda: SyncPage(account=account).page(folder, None, 1))

    def through_requests() -> None:
        session = protocol.get_session()
        try:
            answer = session.post(
                protocol.service_endpoint,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=30,
            )
            _check(answer.status_code, answer.content)
        finally:
            protocol.release_session(session)

    def through_urllib3() -> None:
        answer = pool.urlopen("POST", url.path, body=body, headers=basic, retries=False)
        _check(answer.status, answer.data)

    def through_http_client() -> None:
        connection.request("POST", url.path, body=body, headers=basic)
        answer = connection.getresponse()
        _check(answer.status, answer.read())

    return {
        "source": through_source,
        "requests": through_requests,
        "urllib3": through_urllib3,
        "http.client": through_http_client,
    }


def _check(status: int, content: bytes) -> None:
    if status != 200 or b"NoError" not in content:
        raise SystemExit(f"unexpected answer: HTTP {status}: {content[:300]!r}")


def _cpu_per_call(call: Callable[[], None], count: int) -> float:
    call()  # connection opened and signed in outside the measurement
    started = time.process_time()
    for _ in range(count):
        call()
    return (time.process_time() - started) / count


if __name__ == "__main__":
    sys.exit(main())
