"""The table of formats the extractor knows, open to additions.

Handlers and resolvers must be module-level functions (or functools.partial of
them): the registry is pickled into each worker process, which imports them by
name, so a worker only loads the parsers it actually uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from outlook_connector.extraction.context import ExtractionContext

Handler = Callable[[bytes, ExtractionContext], None]
Resolver = Callable[[bytes], "str | None"]


@dataclass(frozen=True)
class FormatSpec:
    """One format: how to recognise it and which function extracts its text."""

    name: str  # registry key, e.g. "pdf"
    label: str  # for reasons, e.g. "PDF"
    handler: Handler
    extensions: tuple[str, ...] = ()  # lower case, without dot
    content_types: tuple[str, ...] = ()  # lower case, without parameters
    family: str | None = None  # magic-byte family ("zip", "ole", ...) the files share
    resolver: Resolver | None = None  # containers: names a more specific format
    extractable: bool = True  # False: known to give no text, not worth downloading
    # Why such a format gives no text, said without looking at the file.
    unsupported_reason: str | None = None


def normalise_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def extension_of(name: str) -> str:
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


class FormatRegistry:
    """Formats by name, extension and content type; later registrations win."""

    def __init__(self, specs: Iterable[FormatSpec] = ()) -> None:
        self._by_name: dict[str, FormatSpec] = {}
        self._by_extension: dict[str, str] = {}
        self._by_content_type: dict[str, str] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: FormatSpec) -> None:
        self._by_name[spec.name] = spec
        for extension in spec.extensions:
            self._by_extension[extension] = spec.name
        for content_type in spec.content_types:
            self._by_content_type[content_type] = spec.name

    def get(self, name: str) -> FormatSpec:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def by_extension(self, name: str) -> FormatSpec | None:
        key = self._by_extension.get(extension_of(name))
        return self._by_name[key] if key else None

    def by_content_type(self, content_type: str | None) -> FormatSpec | None:
        key = self._by_content_type.get(normalise_content_type(content_type) or "")
        return self._by_name[key] if key else None
