"""Checks Graph JSON against Microsoft's published OpenAPI descriptions.

The descriptions (shared/reference/schemas/graph, from msgraph-sdk-powershell)
come with a helper library, check_schemas.py, whose README lists the caveats.
One more is handled here: Graph sends ``null`` for unset complex properties
(an event's ``recurrence``, a task's ``completedDateTime``), but OpenAPI 3.0
cannot mark a ``$ref`` property nullable, so such nulls are set aside before
validating. Every other property is type-checked, and properties the type
does not declare are reported as errors.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from tests.emulators import shared_dir

_SCHEMAS = shared_dir() / "reference" / "schemas"
if str(_SCHEMAS) not in sys.path:
    sys.path.insert(0, str(_SCHEMAS))

import check_schemas  # noqa: E402

Json = dict[str, Any]


def _properties(spec: Json, component: str) -> dict[str, Json]:
    out: dict[str, Json] = {}

    def walk(schema: Json) -> None:
        if "$ref" in schema:
            walk(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
        for sub in schema.get("allOf", []):
            walk(sub)
        out.update(schema.get("properties", {}))

    walk(spec["components"]["schemas"][component])
    return out


def _without_null_refs(spec: Json, component: str, obj: Json) -> Json:
    props = _properties(spec, component)
    return {k: v for k, v in obj.items() if not (v is None and "$ref" in props.get(k, {}))}


def _errors(validator: Any, obj: Any) -> list[str]:
    return [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(obj)]


def entity_errors(
    spec_name: str, component: str, obj: Json, derived: Iterable[str] = ()
) -> list[str]:
    """Schema errors and undeclared properties of one entity.

    ``derived`` names properties of a derived type the descriptions lack (a
    fileAttachment's ``contentBytes``, say), which are then not reported.
    """
    spec = check_schemas.graph_spec(spec_name)
    cleaned = _without_null_refs(spec, component, obj)
    found = _errors(check_schemas.graph_validator(spec, component), cleaned)
    unknown = set(check_schemas.unknown_properties(spec, component, cleaned)) - set(derived)
    return found + [f"undeclared property {name!r}" for name in sorted(unknown)]


def assert_entity(
    spec_name: str, component: str, obj: Json, derived: Iterable[str] = ()
) -> None:
    errors = entity_errors(spec_name, component, obj, derived)
    assert not errors, f"{component}: {errors}"


def assert_collection(
    spec_name: str, component: str, body: Json, derived: Iterable[str] = ()
) -> None:
    """A collection response and each entity in it (``component`` names the entity)."""
    spec = check_schemas.graph_spec(spec_name)
    values = [_without_null_refs(spec, component, v) for v in body.get("value", [])]
    envelope = {**body, "value": values}
    validator = check_schemas.graph_validator(spec, f"{component}CollectionResponse")
    errors = _errors(validator, envelope)
    assert not errors, f"{component}CollectionResponse: {errors}"
    for value in body.get("value", []):
        assert_entity(spec_name, component, value, derived)


def assert_delta(spec_name: str, path: str, component: str, body: Json) -> None:
    """A delta page: the function's response schema, and each entry that is not a removal."""
    spec = check_schemas.graph_spec(spec_name)
    present = [v for v in body.get("value", []) if "@removed" not in v]
    cleaned = [_without_null_refs(spec, component, v) for v in present]
    removed = [v for v in body.get("value", []) if "@removed" in v]
    validator = check_schemas.graph_validator(spec, path=path)
    errors = _errors(validator, {**body, "value": cleaned + removed})
    assert not errors, f"{path}: {errors}"
    assert ("@odata.nextLink" in body) != ("@odata.deltaLink" in body), "one link per page"
    for value in present:
        # Delta bodies are validated against Users.Functions.yml's copy of the entity type.
        assert_entity(spec_name, component, value)
    for value in removed:
        assert set(value) == {"id", "@removed"} and value["@removed"]["reason"] in (
            "deleted", "changed"
        ), value


def assert_error(body: Json, code: str | None = None) -> None:
    spec = check_schemas.graph_spec("Mail.yml")
    validator = check_schemas.graph_validator(spec, "microsoft.graph.ODataErrors.ODataError")
    errors = _errors(validator, body)
    assert not errors, f"ODataError: {errors}"
    if code is not None:
        assert body["error"]["code"] == code, body
