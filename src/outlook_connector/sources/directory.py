"""Active Directory users over LDAP (ldap3): who has a mailbox on Exchange Server.

Exchange Server keeps its recipients in Active Directory, so the mailboxes to
sync are the user objects with a ``mail`` attribute. Disabled accounts are
left out, except shared mailboxes: Exchange creates those as disabled
accounts and marks them with ``msExchRecipientTypeDetails`` = 4.

The search is paged (RFC 2696): Active Directory returns at most MaxPageSize
(1,000 by default) entries per search request, and a reader that does not
page silently loses every user past the first thousand.
"""

from __future__ import annotations

import contextlib
import ssl
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ldap3 import BASE, NONE, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPSocketOpenError, LDAPStartTLSError
from ldap3.utils.conv import escape_filter_chars

from outlook_connector.sources.base import CheckResult, Mailbox

PAGE_SIZE = 500  # well under AD's MaxPageSize of 1,000
PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
ACCOUNTDISABLE = 0x0002  # userAccountControl flag (MS-ADTS 2.2.16)
SHARED_MAILBOX = 4  # msExchRecipientTypeDetails of a shared mailbox

# objectCategory=person is AD's usual way to say "people, not computers", but
# that shorthand is resolved by AD itself; computers are the only other
# objects of class user, so excluding them names the same set on any server.
USER_FILTER = "(&(objectClass=user)(!(objectClass=computer))(mail=*))"
ATTRIBUTES = [
    "mail",
    "displayName",
    "userAccountControl",
    "msExchRecipientTypeDetails",
    "objectGUID",
]
CONNECT_TIMEOUT = 10
RECEIVE_TIMEOUT = 120

# LDAP result codes a bind can end with, and what they mean to a user.
_BIND_FAILURES = {
    8: "the server requires a protected connection for simple binds; enable ssl_enabled",
    13: "the server requires a protected connection for simple binds; enable ssl_enabled",
    32: "the bind account does not exist",
    34: "the username is not in a form the server accepts (try DOMAIN\\user or user@domain)",
    49: "invalid username or password",
    53: "the server refused the bind (account disabled or locked?)",
}


class DirectoryError(Exception):
    """Reading the directory failed; the message names the server, never the password."""


class GroupNotFound(DirectoryError):
    """No group, or more than one, answers to the name a sync rule gives."""


@dataclass(frozen=True)
class DirectoryUser:
    mail: str  # primary SMTP address, lower case
    display_name: str | None
    kind: Literal["user", "shared"]
    id: str | None  # objectGUID, as a GUID string

    def as_mailbox(self) -> Mailbox:
        """The mailbox a source syncs for this user."""
        return Mailbox(
            address=self.mail, display_name=self.display_name, kind=self.kind, id=self.id
        )


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    use_ssl: bool  # LDAPS: TLS from the first byte

    @property
    def label(self) -> str:
        scheme = "ldaps" if self.use_ssl else "ldap"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


def parse_server(server: str) -> Endpoint:
    """``host``, ``host:port``, ``ldap://host[:port]`` or ``ldaps://host[:port]``."""
    text = server.strip()
    if not text:
        raise DirectoryError("active directory server is empty")
    if "://" not in text:
        text = f"ldap://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise DirectoryError(f"active directory server {server!r} is not a valid address") from exc
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
        raise DirectoryError(
            f"active directory server {server!r}: expected host, host:port, ldap:// or ldaps:// URL"
        )
    use_ssl = parts.scheme == "ldaps"
    return Endpoint(parts.hostname, port or (636 if use_ssl else 389), use_ssl)


def base_dn_for(domain: str) -> str:
    """``contoso.example`` → ``DC=contoso,DC=example``."""
    labels = [label for label in domain.strip().strip(".").split(".") if label]
    if not labels:
        raise DirectoryError("domain is empty; it names the directory's base (contoso.example)")
    return ",".join(f"DC={label}" for label in labels)


def bind_name(username: str, domain: str) -> str:
    """The bind name as AD accepts it: DOMAIN\\user, user@domain and DNs as given."""
    name = username.strip()
    if not name:
        raise DirectoryError("username is empty")
    if "\\" in name or "@" in name or "=" in name:
        return name
    return f"{name}@{domain.strip()}"


def list_directory_users(
    server: str,
    username: str,
    password: str,
    domain: str,
    ssl_enabled: bool = False,
    ssl_ca: str | None = None,
    *,
    page_size: int = PAGE_SIZE,
    on_page: Callable[[int], None] | None = None,
) -> Iterator[DirectoryUser]:
    """Every mailbox user in the directory, once each, page by page.

    ``on_page`` is called with the number of entries of each page fetched.
    """
    endpoint = parse_server(server)
    base = base_dn_for(domain)
    conn = _connect(endpoint, bind_name(username, domain), password, ssl_enabled, ssl_ca)
    seen: set[str] = set()
    try:
        for page in _pages(conn, endpoint, base, page_size):
            if on_page is not None:
                on_page(len(page))
            for entry in page:
                user = _user(entry)
                if user is not None and user.mail not in seen:
                    seen.add(user.mail)
                    yield user
    finally:
        _close(conn)


def check_directory(
    server: str,
    username: str,
    password: str,
    domain: str,
    ssl_enabled: bool = False,
    ssl_ca: str | None = None,
) -> CheckResult:
    """Bind and count the mailbox users: one line of ``outlook-connector check``."""
    name = "Active Directory"
    try:
        count = sum(
            1 for _ in list_directory_users(server, username, password, domain, ssl_enabled, ssl_ca)
        )
    except DirectoryError as exc:
        return CheckResult(name, False, str(exc))
    label = parse_server(server).label
    if count == 0:
        return CheckResult(name, False, f"{label}: bind ok, but no enabled user has a mail address")
    return CheckResult(name, True, f"{label}: bind ok, {count} mailbox users")


def group_members(
    server: str,
    username: str,
    password: str,
    domain: str,
    groups: list[str],
    ssl_enabled: bool = False,
    ssl_ca: str | None = None,
) -> dict[str, frozenset[str]]:
    """For each group (cn, sAMAccountName, mail or displayName): its mailbox users' addresses.

    Nested groups are followed here rather than with AD's transitive matching
    rule (LDAP_MATCHING_RULE_IN_CHAIN), which other LDAP servers lack; a group
    met twice (membership loops exist) is read once. Users count as
    ``list_directory_users`` counts them: with a mail address, and enabled
    unless a shared mailbox.
    """
    endpoint = parse_server(server)
    base = base_dn_for(domain)
    conn = _connect(endpoint, bind_name(username, domain), password, ssl_enabled, ssl_ca)
    try:
        return {name: _members_of(conn, endpoint, base, name) for name in groups}
    finally:
        _close(conn)


def _members_of(conn: Connection, endpoint: Endpoint, base: str, name: str) -> frozenset[str]:
    value = escape_filter_chars(name)
    query = (
        f"(&(objectClass=group)(|(cn={value})(sAMAccountName={value})"
        f"(mail={value})(displayName={value})))"
    )
    found = _search(conn, endpoint, base, SUBTREE, query, ["member"])
    if not found:
        raise GroupNotFound(f"group {name!r} not found under {base} (by name or mail)")
    if len(found) > 1:
        raise GroupNotFound(
            f"{len(found)} groups answer to {name!r}: "
            + "; ".join(str(e.get("dn")) for e in found)
        )
    addresses: set[str] = set()
    pending = [found[0]]
    seen = {str(found[0]["dn"]).lower()}
    while pending:
        group = pending.pop()
        for dn in _values(group.get("raw_attributes", {}).get("member")):
            if dn.lower() in seen:
                continue
            seen.add(dn.lower())
            entry = _entry(conn, endpoint, dn)
            if entry is None:
                continue  # a member that no longer exists (or that we may not read)
            classes = {c.lower() for c in _values(entry["raw_attributes"].get("objectClass"))}
            if "group" in classes:
                pending.append(entry)
            elif "user" in classes and "computer" not in classes:
                user = _user(entry)
                if user is not None:
                    addresses.add(user.mail)
    return frozenset(addresses)


def _entry(conn: Connection, endpoint: Endpoint, dn: str) -> dict[str, Any] | None:
    found = _search(
        conn, endpoint, dn, BASE, "(objectClass=*)", ["objectClass", "member", *ATTRIBUTES]
    )
    return found[0] if found else None


def _search(
    conn: Connection, endpoint: Endpoint, base: str, scope: str, query: str, attrs: list[str]
) -> list[dict[str, Any]]:
    try:
        conn.search(base, query, search_scope=scope, attributes=attrs)
    except LDAPException as exc:
        raise DirectoryError(f"{endpoint.label}: search under {base} failed: {exc}") from None
    code = conn.result.get("result")
    if code == 32:  # noSuchObject
        return []
    if code not in (0, None):
        reason = conn.result.get("description") or conn.result.get("message")
        raise DirectoryError(f"{endpoint.label}: search under {base} failed: {reason}")
    return [item for item in conn.response or [] if item.get("type") == "searchResEntry"]


def _values(values: list[bytes] | None) -> list[str]:
    return [v.decode("utf-8", errors="replace") for v in values or []]


def _tls(endpoint: Endpoint, ssl_ca: str | None) -> Tls:
    """Verification against ``ssl_ca`` (PEM text or a file), else the system's CAs."""
    ca_file: str | None = None
    ca_data: str | None = None
    if ssl_ca and ssl_ca.strip():
        if "-----BEGIN" in ssl_ca:
            ca_data = ssl_ca
        elif Path(ssl_ca).is_file():
            ca_file = ssl_ca
        else:
            raise DirectoryError(
                f"{endpoint.label}: ssl_ca is neither PEM text nor a readable file ({ssl_ca!r})"
            )
    return Tls(
        validate=ssl.CERT_REQUIRED,
        ca_certs_file=ca_file,
        ca_certs_data=ca_data,
        sni=endpoint.host,
    )


def _connect(
    endpoint: Endpoint, user: str, password: str, ssl_enabled: bool, ssl_ca: str | None
) -> Connection:
    use_tls = endpoint.use_ssl or ssl_enabled
    server = Server(
        endpoint.host,
        port=endpoint.port,
        use_ssl=endpoint.use_ssl,
        tls=_tls(endpoint, ssl_ca) if use_tls else None,
        get_info=NONE,  # no schema download: it is large and we need none of it
        connect_timeout=CONNECT_TIMEOUT,
    )
    conn = Connection(
        server,
        user=user,
        password=password,
        authentication=SIMPLE,
        auto_referrals=False,  # never follow a referral to another host with our password
        # AD sends a large group's members in ranges (member;range=0-1499); ldap3
        # asks for the rest and merges them into ``member``.
        auto_range=True,
        receive_timeout=RECEIVE_TIMEOUT,
        raise_exceptions=False,
    )
    try:
        conn.open()
        if ssl_enabled and not endpoint.use_ssl:
            _start_tls(conn, endpoint)
        if not conn.bind():
            raise DirectoryError(f"{endpoint.label}: bind as {user!r} failed: {_bind_reason(conn)}")
    except LDAPSocketOpenError as exc:
        _close(conn)
        raise DirectoryError(f"{endpoint.label}: {_open_reason(exc, use_tls)}") from None
    except LDAPException as exc:
        _close(conn)
        raise DirectoryError(f"{endpoint.label}: {type(exc).__name__}: {exc}") from None
    except DirectoryError:
        _close(conn)
        raise
    return conn


def _start_tls(conn: Connection, endpoint: Endpoint) -> None:
    try:
        ok = conn.start_tls()
    except (LDAPStartTLSError, ssl.SSLError) as exc:
        raise DirectoryError(f"{endpoint.label}: StartTLS failed: {_tls_reason(exc)}") from None
    if not ok:
        reason = conn.result.get("description") or conn.result
        raise DirectoryError(f"{endpoint.label}: StartTLS refused by the server: {reason}")


def _open_reason(exc: LDAPSocketOpenError, use_tls: bool) -> str:
    text = str(exc)
    if use_tls and ("SSL" in text or "certificate" in text.lower()):
        return f"TLS handshake failed: {_tls_reason(exc)}"
    return f"cannot connect (server unreachable or not an LDAP server): {text}"


def _tls_reason(exc: Exception) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return f"the server's certificate is not trusted (check ssl_ca): {text}"
    return text


def _bind_reason(conn: Connection) -> str:
    code = conn.result.get("result")
    known = _BIND_FAILURES.get(code) if isinstance(code, int) else None
    detail = conn.result.get("description") or "unknown error"
    return f"{known} ({detail})" if known else str(detail)


def _pages(conn: Connection, endpoint: Endpoint, base: str, page_size: int) -> Iterator[list[Any]]:
    cookie: bytes | None = None
    while True:
        try:
            conn.search(
                base,
                USER_FILTER,
                search_scope=SUBTREE,
                attributes=ATTRIBUTES,
                paged_size=page_size,
                paged_cookie=cookie,
            )
        except LDAPException as exc:
            raise DirectoryError(f"{endpoint.label}: search under {base} failed: {exc}") from None
        if conn.result.get("result") not in (0, None):
            reason = conn.result.get("description") or conn.result.get("message")
            raise DirectoryError(f"{endpoint.label}: search under {base} failed: {reason}")
        yield [item for item in conn.response or [] if item.get("type") == "searchResEntry"]
        control = conn.result.get("controls", {}).get(PAGED_RESULTS_OID, {})
        cookie = control.get("value", {}).get("cookie")
        if not cookie:
            return


def _user(entry: dict[str, Any]) -> DirectoryUser | None:
    raw = entry.get("raw_attributes", {})
    mail = _text(raw.get("mail"))
    if not mail:
        return None
    uac = _int(raw.get("userAccountControl")) or 0
    shared = _int(raw.get("msExchRecipientTypeDetails")) == SHARED_MAILBOX
    if uac & ACCOUNTDISABLE and not shared:
        return None
    return DirectoryUser(
        mail=mail.strip().lower(),
        display_name=_text(raw.get("displayName")),
        kind="shared" if shared else "user",
        id=_guid(raw.get("objectGUID")),
    )


def _text(values: list[bytes] | None) -> str | None:
    if not values:
        return None
    return values[0].decode("utf-8", errors="replace") or None


def _int(values: list[bytes] | None) -> int | None:
    text = _text(values)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _guid(values: list[bytes] | None) -> str | None:
    # AD sends objectGUID as 16 bytes in Microsoft's mixed-endian GUID layout.
    if not values or len(values[0]) != 16:
        return None
    return str(uuid.UUID(bytes_le=bytes(values[0])))


def _close(conn: Connection) -> None:
    with contextlib.suppress(LDAPException):
        conn.unbind()
