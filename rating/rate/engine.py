"""The production rating engine: the compiled plan (:mod:`rating.rate.plan`) run on DuckDB.

Samples reach one table or view ``s`` through :mod:`rating.rate.ingest`
(Parquet files whose rows all pass the rules read in place, other Parquet
loaded by DuckDB itself, other inputs as one Arrow stream; no Python rows),
narrowly: only the columns rating reads. Every stage is then one set-based
SQL statement. DuckDB gets a
memory limit and a spill directory, so runs larger than memory degrade to disk
instead of failing. Results equal the reference rater's
(:mod:`rating.rate.reference`) exactly: integers and DECIMAL only.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from rating.errors import RatecardError
from rating.load.samples import SampleReader
from rating.load.samples.schema import ENVELOPE_COLUMNS
from rating.model import Catalog
from rating.period import Period
from rating.rate.backend import run_plan, unmatched
from rating.rate.dialect import DUCKDB
from rating.rate.files import FILE_FORMATS, copy_line_items
from rating.rate.ingest import Progress, load_samples
from rating.rate.plan import RatingPlan, Stage, compile_plans, time_range_sql
from rating.rate.result import (
    Counts,
    RateOptions,
    RatingResult,
    UnmatchedGroup,
    conform,
)
from rating.scopes import read_label_columns


@dataclass(frozen=True)
class EngineSettings:
    """DuckDB resources: the defaults keep a run's peak memory under 1 GiB.

    DuckDB's own limit is 768 MB, what is left is for the process (Python,
    Arrow, the catalog): 47.8 M Parquet samples peak at about 950 MiB with it
    (1,192 MiB with 1 GB), equally fast, since the stages spill to disk.
    """

    memory_limit: str = os.environ.get("RATECARD_MEMORY_LIMIT", "768MB")
    threads: int | None = None  # None = DuckDB's default (all cores)
    temp_directory: str | None = None  # for scratch files; None = the system's default


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
    return rate_each([catalog], batches, period, options, progress=progress, settings=settings)[0]


def rate_each(
    catalogs: Sequence[Catalog],
    batches: Iterable[pa.RecordBatch],
    period: Period | None,
    options: RateOptions | None = None,
    *,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
) -> list[RatingResult]:
    """:func:`rate` against each catalog, the samples read and loaded once (``ratecard diff``).

    Reading and loading is most of a run on text formats, the scan most of
    the rest: the catalogs share one scan of the samples
    (:func:`~rating.rate.plan.compile_plans`) and only the stages after it
    run once per catalog. An inferred period is the samples' month for all.
    """
    results = []
    with closing(
        _runs(catalogs, batches, period, options or RateOptions(), progress, settings)
    ) as runs:
        for catalog, run in zip(catalogs, runs, strict=True):
            table = run.con.sql(run.plan.line_items_sql).to_arrow_table()
            result = RatingResult(
                conform(table, catalog.dimensions.labels),
                run.counts,
                unmatched(_DuckDB(run.con), run.plan, catalog),
                catalog.version,
                run.period,
            )
            results.append(result)
    return results


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
    if file_format not in FILE_FORMATS:  # before the work, not after it
        raise RatecardError(f"--format {file_format!r}: expected one of {FILE_FORMATS}")
    runs = _runs([catalog], batches, period, options or RateOptions(), progress, settings)
    with closing(runs):
        run = next(runs)
        con, plan = run.con, run.plan
        con.execute(f"CREATE TEMP TABLE li AS {plan.line_items_sql}")
        copy_line_items(con, "li", out, file_format)
        n_lines = con.execute("SELECT count(*) FROM li").fetchall()[0][0]
        totals = dict(
            con.execute(
                "SELECT currency, sum(amount) FROM li GROUP BY currency ORDER BY currency"
            ).fetchall()
        )
        groups = unmatched(_DuckDB(con), plan, catalog)
    return WrittenResult(run.period, run.counts, groups, catalog.version, n_lines, totals)


# ---------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Rated:
    """A session in which every stage of ``plan`` has run."""

    con: duckdb.DuckDBPyConnection
    plan: RatingPlan
    period: Period
    counts: Counts


def _runs(
    catalogs: Sequence[Catalog],
    batches: Iterable[pa.RecordBatch],
    period: Period | None,
    options: RateOptions,
    progress: Progress | None,
    settings: EngineSettings | None,
) -> Iterator[_Rated]:
    """One session with the samples loaded; each catalog's plan run in it in turn.

    A run is yielded with every stage in place; the next catalog's stages
    replace them (its scan's, unless it shares the previous one's). Close the
    generator to end the session.

    A re-readable :class:`SampleReader` is read narrowly (:func:`_rating_columns`,
    Text dictionary-encoded). The other columns cannot change a line item, except
    for one choice: which of several samples with the same (resource, time) is
    kept depends on every column. So when duplicates differ in the columns read,
    the inputs are read once more in full and rated again (rare: collectors'
    retries repeat the same sample).
    """
    narrow = isinstance(batches, SampleReader) and batches.rereadable
    with _session(settings) as con:
        if narrow:
            columns = _rating_columns(catalogs, batches.schema)
            stream = batches.batches(columns, dictionary=True)
        else:
            stream = batches
        read, schema = load_samples(con, stream, progress)
        period = period or Period.month_of_samples(
            *con.execute(time_range_sql(DUCKDB)).fetchall()[0]
        )
        plans = compile_plans(catalogs, period, options, _decoded(schema))
        first = _run(con, plans[0], read, period)
        if not (narrow and first.counts.duplicates and _duplicates_differ(con)):
            yield first
            for plan in plans[1:]:
                yield _run(con, plan, read, period)
            return
    with _session(settings) as con:
        full = [*batches.schema.names, *read_label_columns(catalogs)]
        read, schema = load_samples(con, batches.again().batches(full, dictionary=True), None)
        for plan in compile_plans(catalogs, period, options, _decoded(schema)):
            yield _run(con, plan, read, period)


def _rating_columns(catalogs: Sequence[Catalog], schema: pa.Schema) -> list[str]:
    """The sample columns rating reads: the envelope and the traits filters and usages name."""
    traits: set[str] = set()
    for product in (product for catalog in catalogs for product in catalog.products):
        traits.update(condition.trait for condition in product.filter)
        if product.usage.trait:
            traits.add(product.usage.trait)
    wanted = {*ENVELOPE_COLUMNS, *(f"traits.{name}" for name in traits)}
    return [name for name in schema.names if name in wanted] + read_label_columns(catalogs)


def _duplicates_differ(con: duckdb.DuckDBPyConnection) -> bool:
    """Do some samples with the same (resource, time) differ in the loaded columns?

    Only the repeated keys the plan found (stage ``dupkeys``) are grouped, not every sample.
    """
    listed = ", ".join(
        f"s.{DUCKDB.identifier(c)}"
        for c in con.table("s").columns
        if c not in ("resource_id", "time")
    )
    return con.execute(
        f"""SELECT EXISTS (
              SELECT 1 FROM s JOIN dupkeys d
                ON d.resource_id = s.resource_id AND d.t = {DUCKDB.epoch_us("s.time")}
              GROUP BY s.resource_id, s.time HAVING count(DISTINCT ({listed})) > 1)"""
    ).fetchall()[0][0]


@contextmanager
def _session(settings: EngineSettings | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a scratch database file, deleted afterwards.

    Samples that are copied (table ``s``, the one big table) are written there
    compressed: about a tenth of their size in memory, so the stages' sorts
    keep the memory limit to themselves instead of spilling, and scans read
    fewer bytes. Parquet files read in place are not copied at all. The stages
    are temporary tables, in memory (spilling next to the file).
    """
    settings = settings or EngineSettings()
    with tempfile.TemporaryDirectory(
        prefix="ratecard-duckdb-", dir=settings.temp_directory
    ) as scratch:
        con = duckdb.connect(str(Path(scratch) / "samples.duckdb"))
        try:
            con.execute(f"SET memory_limit = {DUCKDB.string_literal(settings.memory_limit)}")
            con.execute(f"SET temp_directory = {DUCKDB.string_literal(scratch)}")
            con.execute("SET preserve_insertion_order = false")
            # Parquet read in place is scanned by several statements (the check's
            # scans, then the stages): its footer is parsed once, not each time.
            con.execute("SET parquet_metadata_cache = true")
            if settings.threads:
                con.execute(f"SET threads = {int(settings.threads)}")
            yield con
        finally:
            con.close()


def _run(con: duckdb.DuckDBPyConnection, plan: RatingPlan, read: int, period: Period) -> _Rated:
    """Run every stage of ``plan`` on the loaded samples (replacing an earlier plan's)."""
    return _Rated(con, plan, period, run_plan(_DuckDB(con), plan, read))


@dataclass(frozen=True)
class _DuckDB:
    """A DuckDB connection as the :class:`~rating.rate.backend.Backend` plans run on."""

    con: duckdb.DuckDBPyConnection

    def register(self, name: str, table: pa.Table) -> None:
        """The Arrow table, copied into a temporary table of that name."""
        self.con.register(f"_{name}", table)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}")

    def materialize(self, stage: Stage) -> None:
        _materialize(self.con, stage)

    def first_row(self, sql: str) -> tuple | None:
        """Every row fetched: a result left unfinished would block the next statement."""
        found = self.rows(sql)
        return found[0] if found else None

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()


def _materialize(con: duckdb.DuckDBPyConnection, stage: Stage) -> None:
    """Run one plan stage into a table (or view) of its name, replacing an earlier one.

    Out of memory, the stage runs again on one thread: DuckDB's operators spill
    to disk, but every thread needs its own share of the memory limit to do so.
    So a stage that runs out of memory trades speed for memory, and only that stage.
    """
    _drop(con, stage.name)
    kind = "VIEW" if stage.view else "TABLE"
    statement = f"CREATE TEMP {kind} {stage.name} AS {stage.sql}"
    try:
        try:
            con.execute(statement)
        except duckdb.OutOfMemoryException:
            with _single_threaded(con):
                con.execute(statement)
    except duckdb.OutOfMemoryException as error:
        raise RatecardError(
            f"rating plan stage {stage.name!r} ran out of memory: raise RATECARD_MEMORY_LIMIT"
        ) from error
    except duckdb.Error as error:  # a bug in the generated SQL, not user input
        raise RuntimeError(f"rating plan stage {stage.name!r} failed: {error}") from error


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the table or view ``name`` if there is one.

    DuckDB drops each kind by its own statement and refuses the other kind's;
    trying the view first costs less than asking information_schema (1.6 ms a
    stage).
    """
    try:
        con.execute(f"DROP VIEW IF EXISTS {name}")
    except duckdb.CatalogException:  # a table of that name
        con.execute(f"DROP TABLE {name}")


@contextmanager
def _single_threaded(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {threads}")


def _decoded(schema: pa.Schema) -> pa.Schema:
    """``schema`` with dictionary columns as their values' type, as the plan expects."""
    return pa.schema(
        f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema
    )
