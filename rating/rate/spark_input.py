"""Sample Parquet files read and validated by Spark, into the normalized sample table.

The rules are the Parquet reader's (:mod:`rating.load.samples.parquet_format`),
written as one SQL ``CASE`` so they run where the data is: known resource
type, a timestamp with a time zone (or RFC 3339 text), non-empty resource id
and platform type, a known lifecycle event, and per trait the resource type's
schema (allowed, required, Natural ≥ 0, no null list elements). A row failing a
rule keeps the first reason in ``reject_reason`` and is counted as rejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from rating.errors import RatecardError, first_line
from rating.load.samples.records import FLAT_ENVELOPE, RFC3339
from rating.load.samples.schema import ENVELOPE_COLUMNS, sample_schema, trait_columns
from rating.load.traits import EVENTS
from rating.model import ResourceType, TraitType
from rating.rate.dialect import SPARK

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import DataType

_SCALAR_SQL = {
    "Text": "STRING",
    "Integer": "BIGINT",
    "Natural": "BIGINT",
    "Double": "DOUBLE",
    "Bool": "BOOLEAN",
}
_SOURCE_COLUMNS = ("source_file", "source_line")
_q, _lit = SPARK.identifier, SPARK.literal  # every name and value in the SQL below


@dataclass
class SparkSamples:
    """Checked samples: every input row, with ``reject_reason`` NULL for valid ones."""

    checked: DataFrame
    schema: pa.Schema  # of the normalized columns (what the rating plan compiles against)

    @property
    def valid(self) -> DataFrame:
        return self.checked.where("reject_reason IS NULL").drop("reject_reason")

    def count(self) -> tuple[int, int]:
        """(rows read, rows rejected)."""
        read, rejected = self.checked.selectExpr("count(*)", "count(reject_reason)").first()
        return read, rejected


def read_samples(
    spark: SparkSession, paths: Sequence[str], resource_types: Sequence[ResourceType]
) -> SparkSamples:
    """Read sample Parquet files (flat layout, docs/architecture.md) with Spark.

    The checked rows are persisted: they are counted, then rated.
    """
    from pyspark import StorageLevel

    for path in paths:
        if not path.endswith(".parquet") and "." in path.rsplit("/", 1)[-1]:
            raise RatecardError(f"{path}: --engine spark reads Parquet sample files only")
    try:
        raw = spark.read.parquet(*paths)
    except Exception as error:  # AnalysisException for missing paths, Py4J errors for others
        raise RatecardError(
            f"{', '.join(paths)}: cannot read Parquet: {first_line(error)}"
        ) from error
    columns = {f.name: f.dataType for f in raw.schema.fields}
    unknown = [c for c in columns if c not in FLAT_ENVELOPE and not c.startswith("traits.")]
    if unknown:
        raise RatecardError(f"{paths[0]}: unknown column {unknown[0]!r}")
    schema = sample_schema(resource_types)
    schema = pa.schema([f for f in schema if f.name not in _SOURCE_COLUMNS])
    selected = [*_envelope(columns, paths[0]), *_traits(columns, resource_types)]
    reasons = " ".join(
        f"WHEN NOT COALESCE({ok}, FALSE) THEN {_lit(why)}"
        for why, ok in _rules(columns, resource_types)
    )
    raw.createOrReplaceTempView("raw_samples")
    checked = spark.sql(
        f"SELECT {', '.join(selected)}, CASE {reasons} END AS reject_reason FROM raw_samples"
    )
    return SparkSamples(checked.persist(StorageLevel.MEMORY_AND_DISK), schema)


def _envelope(columns: dict[str, DataType], where: str) -> list[str]:
    from pyspark.sql.types import NullType, StringType

    selected = [f"{_time(columns)} AS {_q('time')}"]
    for target, source in ENVELOPE_COLUMNS.items():
        if target == "time":
            continue
        found = columns.get(source)
        if found is not None and not isinstance(found, StringType | NullType):
            raise RatecardError(f"{where}: column {source!r} is {found.simpleString()}, not text")
        value = _q(source) if found is not None else "NULL"
        selected.append(f"CAST({value} AS STRING) AS {_q(target)}")
    return selected


def _time(columns: dict[str, DataType]) -> str:
    """Timestamps with a time zone, or RFC 3339 text; anything else is NULL (rejected)."""
    from pyspark.sql.types import StringType, TimestampType

    found = columns.get("time")
    if isinstance(found, TimestampType):
        return _q("time")
    if isinstance(found, StringType):
        pattern = SPARK.string_literal(RFC3339.pattern)
        return f"CASE WHEN {_q('time')} RLIKE {pattern} THEN CAST({_q('time')} AS TIMESTAMP) END"
    return "CAST(NULL AS TIMESTAMP)"


def _traits(columns: dict[str, DataType], resource_types: Sequence[ResourceType]) -> list[str]:
    selected = []
    for name, trait_type in trait_columns(resource_types).items():
        column = f"traits.{name}"
        found = columns.get(column)
        usable = found is not None and _compatible(found, trait_type)
        value = _q(column) if usable else "NULL"
        selected.append(f"CAST({value} AS {_sql_type(trait_type)}) AS {_q(column)}")
    return selected


def _rules(
    columns: dict[str, DataType], resource_types: Sequence[ResourceType]
) -> list[tuple[str, str]]:
    """(reason, SQL true for a valid row), in the order the reasons are reported."""
    ids = [rt.id for rt in resource_types]

    def of_types(types: Sequence[str]) -> str:
        listed = ", ".join(_lit(t) for t in types)
        return f"{_q('resource.type')} IN ({listed})" if types else "FALSE"

    def text(source: str) -> str:
        return _q(source) if source in columns else "NULL"

    rules = [
        ("time: missing or not a timestamp with a time zone", f"{_time(columns)} IS NOT NULL"),
        ("resource.id: missing or empty", f"length({text('resource.id')}) > 0"),
        ("scope.platformType: missing or empty", f"length({text('scope.platformType')}) > 0"),
        ("resource.type: unknown resource type", of_types(ids)),
        (
            "event: not one of " + ", ".join(EVENTS),
            f"{text('event')} IS NULL OR {text('event')} IN ({', '.join(map(_lit, EVENTS))})",
        ),
    ]
    for name, trait_type in trait_columns(resource_types).items():
        column = f"traits.{name}"
        having = [rt.id for rt in resource_types if rt.trait(name)]
        requiring = [rt.id for rt in resource_types if (t := rt.trait(name)) and not t.optional]
        found = columns.get(column)
        usable = found is not None and _compatible(found, trait_type)
        if found is not None and not usable:
            rules.append((f"{column}: not a {trait_type.value}", f"{_q(column)} IS NULL"))
        if requiring:
            present = f"{_q(column)} IS NOT NULL" if usable else "FALSE"
            rules.append((f"{column}: required", f"NOT ({of_types(requiring)}) OR {present}"))
        if usable:
            rules.append(
                (
                    f"{column}: not a trait of this type",
                    f"{_q(column)} IS NULL OR {of_types(having)}",
                )
            )
            if value_rule := _value_rule(_q(column), trait_type):
                rules.append((f"{column}: invalid value", f"{_q(column)} IS NULL OR {value_rule}"))
    known = {f"traits.{name}" for name in trait_columns(resource_types)}
    for column in columns:
        if column.startswith("traits.") and column not in known:
            rules.append((f"{column}: no resource type has this trait", f"{_q(column)} IS NULL"))
    return rules


def _value_rule(column: str, trait_type: TraitType) -> str | None:
    """Naturals are ≥ 0; list elements are non-null (and ≥ 0 for List Natural)."""
    name = trait_type.value
    if name == "Natural":
        return f"{column} >= 0"
    if name == "List Natural":
        return f"NOT exists({column}, x -> x IS NULL OR x < 0)"
    if name.startswith("List "):
        return f"NOT exists({column}, x -> x IS NULL)"
    return None


def _sql_type(trait_type: TraitType) -> str:
    name = trait_type.value
    if name.startswith("List "):
        return f"ARRAY<{_sql_type(TraitType(name.removeprefix('List ')))}>"
    return _SCALAR_SQL[name]


def _compatible(data_type: DataType, trait_type: TraitType) -> bool:
    """Can this Spark column hold the trait's values without loss (as the Parquet reader)?"""
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        DoubleType,
        FloatType,
        IntegralType,
        StringType,
    )

    name = trait_type.value
    if name.startswith("List "):
        return isinstance(data_type, ArrayType) and _compatible(
            data_type.elementType, TraitType(name.removeprefix("List "))
        )
    if name in ("Integer", "Natural"):
        return isinstance(data_type, IntegralType)
    if name == "Double":
        return isinstance(data_type, IntegralType | DoubleType | FloatType)
    if name == "Bool":
        return isinstance(data_type, BooleanType)
    return isinstance(data_type, StringType)
