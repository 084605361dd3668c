"""Response shapes: which properties an ItemShape or FolderShape asks for.

A shape is a base shape (IdOnly, Default, AllProperties) plus
``AdditionalProperties`` paths (``FieldURI``, ``IndexedFieldURI``,
``ExtendedFieldURI``). References: ``itemshape.md``, ``foldershape.md``,
``baseshape.md``, ``additionalproperties.md``, ``bodytype.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from outlook_emulator.ews.soap import EwsFault, T


@dataclass
class Shape:
    base: str = "IdOnly"  # IdOnly | Default | AllProperties
    body_type: str = "Best"  # HTML | Text | Best
    uris: set[str] = field(default_factory=set)  # FieldURI values, e.g. "item:Subject"
    # Indexed fields ("contacts:EmailAddress" with FieldIndex "EmailAddress1") collapse
    # to their dictionary: asking for one entry returns the dictionary it lives in.
    indexed: set[str] = field(default_factory=set)
    include_mime: bool = False
    # MaximumBodySize (maximumbodysize.md): the most body returned, in kilobytes.
    max_body_kb: int | None = None

    def wants(self, uri: str, default: bool, in_all: bool) -> bool:
        if uri == "item:MimeContent":
            return self.include_mime
        if uri in self.uris or uri in self.indexed:
            return True
        if self.base == "AllProperties":
            return in_all
        if self.base == "Default":
            return default
        return False


_INDEXED_DICTIONARIES = {
    "contacts:EmailAddress": "contacts:EmailAddresses",
    "contacts:PhoneNumber": "contacts:PhoneNumbers",
    "contacts:PhysicalAddress:Street": "contacts:PhysicalAddresses",
    "contacts:PhysicalAddress:City": "contacts:PhysicalAddresses",
    "contacts:PhysicalAddress:State": "contacts:PhysicalAddresses",
    "contacts:PhysicalAddress:CountryOrRegion": "contacts:PhysicalAddresses",
    "contacts:PhysicalAddress:PostalCode": "contacts:PhysicalAddresses",
    "contacts:ImAddress": "contacts:ImAddresses",
}


def parse_shape(el: etree._Element | None) -> Shape:
    """Read an ``ItemShape`` or ``FolderShape`` element (absent → IdOnly)."""
    shape = Shape()
    if el is None:
        return shape
    base = el.find(T + "BaseShape")
    if base is None or base.text not in ("IdOnly", "Default", "AllProperties"):
        raise EwsFault("ErrorSchemaValidation", "The request failed schema validation: BaseShape.")
    shape.base = base.text
    body_type = el.find(T + "BodyType")
    if body_type is not None and body_type.text in ("HTML", "Text", "Best"):
        shape.body_type = body_type.text
    extra = el.find(T + "AdditionalProperties")
    if extra is not None:
        for path in extra:
            uri = path.get("FieldURI")
            if uri is None:
                continue
            if path.tag == T + "IndexedFieldURI":
                shape.indexed.add(_INDEXED_DICTIONARIES.get(uri, uri))
            elif path.tag == T + "FieldURI":
                shape.uris.add(uri)
    include_mime = el.find(T + "IncludeMimeContent")
    shape.include_mime = "item:MimeContent" in shape.uris or (
        include_mime is not None and (include_mime.text or "").strip() in ("true", "1")
    )
    max_body = el.find(T + "MaximumBodySize")
    if max_body is not None and (max_body.text or "").strip().isdigit():
        shape.max_body_kb = int((max_body.text or "").strip())
    return shape
