"""Parquet reader: vectorized validation with Arrow compute.

Each input batch is checked column-wise (:class:`.columns.ColumnChecker`, the
per-record validator's rules). Rows that pass become a normalized batch
without touching Python objects; the few that fail go to the per-record
validator, which writes the detailed message (and would accept a row the
vectorized check was too strict about, so nothing is lost).

Text columns are read dictionary-encoded: a check on text runs once per
distinct value and reaches the rows through the indices, and a column the
caller does not want is validated without ever being decoded. Every column is
validated whatever the caller keeps, so a record is rejected for the same
reasons either way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rating.errors import RatecardError, first_line
from rating.load.samples.columns import ColumnChecker
from rating.load.samples.records import known_column, nest
from rating.load.samples.schema import is_text

# (normalized batch of valid rows or None, [(row number, nested record)] to check one by one)
Split = tuple[pa.RecordBatch | None, list[tuple[int, dict[str, Any]]]]


class ParquetChecker(ColumnChecker):
    """Splits Parquet batches into valid rows of ``schema`` and rows to check one by one."""

    def check_columns(self, path: str, names: Sequence[str]) -> None:
        unknown = [c for c in names if not known_column(c)]
        if unknown:
            raise RatecardError(f"{path}: unknown column {unknown[0]!r}")

    def split(self, batch: pa.RecordBatch, first_row: int, path: str) -> Split:
        n = batch.num_rows
        columns = dict(zip(batch.schema.names, batch.columns, strict=True))
        try:
            ok, normalized = self.check(columns, n)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ok, normalized = pa.repeat(pa.scalar(False), n), {}
        lines = np.arange(first_row + 1, first_row + 1 + n, dtype=np.int64)
        return self.valid_rows(normalized, ok, lines, path), self._slow(batch, ok, first_row)

    @staticmethod
    def _slow(batch: pa.RecordBatch, ok: pa.Array, first_row: int) -> list:
        """The rows that failed, as nested records for the per-record validator."""
        bad = pc.indices_nonzero(pc.invert(ok))
        rows = _python_rows(batch.take(bad)) if len(bad) else []
        return [
            (first_row + 1 + index, nest(row))
            for index, row in zip(bad.to_pylist(), rows, strict=True)
        ]


def _python_rows(rows: pa.RecordBatch | pa.Table) -> list[dict[str, Any]]:
    """Rows as Python dicts; timestamps as text, which holds any instant a datetime cannot
    (year 10000, nanoseconds), for the validator to judge (no zone: no RFC 3339)."""
    for index, field in enumerate(rows.schema):
        if pa.types.is_timestamp(field.type):
            text = pc.replace_substring(
                rows.column(index).cast(pa.string()), " ", "T", max_replacements=1
            )
            rows = rows.set_column(index, field.name, text)
    return rows.to_pylist()


@contextmanager
def _unreadable(path: str) -> Iterator[None]:
    """A file pyarrow cannot read (truncated, corrupt, not Parquet) fails in one line."""
    try:
        yield
    except (OSError, pa.ArrowException) as error:
        raise RatecardError(
            f"{path}: corrupt or truncated Parquet file: {first_line(error)}"
        ) from None


def _without_views(batch: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
    """Batch with string_view/binary_view/list_view columns cast to their plain types.

    Arrow writes view types into a file's stored schema and reads them back as
    such; compute kernels the checks and the per-record path use (``take``)
    have none for them, and the plain types hold the same values.
    """
    plain = {
        "string_view": pa.string(),
        "binary_view": pa.binary(),
    }
    fields = []
    for field in batch.schema:
        data_type = field.type
        if pa.types.is_list_view(data_type) or pa.types.is_large_list_view(data_type):
            data_type = pa.list_(data_type.value_type)
        data_type = plain.get(str(data_type), data_type)
        fields.append(field.with_type(data_type))
    schema = pa.schema(fields, metadata=batch.schema.metadata)
    return batch if schema.equals(batch.schema) else batch.cast(schema)


def open_parquet(path: str) -> pq.ParquetFile:
    """The file opened for reading; Text columns dictionary-encoded (module docstring)."""
    with _unreadable(path):
        schema = pq.read_schema(path)
        text = [f.name for f in schema if is_text(f.type)]
        return pq.ParquetFile(path, read_dictionary=text)


def read_parquet(
    path: str, checker: ParquetChecker, batch_size: int
) -> Iterator[tuple[int, Split]]:
    """``(rows in the input batch, split)`` per Parquet batch, streamed row group by group.

    Columns are decoded on all cores.
    """
    with open_parquet(path) as file:
        checker.check_columns(path, file.schema_arrow.names)
        batches = file.iter_batches(batch_size=batch_size, use_threads=True)
        first_row = 0
        while True:
            with _unreadable(path):
                batch = next(batches, None)
            if batch is None:
                return
            batch = _without_views(batch)
            yield batch.num_rows, checker.split(batch, first_row, path)
            first_row += batch.num_rows


def records_at(path: str, rows: Sequence[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, nested record)`` of some rows (0-based, ascending) of a Parquet file.

    For rows a caller's own check of the file rejected: they reach the
    per-record validator exactly as the vectorized check's rejects do
    (:meth:`ParquetChecker._slow`, lines count from 1), reading only the row
    groups holding them.
    """
    with open_parquet(path) as file:  # decoding strings costs 3×
        sizes = [file.metadata.row_group(g).num_rows for g in range(file.num_row_groups)]
        starts = np.cumsum([0, *sizes])
        wanted = np.asarray(rows, dtype=np.int64)
        groups = np.searchsorted(starts, wanted, side="right") - 1
        for group in np.unique(groups):
            local = wanted[groups == group] - starts[group]
            with _unreadable(path):
                records = _python_rows(_without_views(file.read_row_group(int(group))).take(local))
            for row, record in zip(local.tolist(), records, strict=True):
                yield int(starts[group]) + row + 1, nest(record)
