"""Finding a mailbox's folders: GetFolder for distinguished folders, FindFolder below them.

Only the id, name, class and parent of a folder matter here, so the answers
are read straight from the XML into ``FolderInfo`` rather than into
exchangelib folder objects (which need a folder tree the source never builds).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from exchangelib.extended_properties import ExtendedProperty
from exchangelib.fields import ExtendedPropertyField, FieldPath
from exchangelib.folders import Folder
from exchangelib.properties import DistinguishedFolderId, FolderId, Mailbox
from exchangelib.services import FindFolder, GetFolder
from exchangelib.util import TNS

from outlook_connector.sources.ews.services import ReadAtOnce, SingleRequest

# The Archive folder has no DistinguishedFolderId in Exchange Server's EWS
# schema (DistinguishedFolderIdNameType lists archiveroot/archivemsgfolderroot,
# which are the online archive mailbox, not this folder). Outlook and Exchange
# create it under the message folder root with the mailbox's language, so it is
# found by its localised name.
ARCHIVE_NAMES = frozenset(
    name.casefold()
    for name in (
        "Archive", "Archiv", "Archives", "Archivio", "Archivo", "Arquivo", "Archief",
        "Arkiv", "Arkisto", "Archiwum", "Archívum", "Arhivă", "Архив", "Архів",
        "Αρχειοθέτηση", "Arşiv", "Arşiv Klasörü", "ארכיון", "أرشيف", "アーカイブ",
        "存档", "封存", "보관", "Lưu trữ", "Arkib", "Arsip", "เก็บถาวร",
    )
)  # fmt: skip

MAIL_CLASS = "IPF.Note"
CONTACT_CLASSES = frozenset({"IPF.Contact"})
# Birthdays is a calendar of its own in newer Exchange versions; it is synced too.
CALENDAR_CLASSES = frozenset({"IPF.Appointment", "IPF.Appointment.Birthday"})
TASK_CLASSES = frozenset({"IPF.Task"})

_FIELDS = ("name", "folder_class", "parent_folder_id", "total_count")  # name: DisplayName


class _Hidden(ExtendedProperty):
    """PidTagAttributeHidden ([MS-OXPROPS] 2.611): a folder hidden from users. Graph's
    mailFolders leave such folders out, so the same mailbox gives the same folders on EWS."""

    property_tag = 0x10F4
    property_type = "Boolean"


_HIDDEN = ExtendedPropertyField("is_hidden", value_cls=_Hidden)


@dataclass(frozen=True)
class FolderInfo:
    id: str
    display_name: str | None
    folder_class: str | None
    parent_id: str | None
    total_count: int | None = None
    hidden: bool = False


def folder_fields() -> set[FieldPath]:
    fields = {FieldPath(field=Folder.get_field_by_fieldname(name)) for name in _FIELDS}
    return fields | {FieldPath(field=_HIDDEN)}


def _attr(elem: Any, tag: str, name: str) -> str | None:
    child = elem.find(f"{{{TNS}}}{tag}")
    return child.get(name) if child is not None else None


def _text(elem: Any, tag: str) -> str | None:
    child = elem.find(f"{{{TNS}}}{tag}")
    return child.text if child is not None else None


def parse_folder(elem: Any) -> FolderInfo:
    return FolderInfo(
        id=_attr(elem, "FolderId", "Id") or "",
        display_name=_text(elem, "DisplayName"),
        folder_class=_text(elem, "FolderClass"),
        parent_id=_attr(elem, "ParentFolderId", "Id"),
        total_count=_int(_text(elem, "TotalCount")),
        hidden=_is_hidden(elem),
    )


def _is_hidden(elem: Any) -> bool:
    # Exchange leaves the property out where it was never set: such a folder is not hidden.
    for prop in elem.findall(f"{{{TNS}}}ExtendedProperty"):
        uri = prop.find(f"{{{TNS}}}ExtendedFieldURI")
        tag = (uri.get("PropertyTag") or "") if uri is not None else ""
        if tag.lower() in ("0x10f4", "4340"):
            return (_text(prop, "Value") or "").strip().lower() == "true"
    return False


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class GetFolderInfo(SingleRequest, ReadAtOnce, GetFolder):
    """GetFolder yielding ``FolderInfo`` (or the error of each folder, in request order)."""

    def _elems_to_objs(self, elems: Iterable[Any]) -> Iterator[Any]:
        for elem in elems:
            yield elem if isinstance(elem, Exception) else parse_folder(elem)


class FindFolderInfo(SingleRequest, ReadAtOnce, FindFolder):
    """FindFolder below one folder, paged, yielding ``FolderInfo``."""

    def find(self, parent: FolderId, depth: str) -> Iterator[FolderInfo]:
        for elem in self._elems_to_objs(
            self._paged_call(
                payload_func=self.get_payload,
                max_items=None,
                folders=[parent],
                additional_fields=folder_fields(),
                restriction=None,
                shape="IdOnly",
                depth=depth,
                page_size=self.page_size,
                offset=0,
            )
        ):
            if isinstance(elem, Exception):
                raise elem
            yield elem

    def _elem_to_obj(self, elem: Any) -> FolderInfo:
        return parse_folder(elem)


def distinguished(name: str, address: str) -> DistinguishedFolderId:
    return DistinguishedFolderId(id=name, mailbox=Mailbox(email_address=address))


def get_distinguished(account: Any, names: list[str]) -> dict[str, FolderInfo | Exception]:
    """The distinguished folders of the account's mailbox, in one GetFolder call."""
    refs = [distinguished(name, account.primary_smtp_address) for name in names]
    answers = GetFolderInfo(account=account).call(
        folders=refs, additional_fields=folder_fields(), shape="IdOnly"
    )
    return dict(zip(names, answers, strict=False))


def subfolders(account: Any, parent_id: str, *, deep: bool) -> Iterator[FolderInfo]:
    service = FindFolderInfo(account=account)
    return service.find(FolderId(id=parent_id), "Deep" if deep else "Shallow")


def is_mail(folder: FolderInfo) -> bool:
    """A folder of mails users see: IPF.Note or a kind of it (IPF.Note.*), or no class at
    all, as folders made by older clients may have; hidden folders are not theirs."""
    cls = folder.folder_class
    return not folder.hidden and (not cls or cls == MAIL_CLASS or cls.startswith(MAIL_CLASS + "."))


def is_archive(folder: FolderInfo) -> bool:
    name = (folder.display_name or "").strip().casefold()
    return name in ARCHIVE_NAMES and folder.folder_class in (None, MAIL_CLASS)
