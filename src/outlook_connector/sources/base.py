"""What every source answers: which mailboxes, which collections, what changed.

A source knows one protocol (Graph or EWS). It turns that protocol's objects
into index documents (through ``outlook_connector.documents``) and yields them
page by page together with the cursor that follows the page, so the engine can
commit both in one transaction and resume from there after a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

Document = dict[str, Any]


@dataclass(frozen=True)
class Mailbox:
    address: str  # primary SMTP address, lower case
    display_name: str | None = None
    kind: Literal["user", "shared"] = "user"
    id: str | None = None  # the directory's id (Graph user id, AD objectGUID)


@dataclass(frozen=True)
class Collection:
    """One stream of items inside a mailbox, with its own cursor."""

    key: str  # stable within the mailbox, e.g. "mail:inbox", "contacts", "calendar:<id>"
    object_type: str  # type label of its documents: "Inbox Mails", "Contact", ...
    name: str  # human readable, for progress and status
    remote_id: str | None = None  # the server's id of the folder/calendar/list


@dataclass(frozen=True)
class BatchFetch:
    """How a source downloads an attachment together with others, in one request.

    Attachments whose ``key`` is equal (same mailbox, same kind of request) may
    be fetched by one call of ``fetch`` with their ``id``s, at most
    ``max_count`` at a time and at most ``max_bytes`` of declared size in all;
    one whose size is unknown or over ``max_bytes`` is fetched alone.
    ``fetch`` answers one entry per id, in order: the content, or the
    exception that cost that attachment its content. It raises only when the
    whole request failed.
    """

    key: Hashable
    id: str  # the source's own id of the attachment, as ``fetch`` takes it
    fetch: Callable[[Sequence[str]], Sequence[bytes | Exception]] = field(repr=False, compare=False)
    max_count: int = 1
    max_bytes: int = 0


@dataclass
class AttachmentRef:
    """An attachment's metadata, and how to download its content if the engine wants it.

    Sources list attachments cheaply; the engine decides from the name, type
    and size whether the content is worth downloading and extracting.
    """

    id: str  # document id of the attachment, stable across syncs
    type: str  # "Mail Attachment", "Calendar Attachment" or "Task Attachment"
    mailbox: str
    parent_id: str  # document id of the mail, event or task
    parent_title: str | None
    name: str
    content_type: str | None
    size: int | None
    is_inline: bool
    last_modified: datetime | None
    fetch: Callable[[], bytes] = field(repr=False, compare=False)
    # Set by sources that can download several attachments in one request.
    batch: BatchFetch | None = field(default=None, repr=False, compare=False)


@dataclass
class Page:
    """A page of changes in one collection and the cursor that follows it."""

    upserts: list[Document] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)  # document ids
    # Attachments of the upserted documents. The parent's whole list is given
    # each time a parent is upserted (an attachment missing from it is gone).
    attachments: list[AttachmentRef] = field(default_factory=list)
    cursor: str | None = None  # resume point after this page
    # True on the last page of a round: ``cursor`` is then a checkpoint for the
    # next incremental sync (a delta link / final sync state), not a page link.
    complete: bool = False
    # Items that could not be turned into documents: (item reference, reason).
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CheckResult:
    """One line of ``outlook-connector check``."""

    name: str
    ok: bool
    detail: str = ""


class CursorExpired(Exception):
    """The server no longer accepts a cursor; the collection must start over."""


class MailboxUnavailable(Exception):
    """The mailbox cannot be opened (no mailbox, access denied, ...)."""


class SourceError(Exception):
    """A failure talking to the server, with a message fit for the user."""


class GroupError(SourceError):
    """A group the sync rules name cannot be resolved: unknown, ambiguous, or not readable."""


class Source(Protocol):
    def check(self) -> list[CheckResult]: ...

    def mailboxes(self) -> Iterator[Mailbox]: ...

    def collections(self, mailbox: Mailbox) -> list[Collection]: ...

    def changes(
        self, mailbox: Mailbox, collection: Collection, cursor: str | None
    ) -> Iterator[Page]:
        """Pages of changes since ``cursor`` (``None``: everything, as upserts)."""
        ...

    def close(self) -> None: ...


class GroupResolver(Protocol):
    """An optional capability of a source: the members of directory groups."""

    def group_members(self, groups: Sequence[str]) -> dict[str, frozenset[str]]:
        """For each group (its name or mail address, as given): the primary SMTP
        addresses (lower case) of the users in it, nested groups included.

        Raises ``GroupError`` naming the group when it does not exist, is
        ambiguous, or may not be read.
        """
        ...
