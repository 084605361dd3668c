"""Contact folders and contacts.

- contactFolder and contact resources ("List contactFolders", "List contacts",
  "contact: delta", learn.microsoft.com/graph/api/resources/contact,
  .../api/contact-delta). ``/contactFolders`` lists the folders inside the
  default Contacts folder; ``/contacts`` are the contacts of that folder.

Graph v1.0 has no API for personal contact groups (distribution lists), so
they are not served here.
"""

from __future__ import annotations

from typing import Any, cast

from outlook_emulator.graph import delta, errors, paging
from outlook_emulator.graph.context import Call, etag, iso
from outlook_emulator.tenant.model import Contact, Folder, Item, Mailbox, PostalAddress

CONTACTS = "Contacts.Read"


def _default_folder(mailbox: Mailbox) -> Folder:
    folder = mailbox.well_known("contacts")
    if folder is None:
        folder = next((f for f in mailbox.folders.values() if f.kind == "contacts"), None)
    if folder is None:
        raise errors.item_not_found()
    return folder


def _address(address: PostalAddress | None) -> dict[str, Any]:
    if address is None:
        return {}
    fields = {"street": address.street, "city": address.city, "state": address.state,
              "countryOrRegion": address.country, "postalCode": address.postal_code}
    return {k: v for k, v in fields.items() if v}


def _kind_address(contact: Contact, kind: str) -> dict[str, Any]:
    return _address(next((a for a in contact.addresses if a.kind == kind), None))


def _phones(contact: Contact, kind: str) -> list[str]:
    return [p.number for p in contact.phones if p.kind == kind]


def contact_json(contact: Contact) -> dict[str, Any]:
    mobile = _phones(contact, "mobile")
    birthday = contact.birthday
    return {
        "@odata.etag": etag(contact.change_key),
        "id": contact.id,
        "createdDateTime": iso(contact.created),
        "lastModifiedDateTime": iso(contact.last_modified),
        "changeKey": contact.change_key,
        "categories": list(contact.categories),
        "parentFolderId": contact.folder_id,
        "birthday": f"{birthday.isoformat()}T11:59:00Z" if birthday else None,
        "fileAs": "",
        "displayName": contact.display_name,
        "givenName": contact.given_name,
        "initials": None,
        "middleName": contact.middle_name,
        "nickName": contact.nickname,
        "surname": contact.surname,
        "title": None,
        "generation": None,
        "imAddresses": [],
        "jobTitle": contact.job_title,
        "companyName": contact.company_name,
        "department": contact.department,
        "officeLocation": None,
        "profession": None,
        "businessHomePage": None,
        "assistantName": None,
        "manager": None,
        "homePhones": _phones(contact, "home"),
        "mobilePhone": mobile[0] if mobile else None,
        "businessPhones": _phones(contact, "business"),
        "spouseName": None,
        "personalNotes": contact.notes or "",
        "children": [],
        "emailAddresses": [
            {"name": e.name or e.address, "address": e.address} for e in contact.emails
        ],
        "homeAddress": _kind_address(contact, "home"),
        "businessAddress": _kind_address(contact, "business"),
        "otherAddress": _kind_address(contact, "other"),
    }


def folder_json(mailbox: Mailbox, folder: Folder) -> dict[str, Any]:
    return {"id": folder.id, "displayName": folder.display_name,
            "parentFolderId": folder.parent_id or mailbox.root_id}


def _children(mailbox: Mailbox, folder: Folder) -> list[Folder]:
    found = (mailbox.folders.get(c) for c in folder.child_ids)
    return [f for f in found if f is not None and f.kind == "contacts"]


def _folder(call: Call, user: str, folder: str | None) -> tuple[Mailbox, Folder]:
    call.require(CONTACTS)
    mailbox = call.mailbox(user)
    if folder is None:
        return mailbox, _default_folder(mailbox)
    return mailbox, call.folder(mailbox, folder, "contacts")


def list_folders(call: Call, user: str) -> dict[str, Any]:
    mailbox, default = _folder(call, user, None)
    return paging.collection(call, _children(mailbox, default),
                             lambda f: folder_json(mailbox, f), f"users('{user}')/contactFolders")


def folders_delta(call: Call, user: str) -> dict[str, Any]:
    mailbox, default = _folder(call, user, None)
    folders = [f for f in mailbox.folders.values()
               if f.kind == "contacts" and f.id != default.id]
    return delta.folders_round(
        call, mailbox, folders, f"{mailbox.root_id}:contactFolders",
        lambda f: folder_json(mailbox, f), f"users('{user}')/contactFolders/delta",
    )


def get_folder(call: Call, user: str, folder: str) -> dict[str, Any]:
    mailbox, found = _folder(call, user, folder)
    body = folder_json(mailbox, found)
    return paging.entity(call, body, f"users('{user}')/contactFolders/$entity")


def list_child_folders(call: Call, user: str, folder: str) -> dict[str, Any]:
    mailbox, found = _folder(call, user, folder)
    return paging.collection(call, _children(mailbox, found), lambda f: folder_json(mailbox, f),
                             f"users('{user}')/contactFolders('{found.id}')/childFolders")


def list_contacts(call: Call, user: str, folder: str | None = None) -> dict[str, Any]:
    mailbox, found = _folder(call, user, folder)
    contacts = call.index.ordered(mailbox, found, Contact)
    return paging.collection(call, contacts, lambda i: contact_json(cast(Contact, found.items[i])),
                             f"users('{user}')/contactFolders('{found.id}')/contacts")


def contacts_delta(call: Call, user: str, folder: str | None = None) -> dict[str, Any]:
    mailbox, found = _folder(call, user, folder)

    def render(item: Item) -> dict[str, Any] | None:
        return contact_json(item) if isinstance(item, Contact) else None

    return delta.folder_round(call, mailbox, found, render,
                              f"users('{user}')/contactFolders('{found.id}')/contacts/delta")


def get_contact(call: Call, user: str, contact: str, folder: str | None = None) -> dict[str, Any]:
    call.require(CONTACTS)
    mailbox = call.mailbox(user)
    hit = mailbox.find_item(contact)
    if hit is None or not isinstance(hit[1], Contact) or (folder and hit[0].id != folder):
        raise errors.item_not_found()
    return paging.entity(call, contact_json(hit[1]), f"users('{user}')/contacts/$entity")


ROUTES = [
    ("users/{user}/contactFolders", list_folders),
    ("users/{user}/contactFolders/delta", folders_delta),
    ("users/{user}/contactFolders/{folder}", get_folder),
    ("users/{user}/contactFolders/{folder}/childFolders", list_child_folders),
    ("users/{user}/contactFolders/{folder}/contacts", list_contacts),
    ("users/{user}/contactFolders/{folder}/contacts/delta", contacts_delta),
    ("users/{user}/contactFolders/{folder}/contacts/{contact}", get_contact),
    ("users/{user}/contacts", list_contacts),
    ("users/{user}/contacts/delta", contacts_delta),
    ("users/{user}/contacts/{contact}", get_contact),
]
