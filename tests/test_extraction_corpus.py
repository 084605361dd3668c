"""Every real attachment of the shared corpus ends with text or a specific reason."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from outlook_connector.extraction import ExtractionResult, Extractor

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OUTLOOK_SHARED_DIR", REPO_ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "docs").is_dir(), reason=f"shared corpus not found at {CORPUS}"
)

# "The quick brown fox jumps over the lazy dog" in each format, laid out differently.
STANDARDIZED = "docs/textract/tests/{0}/standardized_text.{0}"
STANDARDIZED_FORMATS = ("csv", "docx", "eml", "epub", "html", "json", "msg", "ods", "odt", "pdf",
                        "pptx", "psv", "rtf", "tsv", "txt", "xls", "xlsx")
PASSWORD_PROTECTED = [
    "docs/pypdf/resources/encryption/r2-user-password.pdf",
    "docs/pypdf/resources/encryption/r4-aes-user-password.pdf",
    "docs/pypdf/resources/encryption/r6-both-passwords.pdf",
    "docs/pypdf/resources/libreoffice-writer-password.pdf",
    "docs/unstructured/example-docs/password_protected.xlsx",
]
OPENS_WITH_EMPTY_PASSWORD = [
    "docs/pypdf/resources/encryption/r2-empty-password.pdf",
    "docs/pypdf/resources/encryption/r6-owner-password.pdf",
]


def _extract_all(paths: list[Path]) -> dict[str, ExtractionResult]:
    with Extractor(workers=2) as extractor, ThreadPoolExecutor(2) as threads:
        def one(path: Path) -> tuple[str, ExtractionResult]:
            relative = path.relative_to(CORPUS).as_posix()
            return relative, extractor.extract(path.name, None, path.read_bytes())

        return dict(threads.map(one, paths))


@pytest.fixture(scope="module")
def results() -> dict[str, ExtractionResult]:
    paths = sorted(p for folder in ("docs", "msg") for p in (CORPUS / folder).rglob("*")
                   if p.is_file())
    return _extract_all(paths)


def test_every_file_ends_with_text_or_a_specific_reason(
    results: dict[str, ExtractionResult],
) -> None:
    assert len(results) > 300
    unexplained = {path: r.reason for path, r in results.items()
                   if not (r.text and r.text.strip()) and not r.reason}
    generic = {path: r.reason for path, r in results.items()
               if r.reason and ("could not be parsed" in r.reason or "crashed" in r.reason
                                or "timed out" in r.reason)}
    assert unexplained == {}
    assert generic == {}


@pytest.mark.parametrize("fmt", STANDARDIZED_FORMATS)
def test_standardized_sentence_is_extracted(
    results: dict[str, ExtractionResult], fmt: str
) -> None:
    text = " ".join((results[STANDARDIZED.format(fmt)].text or "").split()).lower()
    for word in ("quick", "brown", "fox", "jumps", "lazy", "dog"):
        assert word in text


@pytest.mark.parametrize("path", PASSWORD_PROTECTED)
def test_password_protected_files_say_so(results: dict[str, ExtractionResult], path: str) -> None:
    result = results[path]
    assert result.text is None
    assert result.reason and "password-protected" in result.reason


@pytest.mark.parametrize("path", OPENS_WITH_EMPTY_PASSWORD)
def test_pdfs_locked_only_against_editing_are_read(
    results: dict[str, ExtractionResult], path: str
) -> None:
    assert results[path].text


def test_mail_inside_mail_comes_back_as_nested_attachments(
    results: dict[str, ExtractionResult],
) -> None:
    outer = results["msg/msgreader/test/msgInMsg.msg"]
    names = sorted(nested.name for nested in outer.nested)
    assert any(name.endswith(".msg") for name in names)
    assert "green.png" in names
    with Extractor() as extractor:
        inner = next(n for n in outer.nested if n.name.endswith(".msg"))
        assert extractor.extract(inner.name, inner.content_type, inner.data,
                                 depth=inner.depth).text


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("msg/msgreader/test/nonUnicodeCP932.msg", "日本語 Non Unicode タイトル"),
        ("msg/msgreader/test/contactAnsi.msg", "Email: test@example.com"),
        ("msg/msgreader/test/contactAnsi.msg", "イグザンプル"),
        ("msg/msgreader/test/Hello +CJK.msg", "Subject: Hello"),
    ],
)
def test_outlook_items_keep_their_fields_and_code_page(
    results: dict[str, ExtractionResult], path: str, expected: str
) -> None:
    assert expected in (results[path].text or "")


def test_every_corpus_mail_read_as_an_attached_mail_ends_well() -> None:
    paths = sorted(p for p in (CORPUS / "mail").rglob("*") if p.is_file())
    with Extractor(workers=2) as extractor, ThreadPoolExecutor(2) as threads:
        results = list(threads.map(
            lambda path: extractor.extract("attached.eml", "message/rfc822", path.read_bytes()),
            paths))
    assert len(results) > 250
    assert all((r.text and r.text.strip()) or r.reason for r in results)
    generic = [r.reason for r in results
               if r.reason and ("could not be parsed" in r.reason or "crashed" in r.reason)]
    assert generic == []
    assert sum(len(r.nested) for r in results) > 50  # their attachments come back nested
