"""The production rating engine: the compiled plan (:mod:`rating.rate.plan`) run on DuckDB.

Samples stream in as Arrow batches and are appended to a DuckDB table (zero-copy
scan of each batch, no Python rows); every stage is then one set-based SQL
statement. DuckDB gets a memory limit and a spill directory, so runs larger
than memory degrade to disk instead of failing. Results equal the reference
rater's (:mod:`rating.rate.reference`) exactly: integers and DECIMAL only.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from rating.errors import RatecardError
from rating.model import Catalog, Product
from rating.period import Period
from rating.rate.matching import nearest_hint
from rating.rate.plan import RatingPlan, compile_plan
from rating.rate.result import (
    LINE_ITEM_ORDER,
    LINE_ITEM_SCHEMA,
    Counts,
    RateOptions,
    RatingResult,
    UnmatchedGroup,
)

Progress = Callable[[int], None]  # called with the number of samples just loaded

FILE_FORMATS = ("parquet", "csv", "jsonl")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _iso(column: str) -> str:
    """ISO 8601 UTC text, with microseconds only when there are any."""
    local = f'CAST("{column}" AS TIMESTAMP)'
    return (
        f"CASE WHEN microsecond({local}) = 0 THEN strftime({local}, '%Y-%m-%dT%H:%M:%SZ') "
        f"ELSE strftime({local}, '%Y-%m-%dT%H:%M:%S.%fZ') END AS \"{column}\""
    )


def _text_columns(decimal_as_text: bool) -> str:
    """Line-item columns for CSV/JSON Lines: ISO times; JSON gets exact decimal strings."""
    columns = []
    for name in LINE_ITEM_SCHEMA.names:
        if name in ("start", "end"):
            columns.append(_iso(name))
        elif decimal_as_text and pa.types.is_decimal(LINE_ITEM_SCHEMA.field(name).type):
            columns.append(f'CAST("{name}" AS VARCHAR) AS "{name}"')
        else:
            columns.append(f'"{name}"')
    return ", ".join(columns)


_TEXT_COLUMNS = {"csv": _text_columns(False), "jsonl": _text_columns(True)}
_ORDER = ", ".join(f'"{c}" NULLS FIRST' for c in LINE_ITEM_ORDER)

_BASE_SCHEMA = pa.schema(
    [
        ("time", pa.timestamp("us", tz="UTC")),
        ("event", pa.string()),
        ("resource_id", pa.string()),
        ("resource_type", pa.string()),
        ("resource_name", pa.string()),
        ("platform_type", pa.string()),
        ("location", pa.string()),
        ("platform_instance", pa.string()),
        ("tenant", pa.string()),
    ]
)


@dataclass(frozen=True)
class EngineSettings:
    """DuckDB resources: the defaults keep peak memory well under 2 GiB."""

    memory_limit: str = os.environ.get("RATECARD_MEMORY_LIMIT", "1GB")
    threads: int | None = None  # None = DuckDB's default (all cores)
    temp_directory: str | None = None  # None = a private temporary directory


@dataclass
class WrittenResult:
    """What :func:`rate_to_file` reports: everything but the line items themselves."""

    period: Period
    counts: Counts
    unmatched: list[UnmatchedGroup]
    catalog_version: str
    line_items: int
    totals: dict[str, Decimal] = field(default_factory=dict)


def rate(
    catalog: Catalog,
    batches: Iterable[pa.RecordBatch],
    period: Period | None,
    options: RateOptions | None = None,
    *,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
) -> RatingResult:
    """Rate normalized sample batches against ``catalog`` for ``period`` (semantics.md).

    ``period=None`` infers the calendar month when every sample lies in one.
    """
    with _session(settings) as con:
        plan, period, counts = _run(
            con, catalog, batches, period, options or RateOptions(), progress
        )
        table = con.sql(plan.line_items_sql).to_arrow_table()
        unmatched = _unmatched(con, plan, catalog)
    return RatingResult(_conform(table), counts, unmatched, catalog.version)


def rate_to_file(
    catalog: Catalog,
    batches: Iterable[pa.RecordBatch],
    period: Period | None,
    out: str | Path,
    file_format: str = "parquet",
    options: RateOptions | None = None,
    *,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
) -> WrittenResult:
    """Like :func:`rate`, but DuckDB writes the line items straight to ``out``.

    For big runs: the line items never become Python objects or one Arrow table.
    """
    if file_format not in FILE_FORMATS:
        raise RatecardError(f"--format {file_format!r}: expected one of {FILE_FORMATS}")
    with _session(settings) as con:
        plan, period, counts = _run(
            con, catalog, batches, period, options or RateOptions(), progress
        )
        con.execute(f"CREATE TEMP TABLE li AS {plan.line_items_sql}")
        copy = {
            "parquet": "FORMAT parquet, COMPRESSION zstd",
            "csv": "FORMAT csv, HEADER true",
            "jsonl": "FORMAT json",
        }[file_format]
        target = str(out).replace("'", "''")
        try:
            select = "*" if file_format == "parquet" else _TEXT_COLUMNS[file_format]
            con.execute(f"COPY (SELECT {select} FROM li ORDER BY {_ORDER}) TO '{target}' ({copy})")
        except duckdb.IOException as error:
            raise RatecardError(f"{out}: cannot write line items: {error}") from error
        n_lines = con.execute("SELECT count(*) FROM li").fetchall()[0][0]
        totals = dict(
            con.execute(
                "SELECT currency, sum(amount) FROM li GROUP BY currency ORDER BY currency"
            ).fetchall()
        )
        unmatched = _unmatched(con, plan, catalog)
    return WrittenResult(period, counts, unmatched, catalog.version, n_lines, totals)


# ---------------------------------------------------------------- internals


@contextmanager
def _session(settings: EngineSettings | None) -> Iterator[duckdb.DuckDBPyConnection]:
    settings = settings or EngineSettings()
    with tempfile.TemporaryDirectory(prefix="ratecard-duckdb-") as scratch:
        con = duckdb.connect()
        try:
            con.execute(f"SET memory_limit = '{settings.memory_limit}'")
            con.execute(f"SET temp_directory = '{settings.temp_directory or scratch}'")
            con.execute("SET preserve_insertion_order = false")
            if settings.threads:
                con.execute(f"SET threads = {int(settings.threads)}")
            yield con
        finally:
            con.close()


def _run(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    batches: Iterable[pa.RecordBatch],
    period: Period | None,
    options: RateOptions,
    progress: Progress | None,
) -> tuple[RatingPlan, Period, Counts]:
    """Load the samples, compile the plan for their schema and run every stage."""
    read, schema = 0, None
    for batch in batches:
        if schema is None:
            schema = batch.schema
            _create_samples(con, schema)
        if batch.num_rows:
            con.register("_batch", batch)
            listed = ", ".join(_q(n) for n in _loaded_columns(schema) if n in batch.schema.names)
            con.execute(f"INSERT INTO s BY NAME SELECT {listed} FROM _batch")
            con.unregister("_batch")
            read += batch.num_rows
            if progress is not None:
                progress(batch.num_rows)
    if schema is None:
        schema = _BASE_SCHEMA
        _create_samples(con, schema)
    period = period or _infer_period(con)
    plan = compile_plan(catalog, period, options, schema)
    for name, table in (
        ("entries", plan.entries),
        ("tiers", plan.tiers),
    ):
        con.register(f"_{name}", table)
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM _{name}")
    for name, sql in plan.statements:
        try:
            con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
        except duckdb.Error as error:  # a bug in the generated SQL, not user input
            raise RuntimeError(f"rating plan stage {name!r} failed: {error}") from error
    duplicates, rated, unmatched, outside = con.execute(plan.counts_sql).fetchall()[0]
    counts = Counts(
        read=read,
        duplicates=duplicates,
        outside_period=outside,
        rated=rated,
        unmatched=unmatched,
    )
    return plan, period, counts


def _infer_period(con: duckdb.DuckDBPyConnection) -> Period:
    """The calendar month holding every sample, for runs without ``--period``."""
    first, last = con.execute("SELECT min(epoch_us(time)), max(epoch_us(time)) FROM s").fetchall()[
        0
    ]
    if first is None:
        raise RatecardError("no samples to infer the period from: pass --period YYYY-MM")
    months = {Period.month_of(_EPOCH + timedelta(microseconds=t)).label for t in (first, last)}
    if len(months) > 1:
        raise RatecardError(
            f"samples span several months ({' to '.join(sorted(months))}): pass --period"
        )
    return Period.parse(months.pop())


def _loaded_columns(schema: pa.Schema) -> list[str]:
    """Every input column but the source position (not needed to rate)."""
    return [n for n in schema.names if n not in ("source_file", "source_line")]


def _create_samples(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> None:
    empty = pa.Table.from_batches([], schema=schema).select(_loaded_columns(schema))
    con.register("_empty", empty)
    con.execute("CREATE TEMP TABLE s AS SELECT * FROM _empty")
    con.unregister("_empty")


def _unmatched(
    con: duckdb.DuckDBPyConnection, plan: RatingPlan, catalog: Catalog
) -> list[UnmatchedGroup]:
    """Unmatched samples per resource type, with the reference's nearest-product hint."""
    by_type: dict[str, list[Product]] = {}
    for entry in catalog.products:
        by_type.setdefault(entry.resource_type, []).append(entry)
    groups = []
    for type_id, samples, resources, first_id in con.execute(plan.unmatched_sql).fetchall():
        row = _first_unmatched_row(con, first_id)
        hint = nearest_hint(by_type.get(type_id, []), row) if row is not None else None
        groups.append(UnmatchedGroup(type_id, samples, resources, hint))
    return groups


def _first_unmatched_row(con: duckdb.DuckDBPyConnection, resource_id: str) -> dict | None:
    """The earliest unmatched kept row of a resource, in the normalized-sample shape."""
    columns = [c for c in con.table("kept").columns if c != "t"]
    listed = ", ".join(f"d.{_q(c)}" for c in columns)
    cursor = con.execute(
        f"""SELECT d.t AS time, {listed}
            FROM kept d JOIN status x ON x.resource_id = d.resource_id AND x.t = d.t
            WHERE x.status = 'unmatched' AND d.resource_id = ?
            ORDER BY d.t LIMIT 1""",
        [resource_id],
    )
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    if not found:
        return None
    row = dict(zip(names, found[0], strict=True))
    row["time"] = _EPOCH + timedelta(microseconds=row["time"])  # no pytz needed
    return row


def _conform(table: pa.Table) -> pa.Table:
    """DuckDB's Arrow output cast to exactly :data:`LINE_ITEM_SCHEMA`."""
    return table.select(LINE_ITEM_SCHEMA.names).cast(LINE_ITEM_SCHEMA)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
