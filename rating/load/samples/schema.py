"""The normalized sample schema every reader yields (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from rating.errors import RatecardError
from rating.model import ResourceType, TraitType
from rating.scopes import SCOPE_FIELDS, label_column

_SCALAR_ARROW = {
    "Text": pa.string(),
    "Integer": pa.int64(),
    "Natural": pa.int64(),
    "Double": pa.float64(),
    "Bool": pa.bool_(),
}

TIMESTAMP = pa.timestamp("us", tz="UTC")
TEXT_DICTIONARY = pa.dictionary(pa.int32(), pa.string())

# Normalized column -> flat input column (CSV header / Parquet column name).
ENVELOPE_COLUMNS = {
    "time": "time",
    "event": "event",
    "resource_id": "resource.id",
    "resource_type": "resource.type",
    "resource_name": "resource.name",
    **{f.column: f.flat for f in SCOPE_FIELDS},
}

_ENVELOPE_FIELDS = [
    pa.field("time", TIMESTAMP, nullable=False),
    pa.field("event", pa.string()),
    pa.field("resource_id", pa.string(), nullable=False),
    pa.field("resource_type", pa.string(), nullable=False),
    pa.field("resource_name", pa.string()),
    *(pa.field(f.column, pa.string(), nullable=not f.required) for f in SCOPE_FIELDS),
    pa.field("source_file", pa.string()),
    pa.field("source_line", pa.int64()),
]


def arrow_type(trait_type: TraitType) -> pa.DataType:
    """Arrow type of a trait column: Text→string, Integer/Natural→int64, List X→list<X>."""
    name = trait_type.value
    if name.startswith("List "):
        return pa.list_(_SCALAR_ARROW[name.removeprefix("List ")])
    return _SCALAR_ARROW[name]


def is_text(data_type: pa.DataType) -> bool:
    """String columns, plain or dictionary-encoded."""
    if pa.types.is_dictionary(data_type):
        data_type = data_type.value_type
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)


def compatible(data_type: pa.DataType, trait_type: TraitType) -> bool:
    """Can this column hold the trait's values without loss (the JSON Schema's type)?"""
    if pa.types.is_dictionary(data_type):
        data_type = data_type.value_type
    name = trait_type.value
    if name.startswith("List "):
        if not (pa.types.is_list(data_type) or pa.types.is_large_list(data_type)):
            return False
        return compatible(data_type.value_type, TraitType(name.removeprefix("List ")))
    if name in ("Integer", "Natural"):
        return pa.types.is_integer(data_type)
    if name == "Double":
        return pa.types.is_integer(data_type) or pa.types.is_floating(data_type)
    if name == "Bool":
        return pa.types.is_boolean(data_type)
    return is_text(data_type)


def trait_columns(resource_types: Sequence[ResourceType]) -> dict[str, TraitType]:
    """Every trait name known to the registry with its type, in first-seen order.

    One column per name serves all resource types, so a name must have one
    Arrow type everywhere (Integer and Natural share int64).
    """
    columns: dict[str, TraitType] = {}
    for rt in resource_types:
        for trait in rt.traits:
            seen = columns.setdefault(trait.name, trait.type)
            if arrow_type(seen) != arrow_type(trait.type):
                raise RatecardError(
                    f"trait {trait.name!r} of {rt.id} is {trait.type}, but {seen} elsewhere; "
                    "a trait name must have one type across resource types"
                )
    return columns


def sample_schema(
    resource_types: Sequence[ResourceType],
    columns: Sequence[str] | None = None,
    *,
    dictionary: bool = False,
    labels: Sequence[str] = (),
) -> pa.Schema:
    """The normalized Arrow schema for samples of these resource types.

    ``labels`` are the sample labels kept, as Text columns ``label.<name>`` after
    the traits (the ones a catalog's dimensions read; every other label is only
    validated).

    ``columns`` keeps only those columns (in schema order): a consumer that reads
    a few traits need not carry the others. ``dictionary`` types Text columns as
    ``dictionary<int32, string>``, the way Parquet stores them, so readers can pass
    them on without decoding every row.
    """
    traits = [
        pa.field(f"traits.{name}", arrow_type(trait_type))
        for name, trait_type in trait_columns(resource_types).items()
    ]
    kept_labels = [pa.field(label_column(name), pa.string()) for name in labels]
    fields = [*_ENVELOPE_FIELDS, *traits, *kept_labels]
    if columns is not None:
        kept = set(columns)
        fields = [f for f in fields if f.name in kept]
    if dictionary:
        fields = [f.with_type(TEXT_DICTIONARY) if f.type == pa.string() else f for f in fields]
    return pa.schema(fields)
