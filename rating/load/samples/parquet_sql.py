"""The Parquet reader's rules as DuckDB SQL, for files DuckDB loads without Python.

Handing Arrow batches to DuckDB costs about as much as DuckDB reading the
file itself, and the vectorized check (:mod:`.parquet_format`) comes on top.
So a file whose columns DuckDB reads exactly as the reader does gets its rules
as one SQL predicate: DuckDB loads the rows passing it on all cores, and the
rows failing it (rare) go to the reader's per-record validator, as the rows
the vectorized check rejects do. Rejects and counts are the same either way.

The predicate is the vectorized check's, rule for rule: a trait column of an
incompatible type must be null, and its nulls are missing values. Any file
the SQL could read differently (text or naive timestamps, int32 or unsigned
traits, paths DuckDB would glob, column names that differ only in case,
unknown columns) gets no query: the reader reads it. So does one big row
group, which pyarrow reads faster.

:class:`SampleRules` renders the declared rules (:mod:`.rules`, which the
Arrow check renders too) through a :class:`~rating.rate.dialect.Dialect`:
the Spark engine runs the same declarations in Spark SQL over its input
(:mod:`rating.rate.spark_input`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from rating.load.samples.parquet_format import open_parquet
from rating.load.samples.records import CONTROL_CHARS, FLAT_ENVELOPE, MAX_MAGNITUDE
from rating.load.samples.rules import (
    Bounds,
    CleanText,
    KnownType,
    MustBeNull,
    NotNull,
    OneOf,
    Rule,
    TimeWithin,
    TypeTraits,
    ValuesWithin,
    declare,
    read_as_trait,
)
from rating.load.samples.schema import ENVELOPE_COLUMNS, compatible, is_text, trait_columns
from rating.model import ResourceType, TraitType
from rating.rate.dialect import DUCKDB, Dialect
from rating.scopes import LABEL_COLUMN_PREFIX, LABEL_PREFIX, is_kept_label, is_label_column

_q, _lit = DUCKDB.identifier, DUCKDB.literal  # every name and value in the SQL below
# From how many rows proving a file valid costs less than counting its valid rows
# (measured on the benchmark fleet: 1 k rows 19 ms vs 7 ms, 1 M 120 vs 142 CPU-ms,
# 9.6 M 0.94 vs 1.59 CPU-s).
_PROOF_FROM_ROWS = 1_000_000
_EXACT = {
    "Text": is_text,
    "Integer": pa.types.is_int64,
    "Natural": pa.types.is_int64,
    "Double": pa.types.is_float64,
    "Bool": pa.types.is_boolean,
}


@dataclass(frozen=True)
class ParquetQuery:
    """How DuckDB loads one sample Parquet file's valid rows in the reader's normalized columns.

    ``source`` reads the file with ``file_row_number`` (rows counted from 0),
    ``select`` lists the requested columns and ``valid`` is true exactly for
    the rows the vectorized check accepts. ``readable`` is true too, but only
    once DuckDB has decoded the text the rules do not read (it checks UTF-8
    only then): a pass testing ``valid AND readable`` fails on any file that
    loading ``select`` would fail on. ``all_valid`` is a query of one boolean,
    true exactly when that pass would count every row, at a fraction of its
    cost (:meth:`SampleRules.all_pass`) on a large file; None on a small one,
    where its scans (a few milliseconds each) cost more than counting.
    """

    source: str
    rows: int
    select: str
    valid: str
    readable: str
    all_valid: str | None


def parquet_query(
    path: str, resource_types: Sequence[ResourceType], names: Sequence[str], batch_rows: int
) -> ParquetQuery | None:
    """The query loading ``path``'s valid rows as columns ``names``, or None if the reader must.

    ``names`` are normalized sample columns (:func:`.schema.sample_schema`)
    but the source position, which a loaded sample does not need. A file of
    one row group longer than a reader batch (``batch_rows``) is left to the
    reader too: DuckDB reads a row group on one thread, pyarrow on all.
    """
    with open_parquet(path) as file:
        resolved = str(Path(path).resolve())
        if not (_plain_path(resolved) and _exact_schema(file, resource_types)):
            return None
        if file.num_row_groups == 1 and file.metadata.num_rows > batch_rows:
            return None
        rules = SampleRules(file.schema_arrow, resource_types, _bounds(file))
        source = f"read_parquet({_lit(resolved)}, file_row_number = true)"
        rows = file.metadata.num_rows
        return ParquetQuery(
            source=source,
            rows=rows,
            select=", ".join(rules.column(name) for name in names),
            valid=rules.valid(),
            readable=rules.readable(names),
            all_valid=(
                f"SELECT {rules.all_pass(source, rows, names)}"
                if rows >= _PROOF_FROM_ROWS
                else None
            ),
        )


def _bounds(file: pq.ParquetFile) -> Bounds:
    """``(min, max)`` of each integer or timestamp column, if every row group has statistics.

    A rule the bounds already prove is left out of the query: testing every
    row costs the load a good part of its speed, and files almost always prove
    these (doubles are not used: their statistics leave NaN out).
    """
    metadata = file.metadata
    bounds: dict[str, tuple[Any, Any]] = {}
    for index in range(metadata.num_columns):
        leaf = file.schema.column(index)
        if leaf.physical_type not in ("INT32", "INT64") or leaf.path != leaf.name:
            continue  # not a number or timestamp, or inside a list
        groups = range(metadata.num_row_groups)
        stats = [metadata.row_group(g).column(index).statistics for g in groups]
        if stats and all(s is not None and s.has_min_max for s in stats):
            try:
                bounds[leaf.path] = (min(s.min for s in stats), max(s.max for s in stats))
            except (ValueError, OverflowError):  # a time no datetime holds: the rule decides
                continue
    return bounds


def _plain_path(path: str) -> bool:
    """DuckDB reads this path as this one file (no glob pattern in it)."""
    return not any(c in path for c in "*?[]{}")


def _exact_schema(file: pq.ParquetFile, resource_types: Sequence[ResourceType]) -> bool:
    """Does DuckDB read every column the way the reader's check and normalization see it?"""
    names = file.schema_arrow.names
    if len({n.lower() for n in names}) < len(names):  # DuckDB's names are case-insensitive
        return False
    traits = trait_columns(resource_types)
    return all(_exact_column(file, field, traits) for field in file.schema_arrow)


def _exact_column(file: pq.ParquetFile, field: pa.Field, traits: dict[str, TraitType]) -> bool:
    """One column: DuckDB must read its values as pyarrow does, unless the rules need only NULL."""
    data_type = _value_type(field.type)
    if field.name.startswith("traits."):
        trait_type = traits.get(field.name.removeprefix("traits."))
        if trait_type is None or not compatible(data_type, trait_type):
            return True  # only required to be null, whatever its type
        return _exact(data_type, trait_type)
    if field.name not in FLAT_ENVELOPE:
        return False  # an unknown column (the reader says so) or a label (the reader checks)
    if pa.types.is_null(data_type):
        return True
    if field.name == "time":
        return _utc_micros(file, data_type)
    return is_text(data_type)


def _utc_micros(file: pq.ParquetFile, data_type: pa.DataType) -> bool:
    """A time column DuckDB reads as the same instants: INT64 µs adjusted to UTC."""
    if not (pa.types.is_timestamp(data_type) and data_type.unit == "us" and data_type.tz):
        return False
    leaves = (file.schema.column(i) for i in range(len(file.schema)))
    column = next(c for c in leaves if c.path == "time")
    stored = json.loads(column.logical_type.to_json())
    return column.physical_type == "INT64" and stored.get("isAdjustedToUTC") is True


def _exact(data_type: pa.DataType, trait_type: TraitType) -> bool:
    """Is the column already of the trait's normalized type (so nothing is cast)?"""
    name = trait_type.value
    if name.startswith("List "):
        return pa.types.is_list(data_type) and _exact(
            _value_type(data_type.value_type), TraitType(name.removeprefix("List "))
        )
    return _EXACT[name](data_type)


def _doubles(rule: Rule) -> bool:
    """Does ``rule`` bound Double values (which Parquet's statistics do not)?"""
    return isinstance(rule, ValuesWithin) and rule.base == "Double"


def _value_type(data_type: pa.DataType) -> pa.DataType:
    return data_type.value_type if pa.types.is_dictionary(data_type) else data_type


class SampleRules:
    """The declared sample rules (:mod:`.rules`) over one input's flat columns, as SQL.

    ``schema`` holds the flat columns (``time``, ``resource.id``,
    ``traits.vcpu``…) as the query sees them: a trait column of a compatible
    type is read as the trait, one of another type (or of no resource type)
    must be null. ``bounds`` are proven ``(min, max)`` per column; a rule they
    prove is left out. ``dialect`` spells names, values and the few
    engine-specific constructs.
    """

    def __init__(
        self,
        schema: pa.Schema,
        resource_types: Sequence[ResourceType],
        bounds: Bounds,
        dialect: Dialect = DUCKDB,
    ) -> None:
        self.dialect = dialect
        self.traits = trait_columns(resource_types)
        columns = {f.name: _value_type(f.type) for f in schema}
        self.rules = declare(columns, resource_types, bounds)
        self.present = {
            name for name, data_type in columns.items() if not pa.types.is_null(data_type)
        }
        self.usable = {
            name
            for name, trait_type in self.traits.items()
            if read_as_trait(columns.get(f"traits.{name}"), trait_type)
        }
        self.labels = {  # validated by a rule, so readable as text
            rule.column
            for rule in self.rules
            if isinstance(rule, CleanText) and is_label_column(rule.column)
        }

    def column(self, name: str) -> str:
        """The select expression of normalized column ``name``."""
        if is_kept_label(name):  # labels.<name> text; an empty value is no label
            source = LABEL_PREFIX + name.removeprefix(LABEL_COLUMN_PREFIX)
            return f"NULLIF({self._column(source)}, '')" if source in self.labels else "NULL"
        if name.startswith("traits."):
            return self._column(name) if name.removeprefix("traits.") in self.usable else "NULL"
        return self._column(ENVELOPE_COLUMNS.get(name, name))

    def readable(self, names: Sequence[str]) -> str:
        """Always true, after decoding the text of the requested traits the rules may not read.

        The envelope's text is read by the rules (``contains``, ``IN``, a type
        compared), but a trait may only be tested for NULL, which DuckDB does
        without decoding, so its invalid UTF-8 would surface in a later query.
        """
        return " AND ".join(self._decoded(names)) or "TRUE"

    def _decoded(self, names: Sequence[str]) -> list[str]:
        """:meth:`readable`'s test of each requested Text trait column."""
        return [
            f"COALESCE(length({self.dialect.identifier(name)}) >= 0, TRUE)"
            for name in names
            if name.startswith("traits.")
            and name.removeprefix("traits.") in self.usable
            and self.traits[name.removeprefix("traits.")].value.removeprefix("List ") == "Text"
        ]

    def valid(self) -> str:
        """True for the rows passing every rule (NULL counts as failing)."""
        return " AND ".join(f"COALESCE({self._holds(rule)}, FALSE)" for rule in self.rules)

    def all_pass(self, source: str, rows: int, names: Sequence[str]) -> str:
        """True exactly when all ``rows`` rows of ``source`` are :meth:`valid` and :meth:`readable`.

        It decides for the whole input what counting the rows passing
        ``valid AND readable`` decides, in about half the time: DuckDB
        evaluates a filter on one column inside its scan (on a dictionary-
        encoded column, once per distinct value), but a predicate over several
        columns row by row, which reading them costs as much again. So each
        rule on one column gets a scan counting the rows passing it, and the
        resource types' demands on the trait columns (:class:`KnownType`) are
        checked on counts per type (:meth:`_types_pass`). A range of Doubles
        is tested row by row, in an aggregate: a filter DuckDB pushes into its
        scan is decided from Parquet's statistics where they allow, and those
        of a Double column leave NaN out.
        """
        by_row = [rule for rule in self.rules if _doubles(rule)]
        by_scan = [r for r in self.rules if not isinstance(r, KnownType) and r not in by_row]
        tests = [
            f"(SELECT count(*) FROM {source} WHERE {test}) = {rows}"
            for test in [*map(self._holds, by_scan), *self._decoded(names)]
        ]
        if by_row:
            each = " AND ".join(f"COALESCE({self._holds(rule)}, FALSE)" for rule in by_row)
            tests.append(f"(SELECT bool_and({each}) IS NOT FALSE FROM {source})")
        tests += [
            self._types_pass(rule, source) for rule in self.rules if isinstance(rule, KnownType)
        ]
        return " AND ".join(tests) or "TRUE"

    def _types_pass(self, rule: KnownType, source: str) -> str:
        """Every row meets its resource type's demands (:meth:`_traits_of`), judged per type.

        Grouped by type, a trait column present in every row has as many
        values as the group rows, one absent in every row none, and a
        non-negative one no negative value; a type the rule does not know fails.
        """
        q = self.dialect.identifier
        counted = sorted({c for _, traits in rule.types for c in (*traits.absent, *traits.present)})
        checked = sorted({c for _, traits in rule.types for c in traits.nonnegative})
        values = {column: f"v{i}" for i, column in enumerate(counted)}
        nonnegative = {column: f"nn{i}" for i, column in enumerate(checked)}
        aggregates = [f"count({q(column)}) AS {values[column]}" for column in counted]
        aggregates += [
            f"bool_and({self._all_values(column, self.traits[column[7:]], '{v} >= 0')})"
            f" AS {nonnegative[column]}"
            for column in checked
        ]

        def meets(traits: TypeTraits) -> str:
            if not traits.possible:
                return "FALSE"
            demands = [f"{values[column]} = 0" for column in traits.absent]
            demands += [f"{values[column]} = group_rows" for column in traits.present]
            demands += [nonnegative[column] for column in traits.nonnegative]
            return " AND ".join(demands) or "TRUE"

        cases = " ".join(f"WHEN {self.dialect.literal(i)} THEN {meets(t)}" for i, t in rule.types)
        groups = (
            f"SELECT {self._column(rule.column)} AS kind, "
            f"{', '.join(['count(*) AS group_rows', *aggregates])} FROM {source} GROUP BY 1"
        )
        each = f"COALESCE(CASE kind {cases} ELSE FALSE END, FALSE)"
        return f"(SELECT bool_and({each}) IS NOT FALSE FROM ({groups}))"  # no rows: true

    def _column(self, name: str) -> str:
        """A flat column by name; NULL where the input has none."""
        return self.dialect.identifier(name) if name in self.present else "NULL"

    def _holds(self, rule: Rule) -> str:
        """One declared rule as an SQL condition."""
        lit = self.dialect.literal
        match rule:
            case NotNull(column):
                return f"{self._column(column)} IS NOT NULL"
            case TimeWithin(column, low, high):
                time = self._column(column)
                low_sql, high_sql = self.dialect.timestamp(low), self.dialect.timestamp(high)
                return f"{time} >= {low_sql} AND {time} < {high_sql}"
            case CleanText(column, required, nonempty):
                text = self._column(column)
                clean = " AND ".join(f"NOT contains({text}, chr({ord(c)}))" for c in CONTROL_CHARS)
                if nonempty:
                    clean += f" AND {text} <> ''"
                return clean if required else f"{text} IS NULL OR ({clean})"
            case OneOf(column, values):
                text = self._column(column)
                return f"{text} IS NULL OR {text} IN ({', '.join(map(lit, values))})"
            case KnownType(column, types):
                cases = " ".join(f"WHEN {lit(i)} THEN {self._traits_of(t)}" for i, t in types)
                return f"CASE {self._column(column)} {cases} ELSE FALSE END"
            case ValuesWithin(column, trait_type):
                tests = []
                if rule.is_list:
                    tests.append("{v} IS NOT NULL")
                if rule.numeric:
                    tests.append(f"{{v}} > -{MAX_MAGNITUDE} AND {{v}} < {MAX_MAGNITUDE}")
                if rule.base == "Double":  # said outright: see Dialect.not_nan
                    tests.append(self.dialect.not_nan("{v}"))
                return self._all_values(column, trait_type, " AND ".join(tests))
            case MustBeNull(column):
                return f"{self._column(column)} IS NULL"
        raise TypeError(f"no SQL rendering of {rule!r}")

    def _traits_of(self, traits: TypeTraits) -> str:
        """One resource type's demands on the trait columns."""
        if not traits.possible:
            return "FALSE"  # a required trait without a column of its type
        q = self.dialect.identifier
        checks = [f"{q(column)} IS NULL" for column in traits.absent]
        checks += [f"{q(column)} IS NOT NULL" for column in traits.present]
        checks += [
            f"({self._all_values(column, self.traits[column[7:]], '{v} >= 0')})"
            for column in traits.nonnegative
        ]
        return " AND ".join(checks) or "TRUE"

    def _all_values(self, column: str, trait_type: TraitType, rule: str) -> str:
        """``rule`` (on ``{v}``) holds for the value, or every element of a list, or it is NULL."""
        name = self.dialect.identifier(column)
        if trait_type.value.startswith("List "):
            failing = self.dialect.any_element(name, "v", f"NOT ({rule.format(v='v')})")
            return f"{name} IS NULL OR NOT {failing}"
        return f"{name} IS NULL OR ({rule.format(v=name)})"
