"""Sample files read and validated by Spark: Parquet, JSON Lines and CSV, with the embedded rules.

Spark reads the files itself (local paths or any Hadoop filesystem such as
``s3a://``; JSON Lines and CSV plain or compressed, ``.gz`` and ``.zst`` by
Spark's own codecs), so no sample passes through this process. Two steps,
both Spark SQL:

1. Per format, every record becomes the flat sample columns (``time``,
   ``resource.id``, ``traits.vcpu``…, as a Parquet file or a CSV header names
   them) and a ``_well_formed`` flag for what only the format can tell: a line
   that is not UTF-8, longer than :data:`~.sources.MAX_LINE_BYTES` or not
   exactly one JSON object; a field of the wrong JSON type or an unknown
   field; a CSV record with stray quotes or more cells than the header; a CSV
   cell the per-record reader would not convert. Nothing is dropped: a record
   Spark cannot parse is a row that is not well formed.
2. The embedded readers' rules over those columns, as declared once
   (:mod:`rating.load.samples.rules`) and rendered by
   :class:`~rating.load.samples.parquet_sql.SampleRules` in the
   :data:`~rating.rate.dialect.SPARK` dialect: time
   range, texts without NUL/LF/CR and not empty, known type and event, traits
   allowed, required, finite within ±1e15, measured traits and Naturals ≥ 0.

A row failing either is counted as rejected (docs/spark.md lists the few
places where Spark's parsers see a record differently from ratecard's own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, TypeVar

import pyarrow as pa

from rating.errors import RatecardError, first_line
from rating.load.samples.parquet_sql import SampleRules
from rating.load.samples.records import CONTROL_CHARS, FLAT_ENVELOPE, RFC3339, known_column
from rating.load.samples.rules import read_as_trait
from rating.load.samples.schema import (
    TIMESTAMP,
    arrow_type,
    is_text,
    sample_schema,
    trait_columns,
)
from rating.load.samples.sources import MAX_LINE_BYTES, SAMPLE_SUFFIXES, detect
from rating.load.samples.text_formats import csv_header
from rating.model import ResourceType, TraitType
from rating.rate.dialect import SPARK
from rating.scopes import LABEL_NAME, LABEL_PREFIX, LABELS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import DataType

_SOURCE_COLUMNS = ("source_file", "source_line")
_WELL_FORMED = "_well_formed"  # no sample column: the readers refuse unknown names
_q, _lit = SPARK.identifier, SPARK.literal  # every name and value in the SQL below
_SCALARS = {
    pa.string(): "STRING",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    TIMESTAMP: "TIMESTAMP",
}
_OBJECT = "map<string,variant>"
_NUMBER = "^(TINYINT|SMALLINT|INT|BIGINT|FLOAT|DOUBLE|DECIMAL.*)$"  # schema_of_variant's names
# CSV cells as the per-record reader converts them (text_formats._convert), finite ones.
_CSV_INTEGER = "^[+-]?[0-9]+$"
_CSV_DOUBLE = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
# A CSV line whose quotes all open or close a whole cell (Python's strict reader).
_CSV_QUOTING = r'^(?:"(?:[^"]++|"")*+"|[^",]*+)(?:,(?:"(?:[^"]++|"")*+"|[^",]*+))*+$'
_T = TypeVar("_T")
_BOM = _lit("^\ufeff")  # a byte order mark opening a line
_BLANK = _lit(r"^\s*$")


@dataclass
class SparkSamples:
    """Checked samples: every input record, with ``valid`` false for the rejected ones."""

    checked: DataFrame
    schema: pa.Schema  # of the normalized columns (what the rating plan compiles against)

    @property
    def valid(self) -> DataFrame:
        return self.checked.where("valid").drop("valid")

    def count(self) -> tuple[int, int]:
        """(records read, records rejected)."""
        read, rejected = self.checked.selectExpr("count(*)", "count_if(NOT valid)").first()
        return read, rejected


def read_samples(
    spark: SparkSession,
    paths: Sequence[str],
    resource_types: Sequence[ResourceType],
    labels: Sequence[str] = (),
) -> SparkSamples:
    """Read sample files of one format (by name; a name without suffix is a Parquet dataset).

    ``labels`` are kept as columns ``label.<name>``, as by the embedded reader.

    The checked rows are checkpointed (read once, counted, then rated), which
    also cuts their lineage: the rating plan's stages then compile against a
    table, not against the hundreds of expressions that parsed and checked it.
    """
    formats = {_format(path) for path in paths}
    if len(formats) > 1:
        raise RatecardError(
            f"{', '.join(paths)}: --engine spark reads one format per run, got "
            + ", ".join(sorted(formats))
        )
    fmt = formats.pop()
    traits = trait_columns(resource_types)
    if fmt == "jsonl":  # the labels object's kept values become flat labels.<name> columns
        flat = _jsonl(spark, paths, traits, labels)
    else:
        flat = {"parquet": _parquet, "csv": _csv}[fmt](spark, paths, traits)
    normalized = sample_schema(resource_types, labels=labels)
    checked = _checked(spark, flat, resource_types, normalized)
    schema = pa.schema([f for f in normalized if f.name not in _SOURCE_COLUMNS])
    return SparkSamples(checked.localCheckpoint(eager=True), schema)


def _format(path: str) -> str:
    """``parquet``, ``jsonl`` or ``csv`` from the name, as the embedded readers decide."""
    if path == "-":
        raise RatecardError("-: --engine spark reads files, not stdin")
    name = PurePosixPath(path.rstrip("/")).name.lower()
    if "." not in name:
        return "parquet"  # a directory: a Parquet dataset
    found, _ = detect(path)  # fails for compressed Parquet
    plain = name.removesuffix(".gz").removesuffix(".zst")
    if not plain.endswith(SAMPLE_SUFFIXES):  # JSON Lines is only the embedded default
        raise RatecardError(
            f"{path}: --engine spark reads .parquet, .jsonl (.json, .ndjson) and .csv "
            "sample files, the last two plain, .gz or .zst"
        )
    return found


def java_cause(error: Exception) -> str:
    """The innermost Java exception of a Spark failure, else its first line.

    A job that fails reading (a truncated ``.gz``, a corrupt zstd frame) says
    only "An error occurred while calling o94.collectToPython" on its first
    line; the reason is the last "Caused by" of the Java stack trace.
    """
    causes = [line for line in str(error).splitlines() if line.startswith("Caused by: ")]
    return causes[-1].removeprefix("Caused by: ") if causes else first_line(error)


def _load(paths: Sequence[str], read: Callable[[], _T]) -> _T:
    """``read()``, its failure (a missing path, no filesystem for a scheme) one line."""
    try:
        return read()
    except Exception as error:  # AnalysisException for missing paths, Py4J errors for others
        raise RatecardError(
            f"{', '.join(paths)}: cannot read samples: {java_cause(error)}"
        ) from error


# ---------------------------------------------------------------- step 1: flat columns


def _parquet(spark: SparkSession, paths: Sequence[str], traits: dict[str, TraitType]) -> DataFrame:
    """Parquet columns are the flat columns; their types are judged in step 2."""
    raw = _load(paths, lambda: spark.read.parquet(*paths))
    unknown = [c for c in raw.columns if not known_column(c)]
    if unknown:
        raise RatecardError(f"{paths[0]}: unknown column {unknown[0]!r}")
    raw.createOrReplaceTempView("sample_parquet")
    return spark.sql(f"SELECT *, TRUE AS {_WELL_FORMED} FROM sample_parquet")


def _jsonl(
    spark: SparkSession,
    paths: Sequence[str],
    traits: dict[str, TraitType],
    labels: Sequence[str] = (),
) -> DataFrame:
    """One JSON object per non-blank line, parsed as a VARIANT and taken apart field by field.

    Every object must hold only known fields (and trait names), each of its
    JSON type or null; ``resource``, ``scope`` and ``traits`` are objects
    (``traits`` may be left out, not null).
    """
    lines = _load(paths, lambda: spark.read.text(list(paths)))
    lines.createOrReplaceTempView("sample_lines")
    value, exact = _json("line")
    keys: dict[str, list[str]] = {"top": ["traits", LABELS], "traits": list(traits)}
    fields: list[tuple[str, str, str, TraitType]] = []  # (object, key, flat column, type)
    for column in FLAT_ENVELOPE:
        group, _, key = column.rpartition(".")
        if group and group not in keys:
            keys["top"].append(group)
        keys.setdefault(group or "top", []).append(key)
        fields.append((group or "top", key, column, TraitType("Text")))
    fields += [("traits", name, f"traits.{name}", t) for name, t in traits.items()]
    selected, fits = [], ["top IS NOT NULL"]
    for name in labels:  # kept labels; _labels_fit checks every label
        text, _ = _variant_as(f"try_element_at({LABELS}, {_lit(name)})", TraitType("Text"))
        selected.append(f"{text} AS {_q(LABEL_PREFIX + name)}")
    for group, key, column, trait_type in fields:
        raw = f"try_element_at({group}, {_lit(key)})"
        typed, ok = _variant_as(raw, trait_type)
        selected.append(f"{typed} AS {_q(column)}")
        fits.append(f"({raw} IS NULL OR is_variant_null({raw}) OR {ok})")
    for group, allowed in keys.items():
        listed = ", ".join(map(_lit, allowed)) or "NULL"
        fits.append(f"({group} IS NULL OR forall(map_keys({group}), k -> k IN ({listed})))")
    fits.append(_labels_fit(LABELS))
    objects = [*(group for group in keys if group != "top"), LABELS]
    for group in objects:  # present, so an object (JSON null is not)
        fits.append(f"(try_element_at(top, {_lit(group)}) IS NULL OR {group} IS NOT NULL)")
    taken_apart = ", ".join(
        f"try_variant_get(try_element_at(top, {_lit(g)}), '$', {_lit(_OBJECT)}) AS {g}"
        for g in objects
    )
    return spark.sql(
        f"""
        WITH lines AS (
            SELECT regexp_replace(value, {_BOM}, '') AS line
            FROM sample_lines WHERE NOT value RLIKE {_BLANK}
        ), parsed AS (
            SELECT line, {_readable("line")} AS readable FROM lines
        ), records AS (
            SELECT readable AND {exact} AS exact,
                try_variant_get(CASE WHEN readable THEN {value} END, '$', {_lit(_OBJECT)}) AS top
            FROM parsed
        ), objects AS (
            SELECT *, {taken_apart} FROM records
        )
        SELECT {", ".join(selected)}, exact AND {" AND ".join(fits)} AS {_WELL_FORMED}
        FROM objects
        """
    )


def _csv(spark: SparkSession, paths: Sequence[str], traits: dict[str, TraitType]) -> DataFrame:
    """Lines after the header, split by ``from_csv`` into text cells, converted per column.

    The header is the first file's first line; every line equal to it is a
    header (of each file) and skipped.
    """
    lines = _load(paths, lambda: spark.read.text(list(paths)))
    first = _load(paths, lambda: lines.selectExpr("value", _readable("value")).first())
    if first is None:
        return spark.sql(f"SELECT FALSE AS {_WELL_FORMED} WHERE FALSE")  # no header, no records
    header_line = first[0].removeprefix("\ufeff") if first[1] else None
    encoded = None if header_line is None else header_line.encode()
    header, _ = csv_header(paths[0], iter([(1, encoded)]))
    lines.createOrReplaceTempView("sample_lines")
    cells = ", ".join(f"c{i} STRING" for i in range(len(header)))
    options = {
        "mode": "PERMISSIVE",
        "columnNameOfCorruptRecord": "_corrupt",
        "escape": '"',  # a doubled quote inside quotes, as Python's reader
    }
    spelled = ", ".join(f"{_lit(k)}, {_lit(v)}" for k, v in options.items())
    selected, fits = [], []
    for index, column in enumerate(header):
        cell = f"nullif(cells.c{index}, '')"
        trait_type = traits.get(column.removeprefix("traits.")) if column[:7] == "traits." else None
        typed, ok = _cell_as(cell, trait_type) if trait_type else (cell, "TRUE")
        selected.append(f"{typed} AS {_q(column)}")
        fits.append(f"({cell} IS NULL OR {ok})")
    return spark.sql(
        f"""
        WITH lines AS (
            SELECT value AS line FROM sample_lines
            WHERE value <> ''
                AND regexp_replace(value, {_BOM}, '') <> {_lit(header_line)}
        ), parsed AS (
            SELECT line, {_readable("line")} AS readable,
                from_csv(line, {_lit(cells + ", _corrupt STRING")}, map({spelled})) AS cells
            FROM lines
        )
        SELECT {", ".join(selected)},
            readable AND cells._corrupt IS NULL
            AND (NOT contains(line, '"') OR line RLIKE {_lit(_CSV_QUOTING)})
            AND {" AND ".join(fits) or "TRUE"} AS {_WELL_FORMED}
        FROM parsed
        """
    )


def _readable(line: str) -> str:
    """The line is UTF-8 and within the record limit (the line break, gone here, counts)."""
    return f"(octet_length({line}) < {MAX_LINE_BYTES} AND is_valid_utf8({line}))"


def _json(text: str) -> tuple[str, str]:
    """(the JSON value of ``text`` as a VARIANT, true iff ``text`` is exactly one JSON value).

    ``try_parse_json`` reads the first value and ignores what follows; inside
    ``[text, 0]`` a second value is a third element or a syntax error. A
    ``]`` in the text could close that array early, so such texts are parsed
    again as ``[text, 1]``: only a parse that reached the appended element
    ends in 0 the first time and in 1 the second.
    """
    wrapped = [f"try_parse_json(concat('[', {text}, ',{n}]'))" for n in (0, 1)]
    elements = f"try_variant_get({wrapped[0]}, '$', 'array<variant>')"
    exact = (
        f"(array_size({elements}) = 2 AND try_variant_get({wrapped[0]}, '$[1]', 'int') = 0"
        f" AND (NOT contains({text}, ']') OR try_variant_get({wrapped[1]}, '$[1]', 'int') = 1))"
    )
    return f"try_variant_get({wrapped[0]}, '$[0]', 'variant')", exact


def _absent_or(raw: str, ok: str) -> str:
    """A field fits if absent, JSON null (a missing value for the rules) or ``ok``."""
    return f"({raw} IS NULL OR is_variant_null({raw}) OR {ok})"


def _labels_fit(labels: str) -> str:
    """The reader's label rules on a ``map<string,variant>``: every name follows the rule,
    every value is text without a control character, or null. Labels are not kept."""
    text, is_text_value = _variant_as("lv", TraitType("Text"))
    clean = " AND ".join(f"NOT contains({text}, chr({ord(c)}))" for c in CONTROL_CHARS)
    name = _lit(f"^(?:{LABEL_NAME})\\z")  # \z: Java's $ also matches before a final line break
    return (
        f"({labels} IS NULL OR (forall(map_keys({labels}), lk -> lk RLIKE {name})"
        f" AND forall(map_values({labels}), lv -> is_variant_null(lv)"
        f" OR ({is_text_value} AND {clean}))))"
    )


def _variant_as(raw: str, trait_type: TraitType) -> tuple[str, str]:
    """(a JSON value as the trait's type, NULL if not of it; true iff it is of it).

    JSON Schema's types: an Integer may be written 2.0 (not 2.5); a list's
    null elements stay NULL for the rules to reject.
    """
    name = trait_type.value
    if name.startswith("List "):
        elements = f"try_variant_get({raw}, '$', 'array<variant>')"
        each, fits = _variant_as("e", TraitType(name.removeprefix("List ")))
        return (
            f"transform({elements}, e -> {each})",
            f"({elements} IS NOT NULL AND forall({elements}, e -> is_variant_null(e) OR {fits}))",
        )
    kind = f"schema_of_variant({raw})"
    if name in ("Text", "Bool"):
        sql_type = "string" if name == "Text" else "boolean"
        expected = "STRING" if name == "Text" else "BOOLEAN"
        value = f"variant_get({raw}, '$', {_lit(sql_type)})"
        typed = f"CASE WHEN {kind} = {_lit(expected)} THEN {value} END"
    else:
        number = (
            f"CASE WHEN {kind} RLIKE {_lit(_NUMBER)} THEN try_variant_get({raw}, '$', 'double') END"
        )
        typed = number if name == "Double" else _integral(number)
    return typed, f"({typed} IS NOT NULL)"


def _integral(number: str) -> str:
    """A DOUBLE with no fraction as BIGINT (exact: the rules allow only |x| < 1e15)."""
    return f"try_cast(CASE WHEN {number} % 1 = 0 THEN {number} END AS BIGINT)"


def _cell_as(cell: str, trait_type: TraitType) -> tuple[str, str]:
    """(a CSV cell as the trait's type, true iff it converts): lists are JSON arrays."""
    name = trait_type.value
    if name.startswith("List "):
        value, exact = _json(cell)
        typed, ok = _variant_as(value, trait_type)
        return typed, f"({exact} AND {ok})"
    if name == "Text":
        return cell, "TRUE"
    if name == "Bool":
        typed = f"CASE lower({cell}) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END"
    else:
        pattern, sql_type = (
            (_CSV_DOUBLE, "DOUBLE") if name == "Double" else (_CSV_INTEGER, "BIGINT")
        )
        typed = f"CASE WHEN {cell} RLIKE {_lit(pattern)} THEN try_cast({cell} AS {sql_type}) END"
    return typed, f"({typed} IS NOT NULL)"


# ---------------------------------------------------------------- step 2: the rules


def _checked(
    spark: SparkSession,
    flat: DataFrame,
    resource_types: Sequence[ResourceType],
    schema: pa.Schema,
) -> DataFrame:
    """The normalized columns (``schema``) and ``valid``: well formed and passing
    :class:`SampleRules`.

    Columns are typed first as the embedded check does (ColumnChecker): a
    trait column of a compatible type becomes the trait's type, time text is
    RFC 3339 with a zone and a naive or non-time column no time; an envelope
    column that is not text rejects every row.
    """
    traits = trait_columns(resource_types)
    typed, fields, well_formed = [], [], _q(_WELL_FORMED)
    for field in flat.schema.fields:
        name, column = field.name, _q(field.name)
        if name == _WELL_FORMED:
            continue
        data_type = _arrow(field.dataType)
        trait_type = traits.get(name.removeprefix("traits.")) if name[:7] == "traits." else None
        if name == "time":
            expression, data_type = _time(column, data_type), TIMESTAMP
        elif read_as_trait(data_type, trait_type):
            data_type = arrow_type(trait_type)
            expression = f"CAST({column} AS {_spark_type(data_type)})"
        elif name in FLAT_ENVELOPE and not (is_text(data_type) or pa.types.is_null(data_type)):
            well_formed = "FALSE"
            continue
        else:
            expression = column
        typed.append(f"{expression} AS {column}")
        fields.append(pa.field(name, data_type))
    rules = SampleRules(pa.schema(fields), resource_types, {}, SPARK)
    normalized = [f for f in schema if f.name not in _SOURCE_COLUMNS]
    selected = [
        f"CAST({rules.column(f.name)} AS {_spark_type(f.type)}) AS {_q(f.name)}" for f in normalized
    ]
    flat.createOrReplaceTempView("flat_samples")
    return spark.sql(
        f"SELECT {', '.join(selected)}, "
        f"COALESCE({well_formed}, FALSE) AND {rules.valid()} AS valid "
        f"FROM (SELECT {', '.join([*typed, _q(_WELL_FORMED)])} FROM flat_samples)"
    )


def _time(column: str, data_type: pa.DataType) -> str:
    """Timestamps with a time zone, or RFC 3339 text; anything else is NULL (rejected).

    ``upper`` because Spark's cast wants ``T`` and ``Z`` where RFC 3339 also
    allows ``t`` and ``z``; a date that does not exist (Feb 30) is NULL.
    """
    if pa.types.is_timestamp(data_type) and data_type.tz is not None:
        return column
    if is_text(data_type):
        pattern = SPARK.string_literal(RFC3339.pattern)
        return f"CASE WHEN {column} RLIKE {pattern} THEN try_cast(upper({column}) AS TIMESTAMP) END"
    return "CAST(NULL AS TIMESTAMP)"


def _arrow(data_type: DataType) -> pa.DataType:
    """A Spark column type as Arrow's, for :func:`read_as_trait`; binary for one Arrow lacks."""
    from pyspark.sql.pandas.types import to_arrow_type

    try:
        return to_arrow_type(data_type, timezone="UTC")
    except Exception:  # pyspark raises its own error classes for types Arrow has not
        return pa.binary()  # compatible with no trait: the column must be null


def _spark_type(data_type: pa.DataType) -> str:
    """A normalized sample column's Arrow type in Spark's spelling."""
    if pa.types.is_list(data_type):
        return f"ARRAY<{_spark_type(data_type.value_type)}>"
    return _SCALARS[data_type]
