"""The network ceiling of an Exchange Online sync: a minimal client that only downloads.

It makes the requests the connector's Graph source makes for a full sync, in
the same shape — the same ``$select`` lists (imported from the source, so
they cannot drift), the same ``Prefer`` headers and page size, the same
number of mailboxes at once and at most 4 requests at once per mailbox — and
parses every reply, but maps nothing and stores nothing:

- ``/users``; per mailbox the well-known mail folders, contact folders,
  calendars and To Do lists;
- every page of each mail folder's, contact folder's and task list's delta,
  each calendar's event-id listing and events;
- for each item with attachments, its attachment listing and each
  attachment's ``$value``.

Run on its own against a served tenant:

    python bench/graph_download.py --config outlook.toml
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from outlook_connector.documents import MAIL_FOLDER_TYPES
from outlook_connector.sources.graph.changes import ID_PAGE_SIZE
from outlook_connector.sources.graph.client import PREFER_IMMUTABLE_IDS, PREFER_TEXT_BODY
from outlook_connector.sources.graph.directory import USER_FIELDS
from outlook_connector.sources.graph.mapping import (
    ATTACHMENT_FIELDS,
    CONTACT_FIELDS,
    EVENT_FIELDS,
    MESSAGE_FIELDS,
    TASK_FIELDS,
)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass
class Tally:
    requests: int = 0
    items: int = 0
    attachments: int = 0
    bytes: int = 0
    retries: int = 0  # requests sent again after a dropped connection
    by_kind: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, items: int = 0, size: int = 0, attachments: int = 0) -> None:
        with self.lock:
            self.requests += 1
            self.items += items
            self.attachments += attachments
            self.bytes += size
            self.by_kind[kind] += 1


def seg(value: str) -> str:
    return quote(value, safe="=@")


class Downloader:
    def __init__(
        self,
        graph_url: str,
        login_url: str,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        ca: str,
        *,
        page_size: int = 100,
        mailboxes_at_once: int = 4,
        per_mailbox: int = 4,
        sequential_attachments: bool = False,
    ) -> None:
        """``sequential_attachments``: list attachments 4 at a time but fetch their
        content one at a time after the page, as the connector does today."""
        self.sequential_attachments = sequential_attachments
        self.graph = graph_url.rstrip("/")
        self.page_size = page_size
        self.mailboxes_at_once = mailboxes_at_once
        self.per_mailbox = per_mailbox
        self.http = httpx.Client(verify=ca, timeout=120, trust_env=False,
                                 headers={"Accept": "application/json"})
        token = self.http.post(
            f"{login_url.rstrip('/')}/{tenant_id}/oauth2/v2.0/token",
            data={"grant_type": "client_credentials", "client_id": client_id,
                  "client_secret": client_secret, "scope": GRAPH_SCOPE},
        )
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        self.tally = Tally()

    def close(self) -> None:
        self.http.close()

    # -- requests ------------------------------------------------------------------

    def get(self, kind: str, url: str, params: dict[str, str] | None = None,
            prefer: list[str] | None = None, *, missing_ok: bool = False) -> dict[str, Any]:
        if "://" not in url:
            url = f"{self.graph}/{url}"
        headers = {"Prefer": ", ".join([PREFER_IMMUTABLE_IDS, *(prefer or [])])}
        while True:
            response = self.send(url, params, headers)
            if response.status_code == 429:  # not expected unthrottled; honour it anyway
                time.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            break
        if missing_ok and response.status_code == 404:
            self.tally.add(kind)
            return {}
        response.raise_for_status()
        body = response.json()
        self.tally.add(kind, len(body.get("value") or []), len(response.content))
        return dict(body)

    def send(self, url: str, params: dict[str, str] | None,
             headers: dict[str, str]) -> httpx.Response:
        """A GET, sent again after a dropped connection (as the connector's client does)."""
        for attempt in range(4):
            try:
                return self.http.get(url, params=params, headers=headers)
            except httpx.TransportError:
                if attempt == 3:
                    raise
                with self.tally.lock:
                    self.tally.retries += 1
        raise AssertionError("unreachable")

    def download(self, url: str) -> None:
        response = self.send(f"{self.graph}/{url}", None, {"Prefer": PREFER_IMMUTABLE_IDS})
        response.raise_for_status()
        self.tally.add("attachment $value", size=len(response.content), attachments=1)

    def pages(self, kind: str, url: str, params: dict[str, str] | None,
              prefer: list[str] | None = None) -> list[dict[str, Any]]:
        out = []
        while url:
            body = self.get(kind, url, params, prefer)
            out.append(body)
            url = body.get("@odata.nextLink") or ""
            params = None
        return out

    # -- the walk ------------------------------------------------------------------

    def run(self) -> Tally:
        users = [u for body in self.pages("users", "users", {"$select": USER_FIELDS, "$top": "999"})
                 for u in body.get("value") or [] if u.get("mail")]
        with ThreadPoolExecutor(self.mailboxes_at_once) as pool:
            list(pool.map(self.mailbox, users))
        return self.tally

    def mailbox(self, user: dict[str, Any]) -> None:
        base = f"users/{seg(user['id'])}"
        text = [PREFER_TEXT_BODY, f"odata.maxpagesize={self.page_size}"]
        with ThreadPoolExecutor(self.per_mailbox) as side:
            for name in MAIL_FOLDER_TYPES:
                folder = self.get("folder", f"{base}/mailFolders/{name}",
                                  {"$select": "id,displayName"}, missing_ok=True)
                if folder.get("id"):
                    self.delta(side, base, f"{base}/mailFolders/{seg(folder['id'])}/messages/delta",
                               MESSAGE_FIELDS, text, "messages")
            folders = self.get("folder", f"{base}/contactFolders",
                               {"$select": "id,displayName,parentFolderId"}).get("value") or []
            first = self.get("folder", f"{base}/contacts",
                             {"$select": "id,parentFolderId", "$top": "1"}).get("value") or []
            ids = {f["id"] for f in folders} | {c.get("parentFolderId") for c in first} - {None}
            for folder_id in ids:
                self.delta(side, base, f"{base}/contactFolders/{seg(folder_id)}/contacts/delta",
                           CONTACT_FIELDS, text, None)
            calendars = self.get("folder", f"{base}/calendars",
                                 {"$select": "id,name,isDefaultCalendar"}).get("value") or []
            for calendar in calendars:
                events = f"{base}/calendars/{seg(calendar['id'])}/events"
                self.pages("event ids", events,
                           {"$select": "id,createdDateTime", "$top": str(ID_PAGE_SIZE)})
                for body in self.pages("events", events,
                                       {"$select": EVENT_FIELDS, "$top": str(self.page_size)},
                                       [PREFER_TEXT_BODY, 'outlook.timezone="UTC"']):
                    self.attachments(side, [f"{base}/events/{seg(e['id'])}"
                                            for e in body.get("value") or []
                                            if e.get("hasAttachments")], True)
            lists = self.get("folder", f"{base}/todo/lists",
                             {"$select": "id,displayName,wellknownListName"}).get("value") or []
            for task_list in lists:
                if task_list.get("wellknownListName") == "flaggedEmails":
                    continue
                tasks = f"{base}/todo/lists/{seg(task_list['id'])}/tasks"
                self.delta(side, tasks, f"{tasks}/delta", TASK_FIELDS, text, "tasks")

    def delta(self, side: ThreadPoolExecutor, base: str, url: str, fields: str,
              prefer: list[str], parents: str | None) -> None:
        params: dict[str, str] | None = {"$select": fields}
        while url:
            body = self.get("delta", url, params, prefer)
            params = None
            if parents:
                self.attachments(side, [f"{base}/{parents}/{seg(i['id'])}"
                                        for i in body.get("value") or []
                                        if i.get("hasAttachments")], parents != "tasks")
            url = body.get("@odata.nextLink") or ""

    def attachments(self, side: ThreadPoolExecutor, parents: list[str], select: bool) -> None:
        def one(parent: str) -> list[str]:
            listing = self.get("attachment list", f"{parent}/attachments",
                               {"$select": ATTACHMENT_FIELDS} if select else None)
            urls = [f"{parent}/attachments/{seg(a['id'])}/$value"
                    for a in listing.get("value") or [] if a.get("id")]
            if not self.sequential_attachments:
                for url in urls:
                    self.download(url)
            return urls

        listed = list(side.map(one, parents))
        if self.sequential_attachments:
            for urls in listed:
                for url in urls:
                    self.download(url)


def from_config(path: Path, **kwargs: Any) -> Downloader:
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    return Downloader(config["graph_url"], config["login_url"], config["tenant_id"],
                      config["client_id"], config["client_secret"], config["ssl_ca"],
                      page_size=int(config.get("page_size", 100)),
                      mailboxes_at_once=int(config.get("max_concurrent_mailboxes", 4)), **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, required=True,
                        help="a connector configuration (outlook_cloud) naming the served tenant")
    parser.add_argument("--sequential-attachments", action="store_true",
                        help="fetch attachment content one at a time after each page, "
                             "as the connector does")
    args = parser.parse_args()
    downloader = from_config(args.config, sequential_attachments=args.sequential_attachments)
    started = time.perf_counter()
    tally = downloader.run()
    wall = time.perf_counter() - started
    downloader.close()
    print(json.dumps({"seconds": round(wall, 2), "requests": tally.requests, "items": tally.items,
                      "attachments": tally.attachments, "bytes": tally.bytes,
                      "retries": tally.retries, "by_kind": dict(tally.by_kind)}))


if __name__ == "__main__":
    main()
