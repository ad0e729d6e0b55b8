"""Loading samples into the DuckDB table (or view) ``s`` the rating plan reads.

A :class:`~rating.load.samples.SampleReader`'s batches are loaded input by
input. A Parquet file DuckDB can check with the reader's rules
(:mod:`rating.load.samples.parquet_sql`) is checked by DuckDB itself, on all
cores: a large file is first proven valid as a whole (cheaper), or else the
rows passing the rules are counted. When all do (the usual case) the file
is read in place: ``s`` becomes a view over it and the rows
are never copied, which used to cost more than half of a run (compressing
them into the scratch database). Otherwise one ``INSERT`` loads its valid
rows, the rows failing the SQL rules (rare) go back to the reader's
per-record validator for their reject messages, and those it accepts after
all are loaded from Arrow. Either way the rows never become Arrow batches in
Python, which costs as much as DuckDB's whole read. Every other input (JSON
Lines, CSV, other Parquet, plain batches) is loaded as one Arrow stream. The
same rows, rejects and counts whichever way.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import closing, contextmanager
from typing import Any

import duckdb
import pyarrow as pa

from rating.load.samples import SampleBatches, SampleInput, SampleReader
from rating.load.samples.parquet_sql import ParquetQuery
from rating.load.samples.schema import sample_schema
from rating.rate.dialect import DUCKDB

Progress = Callable[[int], None]  # called with the number of samples just loaded

_POLL_SECONDS = 0.2  # how often DuckDB's progress is read while it loads a file
_FAILING_ROWS_AT_ONCE = 100_000  # rows failing the SQL rules handed to the reader at a time

# The schema of an empty stream: the envelope of the normalized samples, all nullable.
_BASE_SCHEMA = pa.schema(
    [
        f.with_nullable(True)
        for f in sample_schema([])
        if f.name not in ("source_file", "source_line")
    ]
)


def load_samples(
    con: duckdb.DuckDBPyConnection, batches: Iterable[pa.RecordBatch], progress: Progress | None
) -> tuple[int, pa.Schema]:
    """Load every sample into table ``s``; returns the rows loaded and their Arrow schema.

    ``progress`` hears of the rows as they load. While DuckDB reads a Parquet
    file these are estimates (from the share of the file read), made exact
    when the file is done — unless the estimate already ran ahead of the rows
    loaded (some were rejected): progress is never reported backwards, nor
    beyond the file's rows.
    """
    if isinstance(batches, SampleReader):
        batches = batches.batches()
    if isinstance(batches, SampleBatches):
        rows, schema = _load_inputs(con, batches, progress), batches.schema
    else:
        rows, schema = _load_stream(con, batches, progress)
    pa.default_memory_pool().release_unused()  # the reader's buffers, before DuckDB's stages
    return rows, schema


def _load_inputs(
    con: duckdb.DuckDBPyConnection, batches: SampleBatches, progress: Progress | None
) -> int:
    """A reader's inputs in order into ``s``, created first with the reader's schema."""
    names = _loaded_columns(batches.schema)
    con.register("_empty", batches.schema.empty_table())
    try:
        con.execute(f"CREATE TABLE s AS SELECT {_listed(names)} FROM _empty")
    finally:
        con.unregister("_empty")
    rows = 0
    in_place: list[ParquetQuery] = []
    with closing(batches.inputs()) as inputs:
        for source in inputs:
            query = source.query(names)
            loaded = (
                None
                if query is None
                else _load_parquet(con, source, query, names, progress, in_place)
            )
            if loaded is None:
                loaded = _append(con, source.batches(), batches.schema, progress)
            rows += loaded
    if in_place:
        _read_in_place(con, in_place)
    return rows


def _load_parquet(
    con: duckdb.DuckDBPyConnection,
    source: SampleInput,
    query: ParquetQuery,
    names: Sequence[str],
    progress: Progress | None,
    in_place: list[ParquetQuery],
) -> int | None:
    """Let DuckDB check a Parquet input and load it; None if it cannot read the file.

    The check proves that every row passes the rules (on a large file), or
    else counts the rows that do; either reports them as progress. A file
    whose rows all pass joins ``in_place``, to be read where it lies; the
    others get one ``INSERT`` of their valid rows. Either statement leaves
    nothing behind when DuckDB fails on the file, and the reader reads it
    instead: pyarrow may read what DuckDB refuses (invalid UTF-8, say), and a
    file neither reads fails as the reader says. Only an interrupt is not the
    file's fault.
    """
    check = f"SELECT count(*) FROM {query.source} WHERE {query.valid} AND {query.readable}"
    insert = f"INSERT INTO s ({_listed(names)}) SELECT {query.select} FROM {query.source} "
    reached = _Reached(progress)
    try:
        proven = query.all_valid is not None and _execute(con, query.all_valid, query.rows, reached)
        valid = query.rows if proven else _execute(con, check, query.rows, reached)
        inserted = valid if valid == query.rows else _execute(con, insert + f"WHERE {query.valid}")
    except duckdb.InterruptException:
        raise
    except duckdb.Error:
        return None
    reached.at(inserted)
    source.loaded(query, inserted)
    if inserted == query.rows:
        in_place.append(query)
        return inserted
    for rows in _failing_rows(con, query):
        inserted += _append(con, source.check_rows(rows), None, None)
        reached.at(inserted)
    return inserted


def _read_in_place(con: duckdb.DuckDBPyConnection, queries: Sequence[ParquetQuery]) -> None:
    """Make ``s`` a view: the rows loaded so far, then the files whose rows all passed.

    The loaded rows' table comes first, so the view has its column names and
    types (a column a file lacks is an untyped NULL there). Every stage
    reading ``s`` reads those files again, which costs less than storing them.
    """
    con.execute("ALTER TABLE s RENAME TO s_loaded")
    files = (f"SELECT {query.select} FROM {query.source}" for query in queries)
    con.execute(f"CREATE VIEW s AS {' UNION ALL '.join(['SELECT * FROM s_loaded', *files])}")


def _failing_rows(con: duckdb.DuckDBPyConnection, query: ParquetQuery) -> Iterator[list[int]]:
    """The rows failing the query's rules, ascending, some at a time (bounded memory).

    A cursor of its own streams them while ``con`` loads those accepted after all.
    """
    cursor = con.cursor()
    try:
        cursor.execute(
            f"SELECT file_row_number FROM {query.source} WHERE NOT ({query.valid}) ORDER BY 1"
        )
        while rows := cursor.fetchmany(_FAILING_ROWS_AT_ONCE):
            yield [row for (row,) in rows]
    finally:
        cursor.close()


def _execute(
    con: duckdb.DuckDBPyConnection,
    statement: str,
    rows: int = 0,
    reached: _Reached | None = None,
) -> Any:
    """Run ``statement`` over ``rows`` input rows; returns the one value it gives.

    DuckDB reports no rows until the statement ends, so with ``reached`` the
    statement runs on a worker thread while this one turns DuckDB's estimate
    of the fraction done into rows (the callback stays on the caller's thread).
    """
    if reached is None or reached.progress is None:
        return con.execute(statement).fetchall()[0][0]
    with _progress_estimates(con), ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(lambda: con.execute(statement).fetchall()[0][0])
        _report_while_running(con, running, rows, reached)
        return running.result()


class _Reached:
    """How many of an input's rows have been reported as progress: never fewer than before.

    One input may take two statements (a proof that every row is valid, then
    a count of those that are), each estimating its progress from zero.
    """

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.rows = 0

    def at(self, rows: int) -> None:
        """``rows`` are done: report those not reported yet."""
        if self.progress is not None and rows > self.rows:
            self.progress(rows - self.rows)
            self.rows = rows


def _report_while_running(
    con: duckdb.DuckDBPyConnection, running: Future, rows: int, reached: _Reached
) -> None:
    """Report DuckDB's estimate of the rows done until ``running`` ends."""
    try:
        while not wait([running], timeout=_POLL_SECONDS).done:
            reached.at(int(rows * min(max(0.0, con.query_progress()), 100.0) / 100))
    except BaseException:  # Ctrl-C (or a failing callback): stop DuckDB too
        con.interrupt()
        raise


@contextmanager
def _progress_estimates(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB keeps progress estimates for ``query_progress``, but prints no bar of its own."""
    settings = ("enable_progress_bar", "enable_progress_bar_print")
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    try:
        yield
    finally:
        for setting in settings:
            con.execute(f"RESET {setting}")


def _append(
    con: duckdb.DuckDBPyConnection,
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema | None,
    progress: Progress | None,
) -> int:
    """Insert batches (of ``schema``, else of the first batch's) into ``s``; returns the rows."""
    feed = _Feed(batches, progress, schema)
    if feed.empty:
        return 0
    listed = _listed(_loaded_columns(feed.schema))
    _scan(con, feed, f"INSERT INTO s ({listed}) SELECT {listed} FROM _samples")
    return feed.rows


def _load_stream(
    con: duckdb.DuckDBPyConnection, batches: Iterable[pa.RecordBatch], progress: Progress | None
) -> tuple[int, pa.Schema]:
    """Load batches into a new ``s`` of the first batch's schema: one Arrow stream.

    One ``CREATE TABLE … AS SELECT`` over one Arrow stream lets DuckDB convert
    batches on all its threads while the reader produces the next ones; a
    statement per batch would pay the per-statement overhead and run serially.
    """
    feed = _Feed(batches, progress)
    listed = _listed(_loaded_columns(feed.schema))
    _scan(con, feed, f"CREATE TABLE s AS SELECT {listed} FROM _samples")
    return feed.rows, feed.schema


def _scan(con: duckdb.DuckDBPyConnection, feed: _Feed, statement: str) -> None:
    """Run ``statement`` over ``feed`` as view ``_samples``; the feed's own errors surface."""
    con.register("_samples", feed.reader())
    try:
        con.execute(statement)
    except duckdb.Error:
        if feed.error is not None:
            raise feed.error from None
        raise
    finally:
        con.unregister("_samples")


class _Feed:
    """Batches as one Arrow stream of one schema, counted as they pass.

    The schema is ``schema`` or else the first batch's; batches are matched to
    it by column name (missing columns are null, extra ones dropped). An error
    raised by the batches' producer (a bad input file, say) is kept, so the
    caller sees it rather than DuckDB's wrapping of it.
    """

    def __init__(
        self,
        batches: Iterable[pa.RecordBatch],
        progress: Progress | None,
        schema: pa.Schema | None = None,
    ) -> None:
        self._rest = iter(batches)
        first = next(self._rest, None)
        self.empty = first is None
        self._first = [] if first is None else [first]
        self.schema = schema or (_BASE_SCHEMA if first is None else first.schema)
        self._progress = progress
        self.rows = 0
        self.error: BaseException | None = None

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self._stream())

    def _stream(self) -> Iterator[pa.RecordBatch]:
        try:
            for batch in itertools.chain(self._first, self._rest):
                if batch.num_rows:
                    self.rows += batch.num_rows
                    if self._progress is not None:
                        self._progress(batch.num_rows)
                    yield _conformed(batch, self.schema)
        except BaseException as error:
            self.error = error
            raise


def _conformed(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` with exactly ``schema``'s columns, matched by name (missing ones null)."""
    if batch.schema == schema:
        return batch
    arrays = []
    for wanted in schema:
        index = batch.schema.get_field_index(wanted.name)
        column = pa.nulls(batch.num_rows, wanted.type) if index < 0 else batch.column(index)
        arrays.append(column if column.type == wanted.type else column.cast(wanted.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _loaded_columns(schema: pa.Schema) -> list[str]:
    """Every input column but the source position (not needed to rate)."""
    return [n for n in schema.names if n not in ("source_file", "source_line")]


def _listed(names: Sequence[str]) -> str:
    return ", ".join(map(DUCKDB.identifier, names))
