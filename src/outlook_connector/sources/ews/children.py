"""An element's children found by tag in one dict lookup rather than a search.

lxml's ``find`` parses its path and walks the children on every call, about
4 µs each; a mail document reads some twenty properties, so that was most of
the time spent reading an item. ``Children`` reads an item element's
children into a dict once (about the cost of two searches) and answers
``find`` from it; ``child`` walks a small element's children without parsing
a path. The readers take either an lxml element or ``Children``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Children:
    """An item element whose direct children ``find`` looks up by tag (first one wins)."""

    __slots__ = ("element", "tag", "_by_tag")

    def __init__(self, element: Any) -> None:
        self.element = element
        self.tag = element.tag
        by_tag: dict[str, Any] = {}
        for item in element:
            by_tag.setdefault(item.tag, item)
        self._by_tag = by_tag

    def find(self, tag: str) -> Any:
        """The first child with ``tag`` (a Clark name, ``{namespace}Local``), else None."""
        return self._by_tag.get(tag)

    def get(self, name: str, default: Any = None) -> Any:
        return self.element.get(name, default)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.element)


def indexed(element: Any) -> Children:
    """``element`` as ``Children`` (once: an already indexed element is returned as it is)."""
    return element if isinstance(element, Children) else Children(element)


def child(element: Any, tag: str) -> Any:
    """The first child of ``element`` with ``tag``, else None."""
    if isinstance(element, Children):
        return element.find(tag)
    for item in element:
        if item.tag == tag:
            return item
    return None


def children(element: Any, tag: str) -> list[Any]:
    """The children of ``element`` with ``tag``, in order."""
    return [item for item in element if item.tag == tag]
