"""Column-wise validation of sample batches with Arrow compute, for every input format.

The rules are the per-record validator's, as :mod:`.rules` declares them for
every column-wise check (types, required and unknown traits per resource type,
known resource types, RFC 3339 times with a timezone, numbers within range,
texts without control characters), rendered in Arrow compute over
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

from rating.load.samples.records import CONTROL, MAX_MAGNITUDE, RFC3339
from rating.load.samples.rules import (
    CleanText,
    KnownType,
    MustBeNull,
    NotNull,
    OneOf,
    Rule,
    TimeWithin,
    ValuesWithin,
    declare,
    read_as_trait,
)
from rating.load.samples.schema import (
    ENVELOPE_COLUMNS,
    TIMESTAMP,
    arrow_type,
    is_text,
    sample_schema,
    trait_columns,
)
from rating.model import ResourceType, TraitType
from rating.scopes import LABEL_PREFIX, is_label_column, label_column


def _per_value(column: pa.Array, compute: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``compute`` row by row; on a dictionary array it runs once per distinct value."""
    if pa.types.is_dictionary(column.type):
        return compute(column.dictionary).take(column.indices)
    return compute(column)


def _as_trait(column: pa.Array, trait_type: TraitType) -> pa.Array:
    """A compatible trait column in its normalized type; Text may stay dictionary-encoded."""
    if pa.types.is_dictionary(column.type) and is_text(column.type):
        return column
    return column.cast(arrow_type(trait_type))  # raises if an integer overflows


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
        self.resource_types = resource_types
        self.traits = trait_columns(resource_types)
        self._declared: dict[tuple[tuple[str, pa.DataType], ...], tuple[Rule, ...]] = {}

    def check(self, columns: dict[str, pa.Array], n: int) -> tuple[pa.Array, dict]:
        """Row mask of rows passing every rule, and the normalized columns.

        Raises ``pa.ArrowInvalid`` (or ``ArrowNotImplementedError``) when a
        column cannot be converted at all; the caller then checks rows one by one.
        """
        typed = self._typed(columns, n)
        if typed is None:
            return pa.repeat(pa.scalar(False), n), {}
        holds = _Holds(typed, n)
        ok = pa.repeat(pa.scalar(True), n)
        for rule in self._rules(typed):
            ok = pc.and_(ok, pc.fill_null(holds(rule), False))
        normalized = {target: typed[source] for target, source in ENVELOPE_COLUMNS.items()}
        for source, column in typed.items():
            if self._usable(source, column.type):
                normalized[source] = column
            elif is_label_column(source) and is_text(column.type):
                name = label_column(source.removeprefix(LABEL_PREFIX))
                if name in self.schema.names:
                    normalized[name] = _label_values(column)
        return ok, normalized

    def _typed(self, columns: dict[str, pa.Array], n: int) -> dict[str, pa.Array] | None:
        """The flat columns as the rules read them (:mod:`.rules`); None if an envelope
        column is not text (every row is then left to the per-record validator)."""
        typed: dict[str, pa.Array] = {}
        for source in ENVELOPE_COLUMNS.values():
            column = columns.get(source, pa.nulls(n, pa.string()))
            if source == "time":
                column = self._time(column)
            elif pa.types.is_null(column.type):
                column = column.cast(pa.string())
            elif not is_text(column.type):
                return None
            typed[source] = column
        for source, column in columns.items():
            if source not in typed:
                usable = self._usable(source, column.type)
                typed[source] = _as_trait(column, self.traits[source[7:]]) if usable else column
        return typed

    def _usable(self, source: str, data_type: pa.DataType) -> bool:
        """A trait column read as the trait (others must be null)."""
        return source.startswith("traits.") and read_as_trait(
            data_type, self.traits.get(source.removeprefix("traits."))
        )

    def _rules(self, typed: dict[str, pa.Array]) -> tuple[Rule, ...]:
        """The declared rules for these columns' names and types (the same for most batches)."""
        key = tuple((name, column.type) for name, column in typed.items())
        if key not in self._declared:
            self._declared[key] = declare(dict(key), self.resource_types)
        return self._declared[key]

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


class _Holds:
    """Per row, does a declared rule hold: each kind of :mod:`.rules` in Arrow compute.

    Text and type lookups run once per distinct value of a dictionary column.
    """

    def __init__(self, columns: dict[str, pa.Array], n: int) -> None:
        self.columns = columns
        self.n = n

    def column(self, name: str) -> pa.Array:
        column = self.columns.get(name)
        return pa.nulls(self.n, pa.string()) if column is None else column

    def __call__(self, rule: Rule) -> pa.Array:
        match rule:
            case NotNull(column):
                return pc.is_valid(self.column(column))
            case TimeWithin(column, low, high):
                time = self.column(column)
                return pc.and_(
                    pc.greater_equal(time, pa.scalar(low, TIMESTAMP)),
                    pc.less(time, pa.scalar(high, TIMESTAMP)),
                )
            case CleanText(column, required, nonempty):
                texts = self.column(column)
                clean = _per_value(texts, lambda v: _clean(v, nonempty))
                return clean if required else pc.or_kleene(pc.is_null(texts), clean)
            case OneOf(column, values):
                texts = self.column(column)
                if texts.null_count == self.n:
                    return pa.repeat(pa.scalar(True), self.n)
                known = _per_value(texts, lambda v: pc.is_in(v, value_set=pa.array(values)))
                return pc.or_kleene(pc.is_null(texts), known)
            case KnownType():
                return self._known_type(rule)
            case ValuesWithin(column):
                return pc.invert(_any_value(self.column(column), _value_fails(rule), self.n))
            case MustBeNull(column):
                return pc.is_null(self.column(column))
        raise TypeError(f"no Arrow rendering of {rule!r}")

    def _known_type(self, rule: KnownType) -> pa.Array:
        """Known type, then per trait column: the rows of the types listing it as absent,
        present or non-negative pass that test. "Rows of these types" masks are lookups
        by type position (unknown: one past the end), shared between traits."""
        ids = pa.array([type_id for type_id, _ in rule.types], pa.string())
        index = _per_value(self.column(rule.column), lambda v: pc.index_in(v, value_set=ids))
        positions = pc.fill_null(index, len(ids)).to_numpy()
        masks: dict[frozenset[int], pa.Array] = {}

        def of_types(types: frozenset[int]) -> pa.Array:
            if types not in masks:
                member = np.zeros(len(ids) + 1, dtype=bool)
                member[list(types)] = True
                masks[types] = pa.array(member[positions])
            return masks[types]

        tests = [pc.is_valid(index)]
        impossible = frozenset(i for i, (_, traits) in enumerate(rule.types) if not traits.possible)
        if impossible:
            tests.append(pc.invert(of_types(impossible)))
        for name in rule.trait_columns():
            values = self.column(name)
            if (absent := rule.where(name, "absent")) and values.null_count < self.n:
                tests.append(pc.or_kleene(pc.is_null(values), pc.invert(of_types(absent))))
            if required := rule.where(name, "present"):
                tests.append(pc.or_kleene(pc.is_valid(values), pc.invert(of_types(required))))
            if nonnegative := rule.where(name, "nonnegative"):
                negative = _any_value(values, lambda v: pc.less(v, 0), self.n)
                tests.append(pc.invert(pc.and_(negative, of_types(nonnegative))))
        return functools.reduce(pc.and_, tests)


def _label_values(column: pa.Array) -> pa.Array:
    """A kept label's values as text; an empty value is no label (null)."""
    text = column.cast(pa.string())
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _clean(texts: pa.Array, nonempty: bool) -> pa.Array:
    """No control character, and (if ``nonempty``) not empty."""
    ok = pc.invert(pc.match_substring_regex(texts, CONTROL))
    return pc.and_(ok, pc.greater(pc.utf8_length(texts), 0)) if nonempty else ok


def _value_fails(rule: ValuesWithin) -> Callable[[pa.Array], pa.Array]:
    """A value (list element) breaking :class:`~.rules.ValuesWithin`: NULL in a list,
    a number outside ±MAX_MAGNITUDE (NaN is outside too)."""
    checks: list[Callable[[pa.Array], pa.Array]] = []
    if rule.numeric:
        checks.append(
            lambda v: pc.invert(pc.and_(pc.greater(v, -MAX_MAGNITUDE), pc.less(v, MAX_MAGNITUDE)))
        )
    if rule.is_list:
        checks.append(pc.is_null)
    return lambda v: functools.reduce(pc.or_kleene, (check(v) for check in checks))


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
