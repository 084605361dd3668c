"""EPUB e-books: the XHTML chapters in reading order, as text."""

from __future__ import annotations

import posixpath
import zipfile
from urllib.parse import unquote

from outlook_connector.extraction.archive import checked_zip
from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed
from outlook_connector.extraction.decode import declared_charset, decode_text
from outlook_connector.extraction.markup import html_to_text, parse_xml

LABEL = "EPUB e-book"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_XENC = "{http://www.w3.org/2001/04/xmlenc#}"
_CHAPTER_SUFFIXES = (".xhtml", ".html", ".htm")


def extract_epub(data: bytes, ctx: ExtractionContext) -> None:
    with checked_zip(data, LABEL, ctx.limits) as archive:
        _check_not_protected(archive)
        for name in _reading_order(archive):
            content = archive.read(name)
            ctx.emit_line(html_to_text(decode_text(content, declared_charset(content))))


def _check_not_protected(archive: zipfile.ZipFile) -> None:
    """DRM lists the chapters in encryption.xml; font obfuscation lists only fonts."""
    try:
        root = parse_xml(archive.read("META-INF/encryption.xml"), LABEL)
    except KeyError:
        return
    for reference in root.iter(_XENC + "CipherReference"):
        if reference.get("URI", "").lower().endswith(_CHAPTER_SUFFIXES):
            raise ExtractionFailed(f"{LABEL} is DRM-protected")


def _reading_order(archive: zipfile.ZipFile) -> list[str]:
    """Chapters as the package's spine orders them; by name when there is no usable spine."""
    names = set(archive.namelist())
    try:
        ordered = _spine(archive)
    except (KeyError, ExtractionFailed):
        ordered = []
    ordered = [name for name in ordered if name in names]
    if ordered:
        return ordered
    return sorted(name for name in names if name.lower().endswith(_CHAPTER_SUFFIXES))


def _spine(archive: zipfile.ZipFile) -> list[str]:
    container = parse_xml(archive.read("META-INF/container.xml"), LABEL)
    rootfile = container.find(f".//{_CONTAINER}rootfile")
    package_path = rootfile.get("full-path", "") if rootfile is not None else ""
    package = parse_xml(archive.read(package_path), LABEL)
    base = posixpath.dirname(package_path)
    hrefs = {item.get("id"): item.get("href", "") for item in package.iter(_OPF + "item")}
    return [
        posixpath.normpath(posixpath.join(base, unquote(hrefs[ref.get("idref")])))
        for ref in package.iter(_OPF + "itemref")
        if ref.get("idref") in hrefs
    ]
