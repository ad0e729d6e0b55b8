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
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from rating.load.samples.parquet_format import compatible, is_text
from rating.load.samples.records import FLAT_ENVELOPE
from rating.load.samples.schema import ENVELOPE_COLUMNS, trait_columns
from rating.load.traits import EVENTS
from rating.model import ResourceType, TraitType

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
    the rows the vectorized check accepts.
    """

    source: str
    rows: int
    select: str
    valid: str


def parquet_query(
    path: str, resource_types: Sequence[ResourceType], names: Sequence[str], batch_rows: int
) -> ParquetQuery | None:
    """The query loading ``path``'s valid rows as columns ``names``, or None if the reader must.

    ``names`` are normalized sample columns (:func:`.schema.sample_schema`)
    but the source position, which a loaded sample does not need. A file of
    one row group longer than a reader batch (``batch_rows``) is left to the
    reader too: DuckDB reads a row group on one thread, pyarrow on all.
    """
    with pq.ParquetFile(path) as file:
        resolved = str(Path(path).resolve())
        if not (_plain_path(resolved) and _exact_schema(file, resource_types)):
            return None
        if file.num_row_groups == 1 and file.metadata.num_rows > batch_rows:
            return None
        rules = _Rules(file.schema_arrow, resource_types)
        return ParquetQuery(
            source=f"read_parquet({_lit(resolved)}, file_row_number = true)",
            rows=file.metadata.num_rows,
            select=", ".join(rules.column(name) for name in names),
            valid=rules.valid(),
        )


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
        return False  # an unknown column: the reader says so
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


def _value_type(data_type: pa.DataType) -> pa.DataType:
    return data_type.value_type if pa.types.is_dictionary(data_type) else data_type


class _Rules:
    """The vectorized check's rules (ParquetChecker._check) over one file's columns."""

    def __init__(self, schema: pa.Schema, resource_types: Sequence[ResourceType]) -> None:
        self.resource_types = resource_types
        self.traits = trait_columns(resource_types)
        present = {f.name: _value_type(f.type) for f in schema if not pa.types.is_null(f.type)}
        self.present = set(present)
        self.usable = tuple(
            name
            for name, trait_type in self.traits.items()
            if f"traits.{name}" in present and compatible(present[f"traits.{name}"], trait_type)
        )
        # Columns that must be null: known traits of an incompatible type, unknown traits.
        self.null_only = [
            name
            for name in present
            if name.startswith("traits.") and name.removeprefix("traits.") not in self.usable
        ]

    def column(self, name: str) -> str:
        """The select expression of normalized column ``name``."""
        source = ENVELOPE_COLUMNS.get(name, name)
        if name.startswith("traits."):
            usable = name.removeprefix("traits.") in self.usable
        else:
            usable = source in self.present
        return _q(source) if usable else "NULL"

    def valid(self) -> str:
        """True for the rows passing every rule (NULL counts as failing)."""
        return " AND ".join(f"COALESCE({rule}, FALSE)" for rule in self._rules())

    def _rules(self) -> Iterator[str]:
        yield f"{self._envelope('time')} IS NOT NULL"
        yield f"{self._envelope('resource.id')} <> ''"
        yield f"{self._envelope('scope.platformType')} <> ''"
        event = self._envelope("event")
        yield f"{event} IS NULL OR {event} IN ({', '.join(map(_lit, EVENTS))})"
        yield self._per_type()
        for name in self.usable:
            if values := _values_rule(_q(f"traits.{name}"), self.traits[name]):
                yield values
        for column in self.null_only:
            yield f"{_q(column)} IS NULL"

    def _envelope(self, source: str) -> str:
        return _q(source) if source in self.present else "NULL"

    def _per_type(self) -> str:
        """Known resource type, and per type its traits present or absent as allowed/required."""
        cases = " ".join(
            f"WHEN {_lit(rt.id)} THEN {self._traits_of(rt)}" for rt in self.resource_types
        )
        return f"CASE {self._envelope('resource.type')} {cases} ELSE FALSE END"

    def _traits_of(self, rt: ResourceType) -> str:
        checks = []
        for name in self.traits:
            trait = rt.trait(name)
            column = f"traits.{name}"
            if name in self.usable:
                if trait is None:
                    checks.append(f"{_q(column)} IS NULL")
                elif not trait.optional:
                    checks.append(f"{_q(column)} IS NOT NULL")
            elif trait is not None and not trait.optional:
                return "FALSE"  # a required trait without a column of its type
        return " AND ".join(checks) or "TRUE"


def _values_rule(column: str, trait_type: TraitType) -> str | None:
    """Naturals are ≥ 0; list elements are non-null (and ≥ 0 for List Natural)."""
    name = trait_type.value
    if name == "Natural":
        return f"{column} IS NULL OR {column} >= 0"
    if not name.startswith("List "):
        return None
    bad = "v IS NULL OR v < 0" if name == "List Natural" else "v IS NULL"
    return f"{column} IS NULL OR len(list_filter({column}, lambda v: {bad})) = 0"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
