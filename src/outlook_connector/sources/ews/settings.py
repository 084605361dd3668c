"""What the Exchange Server source needs from the configuration, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from outlook_connector.config import Secret
from outlook_connector.dates import parse_date

EWS_PATH = "/EWS/Exchange.asmx"
# SyncFolderItems accepts at most 512 changes per call (MaxChangesReturned).
MAX_SYNC_PAGE = 512


@dataclass(frozen=True)
class EwsSettings:
    exchange_server: str  # host, host:port or a full EWS URL
    username: str
    password: Secret | str  # a plain string is wrapped on creation
    domain: str = ""
    active_directory_server: str = ""
    ssl_enabled: bool = False
    ssl_ca: str | None = None  # PEM text
    mailboxes: tuple[str, ...] | None = None
    max_concurrent_mailboxes: int = 4
    request_timeout: float = 60.0
    page_size: int = 100
    # NetBIOS name of the domain for NTLM ("CONTOSO"); derived from ``domain`` when not given.
    netbios_domain: str | None = None
    # How long one request may wait in all (throttling and failures) before giving up.
    max_retry_wait: float = 120.0
    # The first wait after a failure the server gave no wait for (then doubling, capped,
    # with jitter); a throttled request waits exactly what the server asked for.
    retry_wait: float = 0.5
    # Mails received outside [received_after, received_before) are not fetched at all
    # (advanced sync rules); SyncFolderItems then lists each mail's received time.
    received_after: datetime | None = None
    received_before: datetime | None = None
    # The ``folders`` rule's entries (an advanced sync rule); empty: the default mail folders.
    folders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.password, str):
            object.__setattr__(self, "password", Secret(self.password))

    @classmethod
    def from_config(cls, config: Any) -> EwsSettings:
        """Read the attributes of the connector's configuration object."""
        password = getattr(config, "password", None)
        reveal = getattr(password, "reveal", None)
        raw = reveal() if callable(reveal) else (password or "")
        mailboxes = getattr(config, "mailboxes", None)
        return cls(
            exchange_server=getattr(config, "exchange_server", None) or "",
            username=getattr(config, "username", None) or "",
            password=Secret(str(raw)),
            domain=getattr(config, "domain", None) or "",
            active_directory_server=getattr(config, "active_directory_server", None) or "",
            ssl_enabled=bool(getattr(config, "ssl_enabled", False)),
            ssl_ca=_pem_text(getattr(config, "ssl_ca", None)),
            mailboxes=tuple(m.strip().lower() for m in mailboxes if m.strip())
            if mailboxes
            else None,
            max_concurrent_mailboxes=int(getattr(config, "max_concurrent_mailboxes", 4) or 4),
            request_timeout=float(getattr(config, "request_timeout", 60.0) or 60.0),
            page_size=int(getattr(config, "page_size", 100) or 100),
            netbios_domain=getattr(config, "netbios_domain", None),
            received_after=_rule_date(config, "received_after"),
            received_before=_rule_date(config, "received_before"),
            folders=tuple(getattr(getattr(config, "advanced_rules", None), "folders", None) or ()),
        )

    @property
    def secret(self) -> str:
        """The password itself, for the one place that sends it."""
        password = self.password
        return password.reveal() if isinstance(password, Secret) else password

    @property
    def service_endpoint(self) -> str:
        return service_endpoint(self.exchange_server)

    @property
    def ntlm_username(self) -> str:
        return ntlm_username(self.username, self.netbios_domain or netbios_name(self.domain))

    @property
    def sync_page_size(self) -> int:
        return max(1, min(self.page_size, MAX_SYNC_PAGE))

    @property
    def has_mail_window(self) -> bool:
        return self.received_after is not None or self.received_before is not None

    def received_in_window(self, received: datetime) -> bool:
        """Whether a mail received then is inside the window (after inclusive, before not)."""
        if self.received_after is not None and received < self.received_after:
            return False
        return self.received_before is None or received < self.received_before


def _rule_date(config: Any, name: str) -> datetime | None:
    """An advanced rule's date (validated with the configuration) as a moment."""
    value = getattr(getattr(config, "advanced_rules", None), name, None)
    return parse_date(str(value)) if value else None


def _pem_text(value: str | None) -> str | None:
    """``ssl_ca`` as PEM text; a configuration that still holds a file path is read."""
    if not value or "-----BEGIN" in value:
        return value or None
    path = Path(value).expanduser()
    if path.is_file():
        return path.read_text(encoding="ascii", errors="replace")
    return value  # not PEM and no file: tls_context says what is wrong with it


def service_endpoint(exchange_server: str) -> str:
    """The EWS URL: a full URL is used as is, a host or host:port gets https and the EWS path."""
    value = exchange_server.strip()
    if not value:
        raise ValueError("exchange_server is empty")
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"exchange_server is not an http(s) URL: {value!r}")
        if parts.path in ("", "/"):
            return f"{parts.scheme}://{parts.netloc}{EWS_PATH}"
        return value
    return f"https://{value.rstrip('/')}{EWS_PATH}"


def netbios_name(dns_domain: str) -> str:
    """The default NetBIOS name of an AD domain: its first DNS label, upper case, 15 characters.

    Active Directory proposes exactly this when a domain is created, and NTLM
    expects the NetBIOS name rather than the DNS name.
    """
    label = dns_domain.strip().split(".", 1)[0]
    return label.upper()[:15]


def ntlm_username(username: str, domain: str) -> str:
    """``DOMAIN\\user`` for NTLM; a name that already says its domain is kept as given."""
    if "\\" in username or "@" in username or not domain:
        return username
    return f"{domain}\\{username}"
