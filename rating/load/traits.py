"""Resource-trait schemas: Dhall descriptors → :class:`ResourceType`, and JSON Schemas.

The Dhall files in ``traits/`` are the single source of truth (DESIGN.md §3.1).
Each ``<platform>/<type>.dhall`` is a record ``{ Type, schema }``; the binding
cannot return Dhall types, so only ``schema`` (a plain descriptor) is ever
evaluated. The JSON Schemas samples are validated with are derived here from
those descriptors, never written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from rating.errors import RatecardError
from rating.library import traits_dir
from rating.load.dhall import evaluate, evaluate_text, evaluate_tracked
from rating.load.imports import ImportPolicy, scan_imports
from rating.model import ResourceType, Trait, TraitType
from rating.scopes import LABELS, SCOPE_FIELDS

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_SCALAR_SCHEMAS: dict[str, dict[str, Any]] = {
    "Text": {"type": "string"},
    "Integer": {"type": "integer", "minimum": INT64_MIN, "maximum": INT64_MAX},
    "Natural": {"type": "integer", "minimum": 0, "maximum": INT64_MAX},
    "Double": {"type": "number"},
    "Bool": {"type": "boolean"},
}

EVENTS = ("create", "update", "delete")


@cache
def builtin_resource_types() -> tuple[ResourceType, ...]:
    """The resource types shipped in ``traits/package.dhall`` (a list of descriptors)."""
    path = traits_dir() / "package.dhall"
    return parse_resource_types(evaluate(path), str(path))


def load_resource_types(
    path: Path, imports: ImportPolicy | None = None
) -> tuple[ResourceType, ...]:
    """Load user-declared resource types from a Dhall file.

    The file may evaluate to a list of descriptors (like ``traits/package.dhall``),
    a single descriptor, or be a ``{ Type, schema }`` file like the built-ins.
    It is code handed to whoever runs ``ratecard`` just like a catalog, so its
    imports are held to the same policy (``imports``, default: only its own
    directory and the libraries; docs/security.md), with the file's directory
    as its root; a value read from the environment or the network is never cached.
    """
    path = Path(path)
    if not path.is_file():
        raise RatecardError(f"{path}: no such file")
    scan = scan_imports(path, imports or ImportPolicy(), owner="the --traits file's")
    try:
        data = evaluate_tracked(path, cache=scan.cacheable)[0]
    except RatecardError as first:
        # A ``{ Type, schema }`` record cannot be returned whole: select its descriptor.
        try:
            data = evaluate_text(f'(./"{path.name}").schema', path.resolve().parent)
        except RatecardError:
            raise first from None
    return parse_resource_types(data, str(path))


def merge_resource_types(
    builtin: Sequence[ResourceType], extra: Sequence[ResourceType], source: str
) -> tuple[ResourceType, ...]:
    """Built-in types plus user types; redefining an existing id is an error."""
    known = {rt.id for rt in builtin}
    for rt in extra:
        if rt.id in known:
            raise RatecardError(f"{source}: resource type {rt.id!r} is already defined")
        known.add(rt.id)
    return (*builtin, *extra)


def parse_resource_types(data: Any, source: str) -> tuple[ResourceType, ...]:
    """Turn evaluated Dhall (a descriptor or a list of them) into resource types."""
    if isinstance(data, dict) and "resourceTypes" in data:
        data = data["resourceTypes"]
    items = data if isinstance(data, list) else [data]
    types = tuple(parse_resource_type(item, source) for item in items)
    seen: set[str] = set()
    for rt in types:
        if rt.id in seen:
            raise RatecardError(f"{source}: resource type {rt.id!r} is defined twice")
        seen.add(rt.id)
    return types


def parse_resource_type(raw: Any, source: str) -> ResourceType:
    """One descriptor record (``ResourceType.dhall``'s ``Type``) → :class:`ResourceType`."""
    fields = ("id", "platform", "displayName", "description", "traits")
    if not isinstance(raw, dict) or any(name not in raw for name in fields):
        raise RatecardError(
            f"{source}: expected a resource type descriptor with fields {', '.join(fields)}"
        )
    if not isinstance(raw["traits"], list):
        raise RatecardError(f"{source}: {raw['id']}: field traits: expected a list of traits")
    traits = tuple(_parse_trait(t, source, raw["id"]) for t in raw["traits"])
    names = [t.name for t in traits]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RatecardError(f"{source}: {raw['id']}: trait {duplicates[0]!r} is declared twice")
    return ResourceType(
        id=raw["id"],
        platform=raw["platform"],
        display_name=raw["displayName"],
        description=raw["description"],
        traits=traits,
    )


_TRAIT_FIELDS = ("name", "type", "optional", "description")


def _parse_trait(raw: dict[str, Any], source: str, type_id: str) -> Trait:
    """One trait record; a traits file is evaluated, not type-checked against
    ``Trait.dhall``, so a record missing a field is refused here, by name."""
    if not isinstance(raw, dict) or any(name not in raw for name in _TRAIT_FIELDS):
        raise RatecardError(
            f"{source}: {type_id}: expected traits with fields {', '.join(_TRAIT_FIELDS)}"
        )
    try:
        trait_type = TraitType(raw["type"])
    except ValueError:
        allowed = ", ".join(t.value for t in TraitType)
        raise RatecardError(
            f"{source}: {type_id}.{raw['name']}: unknown trait type {raw['type']!r} "
            f"(one of {allowed})"
        ) from None
    return Trait(
        name=raw["name"],
        type=trait_type,
        optional=bool(raw["optional"]),
        unit=raw.get("unit"),
        description=raw["description"],
    )


def trait_value_schema(trait_type: TraitType) -> dict[str, Any]:
    """JSON Schema of one (non-null) trait value."""
    name = trait_type.value
    if name.startswith("List "):
        return {"type": "array", "items": dict(_SCALAR_SCHEMAS[name.removeprefix("List ")])}
    return dict(_SCALAR_SCHEMAS[name])


def _trait_schema(trait: Trait) -> dict[str, Any]:
    schema = trait_value_schema(trait.type)
    if trait.optional:
        schema["type"] = [schema["type"], "null"]
    schema["description"] = trait.description
    return schema


def json_schema(resource_type: ResourceType) -> dict[str, Any]:
    """JSON Schema of the ``traits`` object of a sample of ``resource_type``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{resource_type.id} traits",
        "type": "object",
        "properties": {t.name: _trait_schema(t) for t in resource_type.traits},
        "required": [t.name for t in resource_type.traits if not t.optional],
        "additionalProperties": False,
    }


def sample_json_schema(resource_type: ResourceType) -> dict[str, Any]:
    """JSON Schema of a whole sample record (DESIGN.md §3.2) of ``resource_type``.

    ``traits`` may be omitted (read as ``{}``); ``time`` must additionally be an
    RFC 3339 timestamp with a timezone, which the sample reader checks itself.
    """
    optional_text = {"type": ["string", "null"]}
    traits = json_schema(resource_type)
    del traits["$schema"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{resource_type.id} sample",
        "type": "object",
        "required": ["time", "resource", "scope"],
        "additionalProperties": False,
        "properties": {
            "time": {"type": "string", "format": "date-time"},
            "event": {"enum": [*EVENTS, None]},
            "resource": {
                "type": "object",
                "required": ["id", "type"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "type": {"const": resource_type.id},
                    "name": optional_text,
                },
            },
            "scope": {
                "type": "object",
                "required": [f.key for f in SCOPE_FIELDS if f.required],
                "additionalProperties": False,
                "properties": {
                    f.key: {"type": "string", "minLength": 1} if f.required else optional_text
                    for f in SCOPE_FIELDS
                },
            },
            "traits": traits,
            # Names are checked by the reader (label_name_ok): a JSON Schema pattern
            # would let a trailing line break through ``$``.
            LABELS: {"type": "object", "additionalProperties": optional_text},
        },
    }
