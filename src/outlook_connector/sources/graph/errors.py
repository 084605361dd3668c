"""Graph's error replies, and what they mean for a sync."""

from __future__ import annotations

from ..base import CursorExpired, MailboxUnavailable, SourceError

# The application permission each kind of Graph resource needs (app-only).
PERMISSIONS = {
    "mail": "Mail.Read",
    "contacts": "Contacts.Read",
    "calendar": "Calendars.Read",
    "tasks": "Tasks.Read.All",
    "users": "User.Read.All",
    "mailboxSettings": "MailboxSettings.Read",
}

# Codes of a delta or sync token the server no longer knows; the collection
# must be enumerated again from the start.
_EXPIRED_CURSOR_CODES = frozenset(
    {"syncstatenotfound", "syncstateinvalid", "resyncrequired", "invaliddeltatoken"}
)

# Codes that say there is no mailbox to read behind a user.
_NO_MAILBOX_CODES = frozenset(
    {
        "mailboxnotenabledforrestapi",
        "mailboxnotsupportedforrestapi",
        "errornonexistentmailbox",
        "errorinvaliduser",
        "resourcenotfound",
        "request_resourcenotfound",
        "errormailboxmoveinprogress",
        "errormailboxstoreunavailable",
    }
)
# Not found: the user, or the folder or item asked for (Graph says ErrorItemNotFound for both).
_NOT_FOUND_CODES = _NO_MAILBOX_CODES | {"erroritemnotfound", "errorfoldernotfound"}


class GraphError(SourceError):
    """An error reply from Graph: HTTP status, Graph's error code and message."""

    def __init__(self, status: int, code: str, message: str, what: str) -> None:
        self.status = status
        self.code = code
        self.graph_message = message
        self.what = what
        text = f"{what}: HTTP {status}"
        if code:
            text += f" {code}"
        if message:
            text += f": {message}"
        super().__init__(text)

    @property
    def is_access_denied(self) -> bool:
        return self.status == 403 or self.code.lower() in {"erroraccessdenied", "accessdenied"}

    @property
    def is_not_found(self) -> bool:
        return self.status == 404

    @property
    def is_expired_cursor(self) -> bool:
        return self.status == 410 or self.code.lower() in _EXPIRED_CURSOR_CODES


def permission_message(kind: str, error: GraphError) -> str:
    permission = PERMISSIONS.get(kind, "a permission")
    return (
        f"access denied: the application needs the {permission} application permission "
        f"(admin consent granted) to read {kind} — {error}"
    )


def for_mailbox(error: GraphError, mailbox: str, kind: str) -> Exception:
    """What an error while reading one mailbox means for the sync."""
    if error.is_expired_cursor:
        return CursorExpired(f"{mailbox}: the {kind} sync token has expired ({error.code or 410})")
    if error.is_access_denied:
        return MailboxUnavailable(f"{mailbox}: {permission_message(kind, error)}")
    if error.is_not_found and error.code.lower() in _NOT_FOUND_CODES:
        return MailboxUnavailable(f"{mailbox}: no mailbox can be read ({error})")
    return error


def is_mailbox_missing(error: GraphError) -> bool:
    """The reply says the user has no mailbox (rather than that a folder is missing)."""
    return error.is_not_found and error.code.lower() in _NO_MAILBOX_CODES
