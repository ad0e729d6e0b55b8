"""Column-wise validation of sample batches with Arrow compute, for every input format.

The rules are the per-record validator's (:mod:`.records`: types, required and
unknown traits per resource type, known resource types, RFC 3339 times with a
timezone, numbers within range, texts without control characters), applied to
whole columns of flat sample columns (``resource.id``, ``traits.vcpu``, …),
however they were read: Parquet, or JSON Lines and CSV parsed block by block.
A row that passes becomes a normalized row without touching Python objects; a
row that fails goes back to the per-record validator for its exact message
(which would also accept a row these checks were too strict about, so nothing
is lost).

Text checks run once per distinct value on dictionary-encoded columns.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rating.load.samples.records import (
    CONTROL,
    MAX_MAGNITUDE,
    MAX_TIME,
    MIN_TIME,
    REQUIRED_TEXT,
    RFC3339,
    TEXT_FIELDS,
    nonnegative,
)
from rating.load.samples.schema import (
    ENVELOPE_COLUMNS,
    TIMESTAMP,
    arrow_type,
    sample_schema,
    trait_columns,
)
from rating.load.traits import EVENTS
from rating.model import ResourceType, TraitType
from rating.scopes import LABEL_PREFIX, is_label_column, label_column, label_name_ok

_MIN_TIME = pa.scalar(MIN_TIME, TIMESTAMP)
_MAX_TIME = pa.scalar(MAX_TIME, TIMESTAMP)


def is_text(data_type: pa.DataType) -> bool:
    """String columns, plain or dictionary-encoded."""
    if pa.types.is_dictionary(data_type):
        data_type = data_type.value_type
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)


def _per_value(column: pa.Array, compute: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``compute`` row by row; on a dictionary array it runs once per distinct value."""
    if pa.types.is_dictionary(column.type):
        return compute(column.dictionary).take(column.indices)
    return compute(column)


def _typed(column: pa.Array, trait_type: TraitType) -> pa.Array:
    """A compatible trait column in its normalized type; Text may stay dictionary-encoded."""
    if pa.types.is_dictionary(column.type) and is_text(column.type):
        return column
    return column.cast(arrow_type(trait_type))  # raises if an integer overflows


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


class ColumnChecker:
    """Checks flat sample columns against the rules of ``resource_types``.

    ``schema`` (default: the full normalized schema) is the shape of the valid
    rows it hands back: it may leave columns out or type Text as dictionaries
    (:func:`sample_schema`); validation is the same.
    """

    def __init__(
        self, resource_types: Sequence[ResourceType], schema: pa.Schema | None = None
    ) -> None:
        self.schema = schema or sample_schema(resource_types)
        self.traits = trait_columns(resource_types)
        self.type_ids = pa.array([rt.id for rt in resource_types], pa.string())
        # Per trait: positions (in type_ids) of the types that have it / require it.
        self.allowed = {
            name: frozenset(i for i, rt in enumerate(resource_types) if rt.trait(name))
            for name in self.traits
        }
        self.nonnegative = {
            name: frozenset(
                i
                for i, rt in enumerate(resource_types)
                if (t := rt.trait(name)) and nonnegative(t.type, t.unit)
            )
            for name in self.traits
        }
        self.required = {
            name: frozenset(
                i for i, rt in enumerate(resource_types) if (t := rt.trait(name)) and not t.optional
            )
            for name in self.traits
        }
        self.events = pa.array(EVENTS, pa.string())

    def check(self, columns: dict[str, pa.Array], n: int) -> tuple[pa.Array, dict]:
        """Row mask of rows passing every rule, and the normalized columns.

        Raises ``pa.ArrowInvalid`` (or ``ArrowNotImplementedError``) when a
        column cannot be converted at all; the caller then checks rows one by one.
        """
        ok = pa.repeat(pa.scalar(True), n)
        normalized: dict[str, pa.Array] = {}

        def require(mask: pa.Array) -> None:
            nonlocal ok
            ok = pc.and_(ok, pc.fill_null(mask, False))

        for target, source in ENVELOPE_COLUMNS.items():
            column = columns.get(source, pa.nulls(n, pa.string()))
            if target == "time":
                column = self._time(column)
            elif pa.types.is_null(column.type):
                column = column.cast(pa.string())
            elif not is_text(column.type):
                return pa.repeat(pa.scalar(False), n), {}
            normalized[target] = column

        time = normalized["time"]
        require(pc.and_(pc.greater_equal(time, _MIN_TIME), pc.less(time, _MAX_TIME)))
        for target, source in ENVELOPE_COLUMNS.items():
            if source in TEXT_FIELDS:
                column = normalized[target]
                fine = _per_value(column, lambda v, field=source: _text_ok(v, field))
                require(fine if source in REQUIRED_TEXT else pc.or_kleene(pc.is_null(column), fine))
        # Resource types as positions in type_ids (unknown: one past the end): one
        # string lookup per distinct value, then "rows of these types" masks are
        # table lookups by position, shared between traits.
        type_index = _per_value(
            normalized["resource_type"], lambda v: pc.index_in(v, value_set=self.type_ids)
        )
        require(pc.is_valid(type_index))
        positions = pc.fill_null(type_index, len(self.type_ids)).to_numpy()
        masks: dict[frozenset[int], pa.Array] = {}

        def of_types(types: frozenset[int]) -> pa.Array:
            if types not in masks:
                member = np.zeros(len(self.type_ids) + 1, dtype=bool)
                member[list(types)] = True
                masks[types] = pa.array(member[positions])
            return masks[types]

        event = normalized["event"]
        if event.null_count < n:
            known = _per_value(event, lambda v: pc.is_in(v, value_set=self.events))
            require(pc.or_kleene(pc.is_null(event), known))

        for name, trait_type in self.traits.items():
            column = columns.get(f"traits.{name}")
            if column is not None and not compatible(column.type, trait_type):
                require(pc.is_null(column))  # values of the wrong type are rejected
                column = None  # and the nulls are missing values
            if column is None or pa.types.is_null(column.type):
                if self.required[name]:
                    require(pc.invert(of_types(self.required[name])))
                continue
            column = _typed(column, trait_type)
            normalized[f"traits.{name}"] = column
            present = pc.is_valid(column)
            if column.null_count < n:
                require(pc.or_kleene(pc.invert(present), of_types(self.allowed[name])))
            if self.required[name]:
                require(pc.or_kleene(present, pc.invert(of_types(self.required[name]))))
            require(_values_ok(column, trait_type, n))
            if self.nonnegative[name]:
                negative = pc.and_(
                    _any_value(column, lambda v: pc.less(v, 0), n), of_types(self.nonnegative[name])
                )
                require(pc.invert(negative))
        for source, column in columns.items():
            if source.startswith("traits.") and source[7:] not in self.traits:
                require(pc.is_null(column))  # a trait no resource type has
            elif is_label_column(source):
                name = source.removeprefix(LABEL_PREFIX)
                require(_label_ok(name, column))
                if label_column(name) in self.schema.names and is_text(column.type):
                    normalized[label_column(name)] = _label_values(column)
        return ok, normalized

    @staticmethod
    def _time(column: pa.Array) -> pa.Array:
        """Timestamps with a timezone, or RFC 3339 strings; anything else is null (invalid)."""
        if pa.types.is_timestamp(column.type):
            if column.type.tz is None:
                return pa.nulls(len(column), TIMESTAMP)
            return column.cast(TIMESTAMP)
        if is_text(column.type):
            return _per_value(column, _rfc3339)
        return pa.nulls(len(column), TIMESTAMP)

    def valid_rows(
        self, normalized: dict[str, pa.Array], ok: pa.Array, lines: np.ndarray, path: str
    ) -> pa.RecordBatch | None:
        """The rows ``ok`` marks as batch of :attr:`schema` (None if there are none).

        ``lines`` holds each row's line number (Parquet: row number from 1),
        ``normalized`` the columns :meth:`check` returned.
        """
        if not pc.any(ok).as_py():
            return None
        indices = None if pc.all(ok).as_py() else pc.indices_nonzero(ok)
        size = len(ok) if indices is None else len(indices)
        arrays = []
        for field in self.schema:
            if field.name == "source_file":
                column = pa.repeat(pa.scalar(path, pa.string()), size)
            elif field.name == "source_line":
                column = pa.array(lines if indices is None else lines[indices.to_numpy()])
            elif (column := normalized.get(field.name)) is None:
                column = pa.nulls(size, field.type)
            elif indices is not None:
                column = pc.take(column, indices)
            arrays.append(column if column.type == field.type else column.cast(field.type))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def _label_ok(name: str, column: pa.Array) -> pa.Array:
    """Per row: the label is absent, or its name is good and its text has no control
    character (an empty text is no label). Only the labels a catalog reads are kept."""
    if pa.types.is_null(column.type):
        return pa.repeat(pa.scalar(True), len(column))
    if not (label_name_ok(name) and is_text(column.type)):
        return pc.is_null(column)
    fine = _per_value(column, lambda v: pc.invert(pc.match_substring_regex(v, CONTROL)))
    return pc.or_kleene(pc.is_null(column), fine)


def _label_values(column: pa.Array) -> pa.Array:
    """A kept label's values as text; an empty value is no label (null)."""
    text = column.cast(pa.string())
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _text_ok(texts: pa.Array, field: str) -> pa.Array:
    """No control characters, and not empty where the field is a scope id or required."""
    ok = pc.invert(pc.match_substring_regex(texts, CONTROL))
    if field != "resource.name":
        ok = pc.and_(ok, pc.greater(pc.utf8_length(texts), 0))
    return ok


def _values_ok(column: pa.Array, trait_type: TraitType, n: int) -> pa.Array:
    """Per row: no null list element, every number within ±MAX_MAGNITUDE (so finite)."""
    name = trait_type.value
    base = name.removeprefix("List ")
    checks: list[Callable[[pa.Array], pa.Array]] = []
    if base in ("Integer", "Natural", "Double"):
        checks.append(
            lambda v: pc.invert(pc.and_(pc.greater(v, -MAX_MAGNITUDE), pc.less(v, MAX_MAGNITUDE)))
        )
    if name != base:
        checks.append(pc.is_null)
    if not checks:
        return pa.repeat(pa.scalar(True), n)
    return pc.invert(
        _any_value(column, lambda v: functools.reduce(pc.or_kleene, (c(v) for c in checks)), n)
    )


def _any_value(column: pa.Array, bad: Callable[[pa.Array], pa.Array], n: int) -> pa.Array:
    """Per row: is ``bad`` true for the value (or, for a list, for any element)?"""
    if not pa.types.is_list(column.type):
        return pc.fill_null(bad(column), False)
    hits = pc.fill_null(bad(pc.list_flatten(column)), False)
    rows = np.zeros(n, dtype=bool)
    rows[pc.filter(pc.list_parent_indices(column), hits).to_numpy()] = True
    return pa.array(rows)


def _rfc3339(text: pa.Array) -> pa.Array:
    """RFC 3339 strings as timestamps; anything else is null (invalid)."""
    matches = pc.match_substring_regex(text, RFC3339.pattern)
    return pc.if_else(matches, text, None).cast(TIMESTAMP)
