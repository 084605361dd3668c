"""Exchange Server through EWS: users from Active Directory, items by SyncFolderItems.

- Mailboxes: the configured list, else every mailbox user of the directory
  (shared mailboxes included); each is opened by impersonation.
- Collections, changes and items: ``reader.MailboxReader``, made on first
  use. It needs exchangelib, which takes about half a second of CPU time to
  load; a sync's main process, which only lists mailboxes and groups and
  hands the mailboxes to worker processes, never loads it.
- Settings are checked at once all the same: a wrong ``exchange_server`` or
  an unusable ``ssl_ca`` is an error before anything is synced.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from outlook_connector.sources.base import (
    CheckResult,
    Collection,
    GroupError,
    Mailbox,
    Page,
    SourceError,
)
from outlook_connector.sources.ews.settings import EwsSettings
from outlook_connector.sources.ews.tls import checked_tls

if TYPE_CHECKING:
    from outlook_connector.sources.ews.connection import EwsConnection
    from outlook_connector.sources.ews.reader import MailboxReader


class EwsSource:
    """The ``Source`` for on-premises Exchange (``data_source = "outlook_server"``)."""

    def __init__(self, settings: EwsSettings) -> None:
        self.settings = settings
        self._tls = checked_tls(settings)  # a wrong setting is an error now, not at first use
        self._reader: MailboxReader | None = None
        self._reader_lock = threading.Lock()  # mailbox threads may all ask first

    @classmethod
    def from_config(cls, config: Any) -> EwsSource:
        return cls(EwsSettings.from_config(config))

    @property
    def reader(self) -> MailboxReader:
        """The mailbox side, made (and exchangelib loaded) on first use."""
        with self._reader_lock:
            if self._reader is None:
                from outlook_connector.sources.ews.reader import MailboxReader

                self._reader = MailboxReader(self.settings, self._tls)
            return self._reader

    @property
    def connection(self) -> EwsConnection:
        return self.reader.connection

    def mailboxes(self) -> Iterator[Mailbox]:
        if self.settings.mailboxes:
            for address in dict.fromkeys(self.settings.mailboxes):
                yield Mailbox(address=address)
            return
        seen: set[str] = set()
        for user in self._directory_users():
            address = (getattr(user, "mail", None) or "").strip().lower()
            if not address or address in seen:
                continue
            seen.add(address)
            kind: Literal["user", "shared"] = (
                "user" if getattr(user, "kind", "user") == "user" else "shared"
            )
            yield Mailbox(
                address=address,
                display_name=getattr(user, "display_name", None),
                kind=kind,
                id=getattr(user, "id", None),
            )

    def _directory_users(self) -> Iterator[Any]:
        # Imported here: ldap3 is needed only when the directory is asked.
        from outlook_connector.sources.directory import DirectoryError, list_directory_users

        s = self.settings
        try:
            yield from list_directory_users(
                s.active_directory_server,
                s.username,
                s.secret,
                s.domain,
                ssl_enabled=s.ssl_enabled,
                ssl_ca=s.ssl_ca,
            )
        except DirectoryError as exc:
            raise SourceError(
                f"cannot list users from Active Directory at {s.active_directory_server}: {exc}"
            ) from None

    def group_members(self, groups: Sequence[str]) -> dict[str, frozenset[str]]:
        """Members of Active Directory groups (see ``sources.directory.group_members``)."""
        from outlook_connector.sources.directory import (
            DirectoryError,
            GroupNotFound,
            group_members,
        )

        s = self.settings
        if not s.active_directory_server:
            raise GroupError(
                "groups are looked up in Active Directory: set active_directory_server"
            )
        try:
            return group_members(
                s.active_directory_server,
                s.username,
                s.secret,
                s.domain,
                list(groups),
                ssl_enabled=s.ssl_enabled,
                ssl_ca=s.ssl_ca,
            )
        except GroupNotFound as exc:
            raise GroupError(str(exc)) from None
        except DirectoryError as exc:
            raise SourceError(
                f"cannot read groups from Active Directory at {s.active_directory_server}: {exc}"
            ) from None

    def collections(self, mailbox: Mailbox) -> list[Collection]:
        return self.reader.collections(mailbox)

    def changes(
        self, mailbox: Mailbox, collection: Collection, cursor: str | None
    ) -> Iterator[Page]:
        return self.reader.changes(mailbox, collection, cursor)

    def check(self) -> list[CheckResult]:
        from outlook_connector.sources.ews.check import run_checks

        return run_checks(self)

    def close(self) -> None:
        with self._reader_lock:
            reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
