"""Restrictions (search filters) and sort orders of FindItem.

References: ``restriction.md``, ``isequalto.md``, ``isgreaterthan.md``,
``islessthan.md``, ``and-searchexpression.md``, ``or.md``, ``not.md``,
``exists.md``, ``contains.md``, ``sortorder.md``, ``fieldorder.md``. A
restriction becomes a predicate over tenant items; a property with no value
never matches a comparison, as in Exchange.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from lxml import etree

from outlook_emulator.ews.soap import EwsError, EwsFault, T
from outlook_emulator.ews.values import GETTERS, parse_constant
from outlook_emulator.tenant.model import Item

Predicate = Callable[[Item], bool]

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "IsEqualTo": operator.eq,
    "IsNotEqualTo": operator.ne,
    "IsGreaterThan": operator.gt,
    "IsGreaterThanOrEqualTo": operator.ge,
    "IsLessThan": operator.lt,
    "IsLessThanOrEqualTo": operator.le,
}


def _invalid(what: str) -> EwsFault:
    """A restriction the schema does not allow: the request fails validation."""
    return EwsFault("ErrorSchemaValidation", f"The request failed schema validation: {what}.")


def _getter(path: etree._Element | None) -> tuple[str, Callable[[Item], Any]]:
    uri = path.get("FieldURI") if path is not None else None
    if uri is None or uri not in GETTERS:
        # Unknown properties have no value on our items: nothing matches.
        return uri or "", lambda item: None
    return uri, GETTERS[uri]


def parse_restriction(el: etree._Element | None) -> Predicate | None:
    """The predicate of a ``Restriction`` element (None when there is none)."""
    if el is None or len(el) == 0:
        return None
    return _expression(el[0])


def _expression(el: etree._Element) -> Predicate:
    name = etree.QName(el).localname
    if name in ("And", "Or"):
        parts = [_expression(child) for child in el]
        if name == "And":
            return lambda item: all(p(item) for p in parts)
        return lambda item: any(p(item) for p in parts)
    if name == "Not":
        if len(el) != 1:
            raise _invalid("Not takes one expression")
        inner = _expression(el[0])
        return lambda item: not inner(item)
    if name == "Exists":
        _, get = _getter(el[0] if len(el) else None)
        return lambda item: get(item) is not None
    if name in _COMPARISONS:
        return _comparison(el, _COMPARISONS[name])
    if name == "Contains":
        return _contains(el)
    raise _invalid(f"{name} is not supported")


def _comparison(el: etree._Element, compare: Callable[[Any, Any], bool]) -> Predicate:
    if len(el) != 2 or len(el[1]) != 1:
        raise _invalid("a comparison needs a property and a FieldURIOrConstant")
    uri, get = _getter(el[0])
    other = el[1][0]
    if other.tag == T + "Constant":
        value = _constant(uri, other.get("Value", ""))
        return _compare_with(get, lambda item: value, compare)
    # A property compared with another property of the same item.
    return _compare_with(get, _getter(other)[1], compare)


def _constant(uri: str, text: str) -> Any:
    try:
        return parse_constant(uri, text)
    except ValueError:
        # responsecode.md: "the comparison value in the restriction is invalid for the property".
        raise EwsError(
            "ErrorInvalidValueForProperty", f"{text!r} is not a valid value for {uri}."
        ) from None


def _compare_with(
    left: Callable[[Item], Any], right: Callable[[Item], Any], compare: Callable[[Any, Any], bool]
) -> Predicate:
    def predicate(item: Item) -> bool:
        actual, expected = left(item), right(item)
        if actual is None or expected is None:
            return False
        try:
            return bool(compare(actual, expected))
        except TypeError:
            return False

    return predicate


def _contains(el: etree._Element) -> Predicate:
    _, get = _getter(el[0] if len(el) else None)
    constant = el.find(T + "Constant")
    needle = constant.get("Value", "") if constant is not None else ""
    mode = el.get("ContainmentMode", "Substring")
    ignore_case = "IgnoreCase" in el.get("ContainmentComparison", "Exact")
    if ignore_case:
        needle = needle.lower()

    def predicate(item: Item) -> bool:
        actual = get(item)
        if not isinstance(actual, str):
            return False
        text = actual.lower() if ignore_case else actual
        if mode == "FullString":
            return text == needle
        if mode == "Prefixed":
            return text.startswith(needle)
        return needle in text

    return predicate


SortSpec = tuple[tuple[str, bool], ...]  # (FieldURI, descending) in priority order


def parse_sort(el: etree._Element | None) -> SortSpec:
    if el is None:
        return ()
    spec = []
    for order in el:
        path = order.find(T + "FieldURI")
        if path is None:
            continue
        spec.append((path.get("FieldURI", ""), order.get("Order", "Ascending") == "Descending"))
    return tuple(spec)


def sort_items(items: list[Item], spec: SortSpec) -> list[Item]:
    """A stable multi-key sort; items without the property sort first ascending."""
    out = list(items)
    for uri, descending in reversed(spec):
        get = GETTERS.get(uri)
        if get is None:
            continue
        out.sort(key=_key_of(get), reverse=descending)
    return out


def _key_of(get: Callable[[Item], Any]) -> Callable[[Item], tuple[int, Any]]:
    return lambda item: _sort_key(get(item))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, str):
        return (1, value.lower())
    return (1, value)
