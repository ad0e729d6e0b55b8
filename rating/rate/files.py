"""Line-item files (Parquet, CSV, JSON Lines), written by DuckDB's COPY (or Arrow's, alike).

Every engine's line items reach a file through here, so a run gives the same
bytes whichever engine rated it: ISO 8601 times, exact decimal strings in JSON
Lines, rows in :data:`~rating.rate.result.LINE_ITEM_ORDER`.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from rating.errors import RatecardError
from rating.rate.dialect import DUCKDB
from rating.rate.result import LINE_ITEM_ORDER, LINE_ITEM_SCHEMA
from rating.scopes import is_kept_label

FILE_FORMATS = ("parquet", "csv", "jsonl")
_COPY_OPTIONS = {
    "parquet": "FORMAT parquet, COMPRESSION zstd",
    "csv": "FORMAT csv, HEADER true",
    "jsonl": "FORMAT json",
}
_q = DUCKDB.identifier
_ARROW_PARQUET = {"compression": "zstd", "store_schema": False}
MONEY_COLUMNS = {f.name for f in LINE_ITEM_SCHEMA if pa.types.is_decimal(f.type)}


def _iso(column: str) -> str:
    """ISO 8601 UTC text, with microseconds only when there are any."""
    local = f"CAST({_q(column)} AS TIMESTAMP)"
    return (
        f"CASE WHEN microsecond({local}) = 0 THEN strftime({local}, '%Y-%m-%dT%H:%M:%SZ') "
        f"ELSE strftime({local}, '%Y-%m-%dT%H:%M:%S.%fZ') END AS {_q(column)}"
    )


def _columns(file_format: str, names: list[str]) -> str:
    """Parquet keeps types; CSV and JSON Lines get ISO times, JSON exact decimal strings.

    ``names`` are the relation's columns: the label dimensions among them follow
    the line-item schema's columns.
    """
    if file_format == "parquet":
        return "*"
    columns = []
    for name in [*LINE_ITEM_SCHEMA.names, *filter(is_kept_label, names)]:
        if name in ("start", "end"):
            columns.append(_iso(name))
        elif file_format == "jsonl" and name in MONEY_COLUMNS:
            columns.append(f"CAST({_q(name)} AS VARCHAR) AS {_q(name)}")
        else:
            columns.append(_q(name))
    return ", ".join(columns)


def copy_line_items(
    con: duckdb.DuckDBPyConnection, relation: str, out: str | Path, file_format: str
) -> None:
    """COPY the line items in DuckDB relation ``relation`` (a table or view name) to ``out``."""
    if file_format not in FILE_FORMATS:
        raise RatecardError(f"--format {file_format!r}: expected one of {FILE_FORMATS}")
    names = con.sql(f"SELECT * FROM {relation} LIMIT 0").columns
    order = ", ".join(
        f"{_q(c)} NULLS FIRST" for c in [*LINE_ITEM_ORDER, *filter(is_kept_label, names)]
    )
    select = f"SELECT {_columns(file_format, names)} FROM {relation} ORDER BY {order}"
    target = DUCKDB.string_literal(str(out))
    try:
        con.execute(f"COPY ({select}) TO {target} ({_COPY_OPTIONS[file_format]})")
    except duckdb.IOException as error:
        raise RatecardError(f"{out}: cannot write line items: {error}") from error
    except duckdb.Error as error:  # a URL DuckDB needs an extension for (s3://…) it cannot load
        reason = " ".join(str(error).split())  # one line, the cause (no network…) kept
        raise RatecardError(f"{out}: cannot write line items: {reason}") from error


def write_line_items(table: pa.Table, out: str | Path, file_format: str) -> None:
    """Write line items held in Arrow (LINE_ITEM_SCHEMA, in LINE_ITEM_ORDER, as every engine
    returns them) as the DuckDB engine's COPY does.

    A local Parquet file is written by Arrow itself: the same columns, types and
    required fields as DuckDB's (its writer declares a column required when its
    table has no nulls), a fifth of the time of copying the table into DuckDB
    first. Text formats and URLs go through DuckDB, whose COPY owns their
    spelling (ISO times, exact decimal strings) and its filesystems.
    """
    if file_format == "parquet" and "://" not in str(out):
        try:  # through a file object: given a path, Arrow deletes it on failure (/dev/full!)
            with open(out, "wb") as sink:
                pq.write_table(_required_unless_null(table), sink, **_ARROW_PARQUET)
        except OSError as error:  # a full disk, say: the system's words when it has them
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise RatecardError(f"{out}: cannot write line items: {reason}") from error
        return
    con = duckdb.connect()
    try:
        con.register("arrow_line_items", table)
        con.execute("CREATE TEMP TABLE line_items AS SELECT * FROM arrow_line_items")
        copy_line_items(con, "line_items", out, file_format)
    finally:
        con.close()


def _required_unless_null(table: pa.Table) -> pa.Table:
    """``table`` with each column holding no null declared required, as DuckDB's writer does."""
    fields = [f.with_nullable(table.column(i).null_count > 0) for i, f in enumerate(table.schema)]
    return table.cast(pa.schema(fields))
