"""What a Graph handler gets to see about the request it answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from outlook_emulator.graph import errors
from outlook_emulator.graph.index import FolderIndex
from outlook_emulator.graph.odata import Preferences, Query, TokenCodec, link, select_fields
from outlook_emulator.http import Request
from outlook_emulator.identity.tokens import AccessToken
from outlook_emulator.tenant.model import Folder, Mailbox, Tenant, User

# Read permissions are also granted by their ReadWrite counterparts.
_IMPLIED = {
    "Mail.Read": ("Mail.ReadWrite",),
    "Contacts.Read": ("Contacts.ReadWrite",),
    "Calendars.Read": ("Calendars.ReadWrite",),
    "Tasks.Read.All": ("Tasks.ReadWrite.All",),
    "User.Read.All": ("User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
    "MailboxSettings.Read": ("MailboxSettings.ReadWrite",),
}


@dataclass
class Call:
    request: Request
    token: AccessToken
    query: Query
    prefs: Preferences
    tenant: Tenant
    codec: TokenCodec
    index: FolderIndex

    @property
    def root(self) -> str:
        """The service root, e.g. https://127.0.0.1:PORT/v1.0."""
        return f"{self.request.base_url}/v1.0"

    @property
    def url(self) -> str:
        """This request's URL without its query."""
        return self.request.base_url + quote(self.request.path, safe="/@()$'=:,!~*")

    def link(self, params: dict[str, str]) -> str:
        return link(self.url, params)

    def require(self, permission: str) -> None:
        granted = self.token.roles
        if permission in granted or any(p in granted for p in _IMPLIED.get(permission, ())):
            return
        if permission == "User.Read.All":
            raise errors.directory_access_denied()
        raise errors.access_denied()

    def user(self, key: str) -> User:
        user = self.tenant.user(key)
        if user is None:
            raise errors.invalid_user(key)
        return user

    def mailbox(self, key: str) -> Mailbox:
        mailbox = self.tenant.mailboxes.get(self.user(key).mail)
        if mailbox is None:
            raise errors.mailbox_not_enabled()
        return mailbox

    def folder(self, mailbox: Mailbox, key: str, kind: str) -> Folder:
        """A folder by id or well-known name, of the given kind."""
        folder = mailbox.folders.get(key)
        if folder is None:
            folder = mailbox.well_known(key.lower())
            if folder is None and key.lower() == "msgfolderroot":
                folder = mailbox.folders.get(mailbox.root_id)
        if folder is None or (folder.kind != kind and folder.id != mailbox.root_id):
            raise errors.item_not_found()
        return folder

    def select(self, obj: dict[str, Any]) -> dict[str, Any]:
        return select_fields(obj, self.query.select)


def iso(value: datetime | None) -> str | None:
    """A DateTimeOffset as Graph writes it (UTC, 'Z')."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    # isoformat is several times faster than strftime, which matters on big delta pages.
    return value.replace(microsecond=0).isoformat() + "Z"


def etag(change_key: str) -> str:
    return f'W/"{change_key}"'
