"""The two EWS calls a sync page is made of, shaped the way this source needs them.

exchangelib's ``Folder.sync_items`` loops until the folder is fully synced and
only then reveals the sync state, and it builds full item objects out of the
SyncFolderItems answer (which fails on an item type it does not know). A page
of ours must end with its own sync state, and one odd item must not stop a
sync, so:

* ``SyncPage`` makes one SyncFolderItems call with the IdOnly shape (the
  operation cannot return bodies anyway) and keeps only ids and item types,
  plus each item's received time when asked (a mail date window is then
  decided before anything is fetched);
* ``TextGetItem`` is GetItem with ``BodyType=Text``, so the server converts
  HTML bodies to text as it does for Graph's ``outlook.body-content-type``;
  mails, contacts, distribution lists, events and tasks come back as facts
  read straight from the XML (``readers``), other items (and any the
  readers do not understand) as exchangelib objects.
"""

from __future__ import annotations

import binascii
import datetime as dt
import functools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from exchangelib import errors as ews_errors
from exchangelib.errors import MalformedResponseError, SOAPError
from exchangelib.ewsdatetime import UTC, EWSDateTime
from exchangelib.fields import DateOrDateTimeField, DateTimeField, FieldPath
from exchangelib.folders.base import BaseFolder
from exchangelib.items import Item, Message
from exchangelib.services import GetAttachment, GetItem, SyncFolderItems
from exchangelib.services.common import EWSAccountService, shape_element
from exchangelib.util import (
    MNS,
    SOAPNS,
    TNS,
    ParseError,
    create_element,
    get_xml_attr,
    safe_b64decode,
    to_xml,
)

from outlook_connector.sources.ews import envelope, readers
from outlook_connector.sources.ews.children import child
from outlook_connector.sources.ews.envelope import TextRequest

log = logging.getLogger(__name__)

# ItemShape texts by (server version, shape, field paths).
ShapeCache = dict[tuple[str | None, str, tuple[str, ...]], str]

ID_ONLY = "IdOnly"

# Element names read straight from the answers (EWS reference: "ItemId",
# "DateTimeReceived", "FileAttachment", "Content").
_ITEM_ID = f"{{{TNS}}}ItemId"
_RECEIVED_TAG = f"{{{TNS}}}DateTimeReceived"
_FILE_ATTACHMENT = f"{{{TNS}}}FileAttachment"
_CONTENT = f"{{{TNS}}}Content"


class ReadAtOnce:
    """Parse an answer from its bytes in one call.

    requests has read the whole body before the answer is parsed (no request
    of these services is streamed), yet exchangelib parses it from
    ``response.iter_content()``: one byte a chunk by default, and even in
    large chunks through a file-like object that copies what is left on every
    read. Parsed from the bytes, with exchangelib's own parser and its errors
    (a body cut short is a ``SOAPError`` raised from a ``ParseError``), the
    tree is the same.
    """

    @classmethod
    def _get_soap_parts(cls, response: Any) -> tuple[Any, Any]:
        try:
            root = to_xml(response.content)
        except ParseError as exc:
            raise SOAPError(f"Bad SOAP response: {exc}") from exc
        header = root.find(f"{{{SOAPNS}}}Header")
        body = root.find(f"{{{SOAPNS}}}Body")
        if body is None:
            raise MalformedResponseError("No Body element in SOAP response")
        return header, body


class SingleRequest:
    """Send each request once: whether and when to send it again is the caller's decision.

    exchangelib's own retry loop (``EWSService._get_elements``) shrinks the
    connection pool on every ``ErrorServerBusy`` and keeps one back-off
    deadline for the whole protocol, which every mailbox's thread then sleeps
    out. Here every failure is raised to ``EwsConnection.call``, which waits
    in the calling thread only, as long as the server asked.
    """

    def _get_elements(self, payload: Any) -> Iterator[Any]:
        yield from self._response_generator(payload=payload)  # type: ignore[attr-defined]


CREATE, UPDATE, DELETE = SyncFolderItems.CREATE, SyncFolderItems.UPDATE, SyncFolderItems.DELETE


@dataclass(frozen=True)
class Change:
    kind: str  # "create", "update" or "delete"
    item_id: str
    changekey: str | None = None
    tag: str | None = None  # the item's element name, e.g. "Message", "CalendarItem"
    # item:DateTimeReceived, when SyncFolderItems was asked for it and the item has one.
    received: dt.datetime | None = None


@dataclass
class SyncResult:
    changes: list[Change]
    sync_state: str | None
    last_page: bool


class SyncPage(TextRequest, SingleRequest, ReadAtOnce, SyncFolderItems):
    """One SyncFolderItems call; ``page()`` returns its changes and the state after them."""

    def get_payload(
        self,
        folder: Any,
        shape: str,
        additional_fields: Any,
        sync_state: str | None,
        ignore: Any,
        max_changes_returned: int,
        sync_scope: str | None,
    ) -> str:
        """The request as text (``envelope``), for the two shapes ``page`` asks for."""
        if shape != ID_ONLY or ignore is not None or additional_fields not in (None, _RECEIVED):
            raise TypeError("SyncFolderItems is asked for ids, and received times at most")
        parts = [
            "<m:SyncFolderItems>",
            _RECEIVED_SHAPE if additional_fields else _ID_ONLY_SHAPE,
            f"<m:SyncFolderId>{envelope.folder_id(folder.id, folder.changekey)}</m:SyncFolderId>",
            f"<m:SyncState>{escape(sync_state)}</m:SyncState>" if sync_state else "",
            f"<m:MaxChangesReturned>{int(max_changes_returned)}</m:MaxChangesReturned>",
            f"<m:SyncScope>{escape(sync_scope)}</m:SyncScope>" if sync_scope else "",
            "</m:SyncFolderItems>",
        ]
        return "".join(parts)

    def page(
        self, folder: Any, sync_state: str | None, max_changes: int, received: bool = False
    ) -> SyncResult:
        """One page of changes; with ``received``, each item's received time as well.

        Without it the request is the bare IdOnly shape, as cheap as the call gets.
        """
        changes: list[Change] = []
        for change in self.call(
            folder=folder,
            shape=ID_ONLY,
            additional_fields=_RECEIVED if received else None,
            sync_state=sync_state,
            ignore=None,
            max_changes_returned=max_changes,
            sync_scope="NormalItems",
        ):
            if isinstance(change, Exception):
                raise change
            if change is not None:
                changes.append(change)
        last = bool(self.includes_last_item_in_range)
        # A server that hands back the same state without reaching the end would
        # loop forever; exchangelib stops there too.
        if self.sync_state == sync_state:
            last = True
        return SyncResult(changes=changes, sync_state=self.sync_state, last_page=last)

    def _get_element_container(self, message: Any, name: Any = None) -> Any:
        if message.find(f"{{{MNS}}}SyncState") is None:
            # An error answer has no state; let the generic code raise its error.
            return EWSAccountService._get_element_container(self, message=message, name=name)
        return super()._get_element_container(message=message, name=name)

    def _elem_to_obj(self, elem: Any) -> Change | None:
        kind = self.change_types_map[elem.tag]
        if kind == self.READ_FLAG_CHANGE:
            return None  # read state is not indexed
        received = None
        if kind == DELETE:
            id_elem = child(elem, _ITEM_ID)
            tag = None
        else:
            item_elem = elem[0]
            id_elem = child(item_elem, _ITEM_ID)
            tag = item_elem.tag.rsplit("}", 1)[-1]
            received_elem = child(item_elem, _RECEIVED_TAG)
            received = instant(received_elem.text if received_elem is not None else None)
        if id_elem is None or not id_elem.get("Id"):
            raise MalformedResponseError("a SyncFolderItems change without an ItemId")
        return Change(
            kind=kind,
            item_id=id_elem.get("Id"),
            changekey=id_elem.get("ChangeKey"),
            tag=tag,
            received=received,
        )


# item:DateTimeReceived is defined on every item type (ItemType), not only on messages.
_RECEIVED = {FieldPath(field=Message.get_field_by_fieldname("datetime_received"))}
_ID_ONLY_SHAPE = "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
_RECEIVED_SHAPE = (
    "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
    '<t:FieldURI FieldURI="item:DateTimeReceived"/></t:AdditionalProperties></m:ItemShape>'
)


def instant(text: str | None) -> dt.datetime | None:
    """An xs:dateTime as an aware moment; ``None`` when absent or unreadable.

    A value without an offset is taken as UTC, as the dates of the rules are.
    """
    if not text:
        return None
    fast = utc_instant(text.strip())
    if fast is not None:
        return fast
    try:
        parsed = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class UnknownItem:
    """An item whose element name exchangelib has no class for."""

    item_id: str | None
    tag: str


class TextGetItem(TextRequest, SingleRequest, ReadAtOnce, GetItem):
    """GetItem asking for text bodies; unknown item types come back as ``UnknownItem``.

    ``kind``: the collection kind ("mail", "contacts", "calendar", "tasks")
    whose items are read straight from the XML besides mails. ``shapes`` keeps the ItemShape templates across calls (a page of ids is one
    call, so a cache of the call's own would be built anew every time).
    """

    def __init__(
        self, *args: Any, shapes: ShapeCache | None = None, kind: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._shapes: ShapeCache = {} if shapes is None else shapes
        # The elements read straight from the XML: mails, and the collection kind's items.
        self._readers = readers.for_kind(kind)

    def get_payload(self, items: Iterable[Any], additional_fields: Any, shape: str) -> str:
        """The request as text (``envelope``): ``items`` are (item id, change key or None) pairs."""
        pairs = list(items)
        if not all(isinstance(i, tuple) and len(i) == 2 for i in pairs):
            raise TypeError("GetItem is asked for (item id, change key) pairs")
        shape_text = self._item_shape(shape, additional_fields)
        return f"<m:GetItem>{shape_text}{envelope.item_ids(pairs)}</m:GetItem>"

    def _item_shape(self, shape: str, additional_fields: Any) -> str:
        """The ItemShape as text: built once per server version, shape and field list."""
        version = self.account.version
        paths = tuple(sorted(str(f.path) for f in additional_fields or ()))
        # Not ``str(version)``: exchangelib warns on every call for a build it has
        # no name for (Exchange 2016 and later asked for Exchange2013_SP1).
        key = (getattr(version, "api_version", None), shape, paths)
        cache = self._shapes
        if key not in cache:
            elem = shape_element(
                tag="m:ItemShape",
                shape=shape,
                additional_fields=additional_fields,
                version=version,
            )
            # Schema order: BaseShape, IncludeMimeContent, BodyType, ..., AdditionalProperties.
            body_type = create_element("t:BodyType")
            body_type.text = "Text"
            elem.insert(1, body_type)
            cache[key] = envelope.inner_xml(elem)
        return cache[key]

    def _elem_to_obj(self, elem: Any) -> Any:
        # Mails, contacts, events and tasks: read what their documents need
        # straight from the XML, many times faster than building exchangelib's
        # objects. Anything a reader does not read is read the general way.
        reader = self._readers.get(elem.tag)
        if reader is not None:
            try:
                return reader(elem)
            except readers.Unreadable as exc:
                log.debug("an item is read the general way: %s", exc)
        return general_item(elem, self.account)


def general_item(elem: Any, account: Any) -> Any:
    """An item element as an exchangelib object (``UnknownItem`` for a type it has no class for)."""
    try:
        model = BaseFolder.item_model_from_tag(elem.tag)
    except ValueError:
        id_elem = child(elem, _ITEM_ID)
        return UnknownItem(
            item_id=id_elem.get("Id") if id_elem is not None else None,
            tag=elem.tag.rsplit("}", 1)[-1],
        )
    # exchangelib empties the element while parsing it: read what is
    # corrected afterwards first.
    facts = _RawFacts.read(elem)
    # Not CalendarItem.from_xml: it turns all-day starts into dates using
    # the event's time zone, or the machine's when the server sent none.
    # The instants are kept; the mapping converts them without the machine.
    item = item_from_xml(model, elem, account)
    facts.apply(item)
    return item


_UTC_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_INSTANT_FIELDS = (DateTimeField, DateOrDateTimeField)


@functools.cache
def _reading_plan(model: Any) -> tuple[tuple[Any, str | None, bool], ...]:
    """(field, the element it is read from or None when always read, is a UTC instant)."""
    plan = []
    for field in model.FIELDS:
        tag = None if getattr(field, "is_attribute", False) else field.response_tag()
        plan.append((field, tag, type(field) in _INSTANT_FIELDS))
    return tuple(plan)


def utc_instant(text: str | None) -> EWSDateTime | None:
    """``2024-05-01T09:30:00Z`` as exchangelib's ``EWSDateTime.from_string`` reads it, faster.

    exchangelib parses it with ``strptime`` (most of the CPU time of building
    an item); anything but this exact form is left to exchangelib.
    """
    if text is None or len(text) != 20 or not _UTC_INSTANT.fullmatch(text):
        return None
    try:
        return EWSDateTime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def item_from_xml(model: Any, elem: Any, account: Any) -> Any:
    """What exchangelib's ``BaseItem.from_xml`` does, faster.

    exchangelib asks every field of the model (about eighty for a contact or
    an event) to look for its element, though GetItem sends only the dozen
    asked for. A field whose element is absent reads as its default, so only
    the fields present are read. UTC instants are read by ``utc_instant``.
    """
    present = {child.tag for child in elem}
    values: dict[str, Any] = {}
    for field, tag, is_instant in _reading_plan(model):
        if tag is not None and tag not in present:
            values[field.name] = field.default
            continue
        if is_instant:
            instant = utc_instant(get_xml_attr(elem, tag))
            if instant is not None:
                values[field.name] = instant
                continue
        values[field.name] = field.from_xml(elem=elem, account=account)
    model._clear(elem)
    item = model(**values)
    item.account = account
    return item


# Errors of one answer that are the whole request's: ``EwsConnection.call`` waits
# them out and sends the request again.
_WHOLE_REQUEST_ERRORS: tuple[type[Exception], ...] = (
    ews_errors.ErrorServerBusy,
    ews_errors.ErrorTimeoutExpired,
    ews_errors.ErrorInternalServerTransientError,
    ews_errors.ErrorTooManyObjectsOpened,
    ews_errors.ErrorExceededConnectionCount,
)


class ChunkedGetAttachment(TextRequest, SingleRequest, ReadAtOnce, GetAttachment):
    """GetAttachment for several ids at once: one answer per id, in order.

    The server answers one GetAttachmentResponseMessage per AttachmentId, in
    the order asked, each with its own ResponseClass ("GetAttachment
    operation"). exchangelib returns only some error codes in place and raises
    the others, which would cost the whole request for one unreadable id, and
    yields nothing for a message without an attachment, which would shift the
    answers after it. Here each message yields exactly one answer: the
    attachment, or the exception that is its id's error. The base64 content is
    read in chunks too.
    """

    def get_payload(
        self,
        items: Iterable[str],
        include_mime_content: bool,
        body_type: str | None,
        filter_html_content: bool | None,
        additional_fields: Any,
    ) -> str:
        """The request as text (``envelope``): ``items`` are attachment ids."""
        if filter_html_content is not None or additional_fields:
            raise TypeError("GetAttachment is asked for content only")
        shape = "".join(
            (
                "<t:IncludeMimeContent>true</t:IncludeMimeContent>" if include_mime_content else "",
                f"<t:BodyType>{body_type}</t:BodyType>" if body_type else "",
            )
        )
        shape = f"<m:AttachmentShape>{shape}</m:AttachmentShape>" if shape else ""
        return f"<m:GetAttachment>{shape}{envelope.attachment_ids(items)}</m:GetAttachment>"

    def _get_elements_in_response(self, response: Any) -> Iterator[Any]:
        for message in response:
            yield self._answer(message)

    def _answer(self, message: Any) -> Any:
        try:
            container = self._get_element_container(
                message=message, name=self.element_container_name
            )
        except _WHOLE_REQUEST_ERRORS:
            raise
        except ews_errors.EWSError as exc:
            return exc
        if isinstance(container, Exception):
            return container
        found = [] if isinstance(container, bool) else list(container)
        if not found:
            return MalformedResponseError("the answer for this attachment holds no attachment")
        return found[0]

    def _elem_to_obj(self, elem: Any) -> Any:
        # A file's content is all that is used of it: decoded here, not through
        # exchangelib's FileAttachment and a field object per property.
        if elem.tag == _FILE_ATTACHMENT:
            return file_content(elem)
        return super()._elem_to_obj(elem)


def file_content(elem: Any) -> bytes | Exception:
    """The bytes of a ``t:FileAttachment``'s ``t:Content`` (none: empty), or why they are unreadable.

    Padding the server left out is added (exchangelib's ``safe_b64decode``).
    """
    content = child(elem, _CONTENT)
    text = content.text if content is not None else None
    if not text:
        return b""
    try:
        return bytes(safe_b64decode(text))
    except binascii.Error as exc:
        return MalformedResponseError(f"the attachment's content is not base64: {exc}")


@dataclass
class _RawFacts:
    """What exchangelib gets wrong about an item, read from its XML.

    * Attachments: exchangelib lists attached items before files; the server's
      order is kept (both sources list them as the server does).
    * Task start and due dates: EWS stores them as midnight in the user's zone
      and may send that instant in UTC (``2024-04-30T22:00:00Z`` for 1 May in
      Berlin); exchangelib then takes the UTC date, a day early. The nearest
      midnight is the day the user picked.
    """

    attachment_order: dict[str, int]
    task_dates: dict[str, dt.date]

    @classmethod
    def read(cls, elem: Any) -> _RawFacts:
        container = elem.find(f"{{{TNS}}}Attachments")
        order: dict[str, int] = {}
        if container is not None:
            for position, id_elem in enumerate(container.iter(f"{{{TNS}}}AttachmentId")):
                order.setdefault(id_elem.get("Id"), position)
        dates: dict[str, dt.date] = {}
        if elem.tag == f"{{{TNS}}}Task":
            for name, tag in (("start_date", "StartDate"), ("due_date", "DueDate")):
                raw = elem.find(f"{{{TNS}}}{tag}")
                day = nearest_day(raw.text) if raw is not None and raw.text else None
                if day is not None:
                    dates[name] = day
        return cls(order, dates)

    def apply(self, item: Any) -> None:
        attachments = getattr(item, "attachments", None)
        if attachments and len(attachments) > 1 and self.attachment_order:
            last = len(self.attachment_order)
            item.attachments = sorted(
                attachments,
                key=lambda a: self.attachment_order.get(
                    str(getattr(a.attachment_id, "id", "")), last
                ),
            )
        for name, day in self.task_dates.items():
            setattr(item, name, day)


def nearest_day(text: str) -> dt.date | None:
    """The calendar day whose midnight is nearest to an xs:dateTime value."""
    value = text.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        if parsed.utcoffset() != dt.timedelta(0):
            return parsed.date()  # already in the user's zone: its date is the day
        parsed = parsed.replace(tzinfo=None)
    return (parsed + dt.timedelta(hours=12)).date()


__all__ = [
    "CREATE",
    "DELETE",
    "UPDATE",
    "Change",
    "ChunkedGetAttachment",
    "ReadAtOnce",
    "Item",
    "SyncPage",
    "SingleRequest",
    "SyncResult",
    "TextGetItem",
]
