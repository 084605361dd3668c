"""Render tenant items as EWS items, in the element order types.xsd prescribes.

Every EWS item type is an ``xs:sequence``: a ``Message`` with ``Subject``
after ``DateTimeReceived`` fails validation. Each type therefore has a field
table in schema order (the ItemType fields, then the type's own); rendering
walks the table and writes the fields the shape asks for. Tables follow
``message-ex15websvcsotherref.md``, ``calendaritem.md``,
``contact-ex15websvcsotherref.md``, ``distributionlist.md``,
``task-ex15websvcsotherref.md``; the Default shapes follow "Property sets and
response shapes in EWS in Exchange".
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from outlook_emulator.ews.context import at_least
from outlook_emulator.ews.occurrences import (
    OCCURRENCE_MARK,
    is_bounded,
    make_occurrence,
    series_starts,
)
from outlook_emulator.ews.recurrence import write_recurrence
from outlook_emulator.ews.rendered import RenderedItems, shape_key
from outlook_emulator.ews.shapes import Shape
from outlook_emulator.ews.soap import T, serialise_each, sub, xml_bool, xml_datetime
from outlook_emulator.tenant.model import (
    Attachment,
    Contact,
    ContactGroup,
    EmailAddress,
    Event,
    Item,
    Mailbox,
    Message,
    Task,
)


@dataclass
class RenderContext:
    shape: Shape
    folder_change_keys: dict[str, str] = field(default_factory=dict)
    # FindItem and SyncFolderItems return no bodies, attachments or recipient lists
    # (finditem-operation.md and syncfolderitems-operation.md, remarks).
    find: bool = False
    # The exceptions of a recurring series, by the series master's id.
    exceptions: Callable[[str], list[Event]] = field(default=lambda master_id: [])
    # The mailbox's owner: the organizer of appointments that name none.
    owner: EmailAddress | None = None
    # The RequestServerVersion: elements introduced later are left out for older clients.
    version: str = "Exchange2016"
    # Built t:Mailbox elements by (name, address, type), copied for each use in a response.
    mailboxes: dict[tuple[str | None, str, str], etree._Element] = field(default_factory=dict)
    # Per item type, the writers this shape selects: worked out once per response.
    _plans: dict[str, list[Writer]] = field(default_factory=dict)
    # The shape, version and kind of listing, as a key of kept serialised items.
    _way: Hashable | None = None

    def plan(self, name: str) -> list[Writer]:
        found = self._plans.get(name)
        if found is None:
            found = self._plans[name] = _plan(name, self)
        return found

    def way(self) -> Hashable:
        if self._way is None:
            self._way = shape_key(self.shape, self.version, self.find)
        return self._way


Writer = Callable[[etree._Element, Item, RenderContext], None]
# A property getter. Each table is used for one item type only, so its getters may
# take that type's attributes for granted (hence Any rather than Item).
Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    uri: str
    write: Writer
    in_all: bool = True  # part of AllProperties
    in_find: bool = True  # may be returned by FindItem / SyncFolderItems
    since: str = "Exchange2007"  # the first schema version with this element


def owner_of(mailbox: Mailbox | None) -> EmailAddress | None:
    if mailbox is None:
        return None
    return EmailAddress(mailbox.address, mailbox.user.display_name or None)


def element_name(item: Item) -> str:
    if isinstance(item, Message):
        return _meeting_message(item.item_class) or "Message"
    if isinstance(item, Contact):
        return "Contact"
    if isinstance(item, ContactGroup):
        return "DistributionList"
    if isinstance(item, Event):
        return "CalendarItem"
    if isinstance(item, Task):
        return "Task"
    return "Item"


# Meeting messages by item class prefix: the MeetingMessageType family extends MessageType.
_MEETING_MESSAGES = (
    ("IPM.Schedule.Meeting.Request", "MeetingRequest"),
    ("IPM.Schedule.Meeting.Canceled", "MeetingCancellation"),
    ("IPM.Schedule.Meeting.Resp.", "MeetingResponse"),
)


def _meeting_message(item_class: str) -> str | None:
    lowered = item_class.lower()
    for prefix, name in _MEETING_MESSAGES:
        if lowered.startswith(prefix.lower()):
            return name
    return None


def item_class(item: Item) -> str:
    if isinstance(item, Message):
        return item.item_class
    return {
        "Contact": "IPM.Contact",
        "DistributionList": "IPM.DistList",
        "CalendarItem": "IPM.Appointment",
        "Task": "IPM.Task",
    }.get(element_name(item), "IPM.Note")


def render_item(parent: etree._Element, item: Item, ctx: RenderContext) -> etree._Element:
    name = element_name(item)
    el = etree.SubElement(parent, T + name)
    for write in ctx.plan(name):
        write(el, item, ctx)
    return el


def render_inputs(item: Item, ctx: RenderContext) -> Hashable | None:
    """What rendering ``item`` reads besides the item's own fields and the shape.

    Every change of an item stores it with a new change number, so that and the
    folder it is in stand for its own fields; the rest is what the writers below
    take from the context. None: an occurrence made up from its series on the fly,
    which has no change number of its own and is not kept.
    """
    if OCCURRENCE_MARK in item.id:
        return None
    exceptions: tuple[tuple[str, int], ...] = ()
    if isinstance(item, Event) and item.recurrence is not None:
        # FirstOccurrence, LastOccurrence and ModifiedOccurrences show the exceptions.
        exceptions = tuple((e.id, e.changed_seq) for e in ctx.exceptions(item.id))
    owner = (ctx.owner.name, ctx.owner.address) if ctx.owner is not None else None
    parent_key = ctx.folder_change_keys.get(item.folder_id)
    return (item.changed_seq, item.folder_id, parent_key, owner, exceptions)


def items_xml(
    items: Sequence[Item], ctx: RenderContext, store: RenderedItems | None = None
) -> list[bytes]:
    """Each item's element serialised as inside a response; kept in ``store`` for next time.

    The items not kept are rendered together, in one tree serialised once.
    """
    inputs = [render_inputs(item, ctx) if store is not None else None for item in items]
    out: list[bytes] = [b""] * len(items)
    todo: list[int] = []
    for i, item in enumerate(items):
        kept = inputs[i]
        found = store.find(ctx.way(), item.id, kept) if store and kept is not None else None
        if found is None:
            todo.append(i)
        else:
            out[i] = found
    fresh = serialise_each(len(todo), lambda parent, k: render_item(parent, items[todo[k]], ctx))
    for i, data in zip(todo, fresh, strict=True):
        out[i] = data
        kept = inputs[i]
        if store is not None and kept is not None:
            store.put(ctx.way(), items[i].id, kept, data)
    return out


def _plan(name: str, ctx: RenderContext) -> list[Writer]:
    """The writers a shape selects from a type's table, in schema order."""
    shape = ctx.shape
    table = _TABLES[name]
    defaults = _DEFAULTS[name]
    return [
        fld.write
        for fld in table
        if (not ctx.find or fld.in_find)
        and at_least(ctx.version, fld.since)
        and (fld.uri == "item:ItemId" or shape.wants(fld.uri, fld.uri in defaults, fld.in_all))
    ]


# -- building blocks ------------------------------------------------------------------------------


def _text(tag: str, get: Getter) -> Writer:
    qualified = T + tag  # built once: these writers run for every field of every item

    def write(el: etree._Element, item: Item, ctx: RenderContext) -> None:
        value = get(item)
        if value is not None and value != "":
            etree.SubElement(el, qualified).text = value

    return write


def _mailbox(
    parent: etree._Element, addr: EmailAddress, ctx: RenderContext, kind: str = "Mailbox"
) -> None:
    """Append ``t:Mailbox`` (EmailAddressType); copies of one built element per address."""
    key = (addr.name, addr.address, kind)
    template = ctx.mailboxes.get(key)
    if template is None:
        template = etree.Element(T + "Mailbox", nsmap={"t": T[1:-1]})
        if addr.name:
            sub(template, T + "Name", addr.name)
        sub(template, T + "EmailAddress", addr.address)
        sub(template, T + "RoutingType", "SMTP")
        sub(template, T + "MailboxType", kind)
        ctx.mailboxes[key] = template
    parent.append(template.__copy__())  # lxml copies an element with its subtree


def _single(tag: str, get: Getter) -> Writer:
    def write(el: etree._Element, item: Item, ctx: RenderContext) -> None:
        addr = get(item)
        if addr is not None:
            _mailbox(sub(el, T + tag), addr, ctx)

    return write


def _recipients(tag: str, get: Getter) -> Writer:
    def write(el: etree._Element, item: Item, ctx: RenderContext) -> None:
        addrs = get(item)
        if addrs:
            box = sub(el, T + tag)
            for addr in addrs:
                _mailbox(box, addr, ctx)

    return write


def _when(tag: str, get: Getter) -> Writer:
    qualified = T + tag

    def write(el: etree._Element, item: Item, ctx: RenderContext) -> None:
        value = get(item)
        if value is not None:
            etree.SubElement(el, qualified).text = xml_datetime(value)

    return write


def _importance(item: Item) -> str:
    return str(getattr(item, "importance", "normal")).capitalize()


def _item_id(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    sub(el, T + "ItemId", Id=item.id, ChangeKey=item.change_key)


def _parent_id(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    change_key = ctx.folder_change_keys.get(item.folder_id, "AQAAAA==")
    sub(el, T + "ParentFolderId", Id=item.folder_id, ChangeKey=change_key)


def _mime(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    if ctx.shape.include_mime and item.source_bytes:
        sub(
            el,
            T + "MimeContent",
            base64.b64encode(item.source_bytes).decode(),
            CharacterSet="UTF-8",
        )


def _subject(item: Item) -> str | None:
    if isinstance(item, Message | Event):
        return item.subject
    if isinstance(item, Task):
        return item.title
    if isinstance(item, Contact | ContactGroup):
        return item.display_name
    return None


def _sensitivity(item: Item) -> str:
    return str(getattr(item, "sensitivity", "normal")).capitalize()


_TAG = re.compile(r"<[^>]+>")
_SKIP = re.compile(r"(?is)<(script|style|head)\b.*?</\1>")


def html_to_text(markup: str) -> str:
    text = _TAG.sub("", _SKIP.sub("", re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", markup)))
    return html.unescape(text).strip()


def text_to_html(text: str) -> str:
    escaped = html.escape(text).replace("\r\n", "\n").replace("\n", "<br>\r\n")
    return f"<html><body><div>{escaped}</div></body></html>"


def _body_parts(item: Item) -> tuple[str, str | None]:
    if isinstance(item, Message | Event):
        return item.body_text, item.body_html
    if isinstance(item, Task):
        return item.body_text, None
    if isinstance(item, Contact | ContactGroup):
        return item.notes or "", None
    return "", None


def _body(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    text, markup = _body_parts(item)
    wanted = ctx.shape.body_type
    if wanted == "Text":
        content, kind = (text if text or not markup else html_to_text(markup)), "Text"
    elif markup is not None:
        content, kind = markup, "HTML"
    elif wanted == "HTML":
        content, kind = text_to_html(text), "HTML"
    else:
        content, kind = text, "Text"
    limit = ctx.shape.max_body_kb
    if limit is not None and len(content.encode("utf-8")) > limit * 1024:
        cut = content.encode("utf-8")[: limit * 1024].decode("utf-8", errors="ignore")
        sub(el, T + "Body", cut, BodyType=kind, IsTruncated="true")
    else:
        sub(el, T + "Body", content, BodyType=kind)


def write_attachment_summary(
    parent: etree._Element, owner: Item, att: Attachment
) -> etree._Element:
    """An attachment without its content, as GetItem lists it in ``Attachments``."""
    tag = "ItemAttachment" if att.item is not None else "FileAttachment"
    el = sub(parent, T + tag)
    sub(el, T + "AttachmentId", Id=att.id, RootItemId=owner.id, RootItemChangeKey=owner.change_key)
    sub(el, T + "Name", att.name)
    sub(el, T + "ContentType", att.content_type)
    if att.content_id:
        sub(el, T + "ContentId", att.content_id)
    sub(el, T + "Size", str(att.size))
    sub(el, T + "LastModifiedTime", xml_datetime(att.last_modified or owner.last_modified))
    sub(el, T + "IsInline", xml_bool(att.is_inline))
    if tag == "FileAttachment":
        sub(el, T + "IsContactPhoto", "false")
    return el


def _attachments(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    if item.attachments:
        box = sub(el, T + "Attachments")
        for att in item.attachments:
            write_attachment_summary(box, item, att)


def _size(item: Item) -> str:
    base = len(item.source_bytes) if item.source_bytes else 512
    return str(base + sum(a.size for a in item.attachments if not item.source_bytes))


def _categories(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    if item.categories:
        box = sub(el, T + "Categories")
        for name in item.categories:
            sub(box, T + "String", name)


def _display(get: Callable[[Item], list[EmailAddress]]) -> Callable[[Item], str | None]:
    def value(item: Item) -> str | None:
        addrs = get(item)
        return "; ".join(a.name or a.address for a in addrs) if addrs else None

    return value


def _received(item: Item) -> object:
    if isinstance(item, Message):
        return item.received or item.sent or item.created
    return item.created


def _false(item: Item) -> str:
    return "false"


def _rights_template() -> etree._Element:
    # The service account reads; it never changes anything in the emulated store.
    rights = etree.Element(T + "EffectiveRights")
    for tag in ("CreateAssociated", "CreateContents", "CreateHierarchy", "Delete", "Modify"):
        sub(rights, T + tag, "false")
    sub(rights, T + "Read", "true")
    sub(rights, T + "ViewPrivateItems", "true")
    return rights


_RIGHTS = _rights_template()


def _item_rights(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    el.append(_RIGHTS.__copy__())


_ITEM_HEAD: list[Field] = [
    Field("item:MimeContent", _mime, in_all=False, in_find=False),
    Field("item:ItemId", _item_id),
    Field("item:ParentFolderId", _parent_id),
    Field("item:ItemClass", _text("ItemClass", item_class)),
    Field("item:Subject", _text("Subject", _subject)),
    Field("item:Sensitivity", _text("Sensitivity", _sensitivity)),
    Field("item:Body", _body, in_find=False),
    Field("item:Attachments", _attachments, in_find=False),
    Field("item:DateTimeReceived", _when("DateTimeReceived", _received)),
    Field("item:Size", _text("Size", _size)),
    Field("item:Categories", _categories),
    Field("item:Importance", _text("Importance", _importance)),
    Field("item:InReplyTo", _text("InReplyTo", lambda i: getattr(i, "in_reply_to", None))),
    Field("item:IsSubmitted", _text("IsSubmitted", _false)),
    Field("item:IsDraft", _text("IsDraft", _false)),
    Field("item:IsFromMe", _text("IsFromMe", _false)),
    Field("item:IsResend", _text("IsResend", _false)),
    Field("item:IsUnmodified", _text("IsUnmodified", _false)),
    Field(
        "item:DateTimeSent", _when("DateTimeSent", lambda i: getattr(i, "sent", None) or i.created)
    ),
    Field("item:DateTimeCreated", _when("DateTimeCreated", lambda i: i.created)),
    Field("item:DisplayCc", _text("DisplayCc", _display(lambda i: getattr(i, "cc", [])))),
    Field("item:DisplayTo", _text("DisplayTo", _display(lambda i: getattr(i, "to", [])))),
    Field(
        "item:HasAttachments",
        _text("HasAttachments", lambda i: xml_bool(bool(i.attachments))),
    ),
    Field("item:Culture", _text("Culture", lambda i: "en-US")),
    Field("item:EffectiveRights", _item_rights, since="Exchange2007_SP1"),
    Field("item:LastModifiedTime", _when("LastModifiedTime", lambda i: i.last_modified)),
    Field("item:IsAssociated", _text("IsAssociated", _false), since="Exchange2010"),
]


def _conversation_id(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    conv = getattr(item, "conversation_id", "")
    if conv:
        sub(el, T + "ConversationId", Id=conv)


def _plain_text(item: Item) -> str:
    text, markup = _body_parts(item)
    return text if text or not markup else html_to_text(markup)


def _preview(item: Item) -> str | None:
    # A short plain-text summary of the body (preview-ex15websvcsotherref.md); Outlook shows 255.
    text = " ".join(_plain_text(item).split())
    return text[:255] or None


def _text_body(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    sub(el, T + "TextBody", _plain_text(item), BodyType="Text")


_ITEM_TAIL: list[Field] = [
    Field("item:ConversationId", _conversation_id, since="Exchange2010"),
    Field("item:Preview", _text("Preview", _preview), since="Exchange2013"),
    Field("item:TextBody", _text_body, in_find=False, since="Exchange2013"),
]


_MESSAGE: list[Field] = [
    *_ITEM_HEAD,
    *_ITEM_TAIL,
    Field("message:Sender", _single("Sender", lambda m: m.sender or m.from_)),
    Field(
        "message:ToRecipients",
        _recipients("ToRecipients", lambda m: m.to),
        in_find=False,
    ),
    Field(
        "message:CcRecipients",
        _recipients("CcRecipients", lambda m: m.cc),
        in_find=False,
    ),
    Field("message:BccRecipients", _recipients("BccRecipients", lambda m: m.bcc), in_find=False),
    Field("message:IsReadReceiptRequested", _text("IsReadReceiptRequested", lambda i: "false")),
    Field(
        "message:IsDeliveryReceiptRequested", _text("IsDeliveryReceiptRequested", lambda i: "false")
    ),
    Field("message:ConversationTopic", _text("ConversationTopic", _subject)),
    Field("message:From", _single("From", lambda m: m.from_)),
    Field("message:InternetMessageId", _text("InternetMessageId", lambda i: i.internet_message_id)),
    Field("message:IsRead", _text("IsRead", lambda i: xml_bool(i.is_read))),
    Field("message:References", _text("References", lambda i: " ".join(i.references) or None)),
    Field("message:ReplyTo", _recipients("ReplyTo", lambda m: m.reply_to), in_find=False),
]

_RESPONSE_TYPES = {
    "none": "Unknown",
    "organizer": "Organizer",
    "tentativelyAccepted": "Tentative",
    "accepted": "Accept",
    "declined": "Decline",
    "notResponded": "NoResponseReceived",
}
_FREE_BUSY = {
    "free": "Free",
    "tentative": "Tentative",
    "busy": "Busy",
    "oof": "OOF",
    "workingElsewhere": "WorkingElsewhere",
    "unknown": "NoData",
}


def _calendar_item_type(item: Item) -> str:
    assert isinstance(item, Event)
    if OCCURRENCE_MARK in item.id:
        return "Occurrence"
    if item.series_master_id:
        return "Exception"
    return "RecurringMaster" if item.recurrence else "Single"


def _attendees(tag: str, kind: str) -> Writer:
    def write(el: etree._Element, item: Item, ctx: RenderContext) -> None:
        assert isinstance(item, Event)
        chosen = [a for a in item.attendees if a.kind == kind]
        if chosen:
            box = sub(el, T + tag)
            for att in chosen:
                entry = sub(box, T + "Attendee")
                _mailbox(entry, att.email, ctx)
                sub(entry, T + "ResponseType", _RESPONSE_TYPES.get(att.response, "Unknown"))

    return write


def _organizer(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    # An appointment without an ORGANIZER was made by the mailbox owner, as Outlook records it.
    organizer = getattr(item, "organizer", None) or ctx.owner
    if organizer is not None:
        _mailbox(sub(el, T + "Organizer"), organizer, ctx)


def _recurrence(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    if isinstance(item, Event) and item.recurrence and item.start:
        # Built aside first: a rule EWS cannot express leaves the element out, not half written.
        holder = etree.Element(T + "Holder", nsmap={"t": T[1:-1]})
        try:
            write_recurrence(holder, item.recurrence.rrule, item.start)
        except (KeyError, ValueError, IndexError):
            return
        el.extend(holder)


def _occurrence_info(parent: etree._Element, tag: str, event: Event) -> None:
    info = sub(parent, T + tag)
    sub(info, T + "ItemId", Id=event.id, ChangeKey=event.change_key)
    for name, value in (
        ("Start", event.start),
        ("End", event.end or event.start),
        ("OriginalStart", event.original_start or event.start),
    ):
        sub(info, T + name, xml_datetime(value) if value else "")


def _series_member(master: Event, start: datetime, ctx: RenderContext) -> Event:
    """The occurrence of ``master`` originally at ``start``, or the exception replacing it."""
    for exception in ctx.exceptions(master.id):
        if exception.original_start and exception.original_start.astimezone(UTC) == start:
            return exception
    return make_occurrence(master, start)


def _first_occurrence(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    if isinstance(item, Event) and item.recurrence and item.start:
        first = next(iter(series_starts(item, limit=1)), None)
        if first is not None:
            _occurrence_info(el, "FirstOccurrence", _series_member(item, first, ctx))


def _last_occurrence(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    # A series without COUNT or UNTIL has no last occurrence.
    if isinstance(item, Event) and item.recurrence and item.start and is_bounded(item):
        starts = series_starts(item)
        if starts:
            _occurrence_info(el, "LastOccurrence", _series_member(item, starts[-1], ctx))


def _modified_occurrences(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    if isinstance(item, Event) and item.recurrence:
        exceptions = ctx.exceptions(item.id)
        if exceptions:
            box = sub(el, T + "ModifiedOccurrences")
            for exception in exceptions:
                _occurrence_info(box, "Occurrence", exception)


def _deleted_occurrences(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    if isinstance(item, Event) and item.recurrence and item.recurrence.exdates:
        box = sub(el, T + "DeletedOccurrences")
        for when in item.recurrence.exdates:
            sub(sub(box, T + "DeletedOccurrence"), T + "Start", xml_datetime(when))


_CALENDAR: list[Field] = [
    *_ITEM_HEAD,
    *_ITEM_TAIL,
    Field("calendar:UID", _text("UID", lambda i: i.uid or None)),
    Field("calendar:RecurrenceId", _when("RecurrenceId", lambda e: e.original_start)),
    Field("calendar:DateTimeStamp", _when("DateTimeStamp", lambda i: i.last_modified)),
    Field("calendar:Start", _when("Start", lambda e: e.start)),
    Field("calendar:End", _when("End", lambda e: e.end)),
    Field("calendar:OriginalStart", _when("OriginalStart", lambda e: e.original_start)),
    Field("calendar:IsAllDayEvent", _text("IsAllDayEvent", lambda i: xml_bool(i.is_all_day))),
    Field(
        "calendar:LegacyFreeBusyStatus",
        _text("LegacyFreeBusyStatus", lambda i: _FREE_BUSY.get(i.show_as, "Busy")),
    ),
    Field("calendar:Location", _text("Location", lambda i: i.location)),
    Field("calendar:IsMeeting", _text("IsMeeting", lambda i: xml_bool(bool(i.attendees)))),
    Field("calendar:IsCancelled", _text("IsCancelled", lambda i: xml_bool(i.is_cancelled))),
    Field(
        "calendar:IsRecurring",
        _text("IsRecurring", lambda e: xml_bool(bool(e.recurrence or e.series_master_id))),
    ),
    Field("calendar:CalendarItemType", _text("CalendarItemType", _calendar_item_type)),
    Field("calendar:Organizer", _organizer),
    Field("calendar:RequiredAttendees", _attendees("RequiredAttendees", "required"), in_find=False),
    Field("calendar:OptionalAttendees", _attendees("OptionalAttendees", "optional"), in_find=False),
    Field("calendar:Resources", _attendees("Resources", "resource"), in_find=False),
    Field("calendar:Recurrence", _recurrence),
    # Occurrence summaries walk the series: GetItem only, to keep FindItem pages cheap.
    Field("calendar:FirstOccurrence", _first_occurrence, in_find=False),
    Field("calendar:LastOccurrence", _last_occurrence, in_find=False),
    Field("calendar:ModifiedOccurrences", _modified_occurrences, in_find=False),
    Field("calendar:DeletedOccurrences", _deleted_occurrences),
    Field(
        "calendar:IsOnlineMeeting",
        _text("IsOnlineMeeting", lambda i: xml_bool(i.is_online_meeting)),
    ),
    Field(
        "calendar:JoinOnlineMeetingUrl",
        _text("JoinOnlineMeetingUrl", lambda i: i.online_meeting_url),
        since="Exchange2013",
    ),
]

_EMAIL_KEYS = ("EmailAddress1", "EmailAddress2", "EmailAddress3")
_PHONE_KEYS = {
    "business": "BusinessPhone",
    "home": "HomePhone",
    "mobile": "MobilePhone",
    "other": "OtherTelephone",
    "businessFax": "BusinessFax",
    "homeFax": "HomeFax",
    "pager": "Pager",
}


def _emails(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    assert isinstance(item, Contact)
    if item.emails:
        box = sub(el, T + "EmailAddresses")
        for key, addr in zip(_EMAIL_KEYS, item.emails, strict=False):
            sub(box, T + "Entry", addr.address, Key=key)


def _addresses(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    assert isinstance(item, Contact)
    seen: set[str] = set()
    box = None
    for addr in item.addresses:
        key = addr.kind.capitalize()
        if key in seen:  # a dictionary holds one entry per key
            continue
        seen.add(key)
        box = box if box is not None else sub(el, T + "PhysicalAddresses")
        entry = sub(box, T + "Entry", Key=key)
        for tag, value in (
            ("Street", addr.street),
            ("City", addr.city),
            ("State", addr.state),
            ("CountryOrRegion", addr.country),
            ("PostalCode", addr.postal_code),
        ):
            if value:
                sub(entry, T + tag, value)


def _phones(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    assert isinstance(item, Contact)
    seen: set[str] = set()
    box = None
    for phone in item.phones:
        key = _PHONE_KEYS.get(phone.kind, "OtherTelephone")
        if key in seen:
            continue
        seen.add(key)
        box = box if box is not None else sub(el, T + "PhoneNumbers")
        sub(box, T + "Entry", phone.number, Key=key)


def _birthday(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    assert isinstance(item, Contact)
    if item.birthday:
        # Exchange stores a birthday as a date at 08:00 UTC... we send midnight UTC of the date.
        sub(el, T + "Birthday", item.birthday.strftime("%Y-%m-%dT00:00:00Z"))


def _c(name: str) -> Callable[[Item], str | None]:
    return lambda i: getattr(i, name, None)


_CONTACT: list[Field] = [
    *_ITEM_HEAD,
    *_ITEM_TAIL,
    Field("contacts:FileAs", _text("FileAs", _c("display_name"))),
    Field("contacts:DisplayName", _text("DisplayName", _c("display_name"))),
    Field("contacts:GivenName", _text("GivenName", _c("given_name"))),
    Field("contacts:MiddleName", _text("MiddleName", _c("middle_name"))),
    Field("contacts:Nickname", _text("Nickname", _c("nickname"))),
    Field("contacts:CompanyName", _text("CompanyName", _c("company_name"))),
    Field("contacts:EmailAddresses", _emails),
    Field("contacts:PhysicalAddresses", _addresses),
    Field("contacts:PhoneNumbers", _phones),
    Field("contacts:Birthday", _birthday),
    Field("contacts:Department", _text("Department", _c("department"))),
    Field("contacts:JobTitle", _text("JobTitle", _c("job_title"))),
    Field("contacts:Surname", _text("Surname", _c("surname"))),
    Field("contacts:Notes", _text("Notes", _c("notes")), in_find=False, since="Exchange2010_SP2"),
]


def _members(el: etree._Element, item: Item, ctx: RenderContext) -> None:
    assert isinstance(item, ContactGroup)
    if item.members:
        box = sub(el, T + "Members")
        for position, addr in enumerate(item.members):
            member = sub(box, T + "Member", Key=f"member-{position}")
            # Members of a personal list are one-off addresses, not directory entries.
            _mailbox(member, addr, ctx, kind="OneOff")
            sub(member, T + "Status", "Normal")


_DISTRIBUTION_LIST: list[Field] = [
    *_ITEM_HEAD,
    *_ITEM_TAIL,
    Field("contacts:DisplayName", _text("DisplayName", _c("display_name"))),
    Field("contacts:FileAs", _text("FileAs", _c("display_name"))),
    Field("distributionlist:Members", _members, in_find=False),
]

_TASK_STATUS = {
    "notStarted": "NotStarted",
    "inProgress": "InProgress",
    "completed": "Completed",
    "waitingOnOthers": "WaitingOnOthers",
    "deferred": "Deferred",
}


_TASK: list[Field] = [
    *_ITEM_HEAD,
    *_ITEM_TAIL,
    Field("task:CompleteDate", _when("CompleteDate", lambda t: t.completed)),
    Field("task:DueDate", _when("DueDate", lambda t: t.due)),
    Field("task:IsComplete", _text("IsComplete", lambda i: xml_bool(i.status == "completed"))),
    Field("task:IsRecurring", _text("IsRecurring", lambda i: "false")),
    Field(
        "task:Owner",
        _text("Owner", lambda i: (i.owner.name or i.owner.address) if i.owner else None),
    ),
    Field(
        "task:PercentComplete",
        _text("PercentComplete", lambda i: str(i.percent_complete)),
    ),
    Field("task:StartDate", _when("StartDate", lambda t: t.start)),
    Field(
        "task:Status",
        _text("Status", lambda i: _TASK_STATUS.get(i.status, "NotStarted")),
    ),
]

_TABLES: dict[str, list[Field]] = {
    "Message": _MESSAGE,
    "MeetingRequest": _MESSAGE,
    "MeetingCancellation": _MESSAGE,
    "MeetingResponse": _MESSAGE,
    "CalendarItem": _CALENDAR,
    "Contact": _CONTACT,
    "DistributionList": _DISTRIBUTION_LIST,
    "Task": _TASK,
    "Item": [*_ITEM_HEAD, *_ITEM_TAIL],
}

# Every FieldURI some table knows, to sort and restrict on.
KNOWN_URIS = {fld.uri for table in _TABLES.values() for fld in table}

# The Default shape per item type: "Default item properties" (Table 3) of "Property sets and
# response shapes in EWS in Exchange". Start is not in that table but is End's partner, and
# FindItem leaves out Body and ResponseObjects as note 1 of the table says.
_MESSAGE_DEFAULTS = frozenset(
    {
        "item:Subject",
        "item:Sensitivity",
        "item:Body",
        "item:Size",
        "item:DateTimeSent",
        "item:DateTimeCreated",
        "item:HasAttachments",
        "item:IsAssociated",
        "message:IsDeliveryReceiptRequested",
        "message:From",
    }
)
_DEFAULTS: dict[str, frozenset[str]] = {
    "Message": _MESSAGE_DEFAULTS,
    "MeetingRequest": _MESSAGE_DEFAULTS,
    "MeetingCancellation": _MESSAGE_DEFAULTS,
    "MeetingResponse": _MESSAGE_DEFAULTS,
    "CalendarItem": frozenset(
        {
            "item:Subject",
            "item:HasAttachments",
            "item:IsAssociated",
            "calendar:Start",
            "calendar:End",
            "calendar:LegacyFreeBusyStatus",
            "calendar:Location",
            "calendar:CalendarItemType",
            "calendar:Organizer",
        }
    ),
    "Contact": frozenset(
        {
            "item:HasAttachments",
            "contacts:FileAs",
            "contacts:CompanyName",
            "contacts:EmailAddresses",
            "contacts:PhysicalAddresses",
            "contacts:PhoneNumbers",
            "contacts:JobTitle",
        }
    ),
    "DistributionList": frozenset({"item:HasAttachments", "contacts:FileAs"}),
    "Task": frozenset(
        {
            "item:Subject",
            "item:HasAttachments",
            "task:DueDate",
            "task:PercentComplete",
            "task:StartDate",
            "task:Status",
        }
    ),
    "Item": frozenset({"item:Subject", "item:HasAttachments"}),
}
