"""What the Graph source needs to know, independent of how the configuration is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from outlook_connector.config import Secret
from outlook_connector.dates import parse_date

DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_LOGIN_URL = "https://login.microsoftonline.com"

# Sign-in hosts of Microsoft's clouds. MSAL validates an authority on these
# through instance discovery; any other host (a private emulator, a test
# server) has nothing to discover and is taken as given.
KNOWN_LOGIN_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoft.com",
        "login.windows.net",
        "sts.windows.net",
        "login.microsoftonline.us",
        "login.usgovcloudapi.net",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    }
)

# Graph's hosts in Microsoft's clouds; each is also the resource the token is
# asked for. Any other host (a proxy, an emulator) serves the global service's
# API, so its tokens are asked for the global resource.
KNOWN_GRAPH_HOSTS = frozenset(
    {
        "graph.microsoft.com",
        "graph.microsoft.us",
        "dod-graph.microsoft.us",
        "microsoftgraph.chinacloudapi.cn",
    }
)
GLOBAL_GRAPH_RESOURCE = "https://graph.microsoft.com"


@dataclass(frozen=True)
class GraphSettings:
    tenant_id: str
    client_id: str
    client_secret: Secret | str | None = field(default=None, repr=False)
    client_certificate: str | None = None  # path of the certificate PEM
    client_certificate_key: str | None = None  # path of the private key PEM
    graph_url: str = DEFAULT_GRAPH_URL
    login_url: str = DEFAULT_LOGIN_URL
    ssl_ca: str | None = field(default=None, repr=False)  # PEM text, trusted besides the system
    mailboxes: tuple[str, ...] | None = None
    request_timeout: float = 60.0
    page_size: int = 100
    # Outlook allows 4 concurrent requests per app and mailbox.
    requests_per_mailbox: int = 4
    # Retries of one request on throttling and transient failures, and the
    # longest single wait; past them the request fails.
    max_retries: int = 8
    max_retry_wait: float = 300.0
    # Attachments bigger than this are not downloaded (Graph allows 150 MB).
    max_attachment_size: int = 150 * 1024 * 1024
    # Mails received before this are not asked for at all (an advanced sync rule).
    received_after: datetime | None = None
    # Type labels to sync (an advanced sync rule); empty: all. Other kinds are never read.
    object_types: tuple[str, ...] = ()
    # The ``folders`` rule's entries (an advanced sync rule); empty: the default mail folders.
    folders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.client_secret, str):
            object.__setattr__(self, "client_secret", Secret(self.client_secret))
        if self.mailboxes is not None:
            object.__setattr__(self, "mailboxes", tuple(self.mailboxes))
        object.__setattr__(self, "graph_url", self.graph_url.rstrip("/"))
        object.__setattr__(self, "login_url", self.login_url.rstrip("/"))

    @classmethod
    def from_config(cls, config: Any) -> GraphSettings:
        """Read the connector configuration's attributes (missing ones keep their defaults)."""
        names = (
            "tenant_id",
            "client_id",
            "client_secret",
            "client_certificate",
            "client_certificate_key",
            "graph_url",
            "login_url",
            "ssl_ca",
            "mailboxes",
            "request_timeout",
            "page_size",
            "max_attachment_size",
        )
        values = {n: getattr(config, n) for n in names if getattr(config, n, None) is not None}
        after = getattr(getattr(config, "advanced_rules", None), "received_after", None)
        if after:
            values["received_after"] = parse_date(str(after))
        types = getattr(getattr(config, "advanced_rules", None), "object_types", None)
        if types:
            values["object_types"] = tuple(types)
        folders = getattr(getattr(config, "advanced_rules", None), "folders", None)
        if folders:
            values["folders"] = tuple(folders)
        return cls(**values)

    @property
    def authority(self) -> str:
        return f"{self.login_url}/{self.tenant_id}"

    @property
    def graph_root(self) -> str:
        """Scheme and host: https://graph.microsoft.us/v1.0 → https://graph.microsoft.us."""
        parts = urlsplit(self.graph_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def scope(self) -> str:
        host = (urlsplit(self.graph_url).hostname or "").lower()
        resource = self.graph_root if host in KNOWN_GRAPH_HOSTS else GLOBAL_GRAPH_RESOURCE
        return f"{resource}/.default"

    @property
    def is_known_cloud(self) -> bool:
        return (urlsplit(self.login_url).hostname or "").lower() in KNOWN_LOGIN_HOSTS
