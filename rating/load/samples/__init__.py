"""Sample readers: JSON Lines, CSV, Parquet (+ gzip/zstd, stdin) → normalized Arrow batches.

``open_samples`` streams every input in bounded batches; each record either
lands in a batch of :func:`~rating.load.samples.schema.sample_schema` or
becomes a :class:`Reject` — nothing is dropped silently, and per file
``read == valid + rejected``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from rating.load.samples.columns import ColumnChecker
from rating.load.samples.parquet_format import ParquetChecker, read_parquet, records_at
from rating.load.samples.parquet_sql import ParquetQuery, parquet_query
from rating.load.samples.records import RecordValidator, RowBuilder, normalize
from rating.load.samples.rejects import Reject, RejectSink
from rating.load.samples.schema import sample_schema
from rating.load.samples.sources import check_exists, detect
from rating.load.samples.text_columns import read_csv_columnar, read_jsonl_columnar
from rating.model import ResourceType
from rating.scopes import LABEL_COLUMN_PREFIX, is_kept_label

__all__ = [
    "Counts",
    "Reject",
    "RejectSink",
    "SampleBatches",
    "SampleInput",
    "SampleReader",
    "open_samples",
    "sample_schema",
]


@dataclass
class Counts:
    """Records read from one input (or all), and how many were valid or rejected."""

    read: int = 0
    valid: int = 0
    rejected: int = 0


class SampleReader:
    """Iterable over normalized RecordBatches; ``counts`` and ``rejects`` fill as it runs."""

    def __init__(
        self,
        paths: Sequence[str],
        resource_types: Sequence[ResourceType],
        batch_size: int,
        rejects: RejectSink,
        labels: Sequence[str] = (),
    ) -> None:
        self.paths = list(paths)
        self.resource_types = tuple(resource_types)
        self.labels = tuple(labels)  # the labels kept as columns (label.<name>)
        self.schema = sample_schema(self.resource_types, labels=self.labels)
        self.batch_size = batch_size
        self.rejects = rejects
        self.counts: dict[str, Counts] = {path: Counts() for path in self.paths}
        self.total = Counts()
        self._validator = RecordValidator(self.resource_types)
        self._types = {rt.id: rt for rt in self.resource_types}

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return iter(self.batches())

    def batches(
        self, columns: Sequence[str] | None = None, *, dictionary: bool = False
    ) -> SampleBatches:
        """The valid records as batches of ``sample_schema(types, columns, dictionary=…)``.

        Label columns (``label.<name>``) in ``columns`` are kept besides the reader's own.

        Every column is validated whichever ``columns`` are kept, so rejects and
        counts do not depend on them; leaving columns out and keeping Text
        dictionary-encoded make Parquet input much cheaper to pass on.
        """
        return SampleBatches(self, columns, dictionary)

    @property
    def rereadable(self) -> bool:
        """Can the inputs be read a second time (stdin cannot)?"""
        return "-" not in self.paths

    def again(self) -> SampleReader:
        """A fresh reader of the same inputs for a second pass: its rejects go nowhere."""
        return SampleReader(
            self.paths, self.resource_types, self.batch_size, RejectSink(), self.labels
        )

    def read_all(self) -> pa.Table:
        """Every valid record as one table (for small inputs and tests)."""
        return pa.Table.from_batches(list(self), schema=self.schema)

    def _read(self, path: str, builder: RowBuilder) -> Iterator[pa.RecordBatch]:
        fmt, compression = detect(path)
        if fmt == "parquet":
            checker = ParquetChecker(self.resource_types, builder.schema)
            for rows, (good, slow) in read_parquet(path, checker, self.batch_size):
                self._count(path, read=rows)
                if good is not None:
                    self._count(path, valid=good.num_rows)
                    yield good
                for line, record in slow:
                    self._record(path, line, record, None, builder)
                if builder.size >= self.batch_size:
                    yield builder.flush()
        else:
            checker = ColumnChecker(self.resource_types, builder.schema)
            items = (
                read_csv_columnar(path, compression, checker, self.resource_types)
                if fmt == "csv"
                else read_jsonl_columnar(path, compression, checker)
            )
            for item in items:
                if isinstance(item, pa.RecordBatch):
                    self._count(path, read=item.num_rows, valid=item.num_rows)
                    yield from _sliced(item, self.batch_size)
                    continue
                self._count(path, read=1)
                if isinstance(item, Reject):
                    self._reject(path, item)
                else:
                    self._record(path, *item, builder)
                if builder.size >= self.batch_size:
                    yield builder.flush()
        yield from _last(builder)

    def _check_rows(
        self, path: str, rows: Sequence[int], builder: RowBuilder
    ) -> Iterator[pa.RecordBatch]:
        for line, record in records_at(path, rows):
            self._record(path, line, record, None, builder)
            if builder.size >= self.batch_size:
                yield builder.flush()
        yield from _last(builder)

    def _record(
        self, path: str, line: int, record: Any, original: str | None, builder: RowBuilder
    ) -> None:
        problem = self._validator.check(record)
        if problem is None:
            rt = self._types[record["resource"]["type"]]
            builder.add(normalize(record, rt), path, line)
            self._count(path, valid=1)
        else:
            field, reason, resource_id = problem
            self._reject(path, Reject(path, line, resource_id, field, reason, original))

    def _reject(self, path: str, reject: Reject) -> None:
        self.rejects.add(reject)
        self._count(path, rejected=1)

    def _count(self, path: str, read: int = 0, valid: int = 0, rejected: int = 0) -> None:
        for counts in (self.counts[path], self.total):
            counts.read += read
            counts.valid += valid
            counts.rejected += rejected


class SampleBatches:
    """A reader's valid records as batches of one schema; iterating reads every input.

    :meth:`inputs` offers the inputs one by one instead, so that an SQL engine
    can load a Parquet input itself (:meth:`SampleInput.query`) and leave the
    reader only the rows the query rejects: the same batches, rejects and
    counts, without the batches passing through Python.
    """

    def __init__(self, reader: SampleReader, columns: Sequence[str] | None, dictionary: bool):
        self.reader = reader
        # Kept labels: the reader's, and any label column asked for (an engine asks
        # for its catalog's, whatever the reader was opened with).
        asked = (c.removeprefix(LABEL_COLUMN_PREFIX) for c in columns or () if is_kept_label(c))
        self._labels = tuple(dict.fromkeys((*reader.labels, *asked)))
        self.schema = sample_schema(
            reader.resource_types, columns, dictionary=dictionary, labels=self._labels
        )
        self._columns = columns
        self._dictionary = dictionary

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        with closing(self.inputs()) as inputs:
            for source in inputs:
                yield from source.batches()

    def inputs(self) -> Iterator[SampleInput]:
        """Each input in turn; the rejects are complete when the last one is done."""
        try:
            for path in self.reader.paths:
                builder = RowBuilder(
                    self.reader.resource_types,
                    self._columns,
                    dictionary=self._dictionary,
                    labels=self._labels,
                )
                yield SampleInput(self.reader, path, builder)
        finally:
            self.reader.rejects.close()


class SampleInput:
    """One input of a :class:`SampleBatches`: read by the reader, or by a query and the reader.

    Either :meth:`batches` yields its valid records, or an engine runs
    :meth:`query`, reports the rows it loaded with :meth:`loaded` and hands the
    rows the query rejected to :meth:`check_rows`.
    """

    def __init__(self, reader: SampleReader, path: str, builder: RowBuilder) -> None:
        self.path = path
        self._reader = reader
        self._builder = builder

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The input's valid records, read and checked by the reader."""
        return self._reader._read(self.path, self._builder)

    def query(self, names: Sequence[str]) -> ParquetQuery | None:
        """DuckDB SQL loading the valid rows as columns ``names``, if the input allows it.

        ``names`` are columns of the batches' schema but ``source_file`` and ``source_line``.
        """
        if detect(self.path)[0] != "parquet":
            return None
        return parquet_query(self.path, self._reader.resource_types, names, self._reader.batch_size)

    def loaded(self, query: ParquetQuery, valid: int) -> None:
        """Count the input: ``query`` read it and loaded ``valid`` rows."""
        self._reader._count(self.path, read=query.rows, valid=valid)

    def check_rows(self, rows: Sequence[int]) -> Iterator[pa.RecordBatch]:
        """The rows the query rejected (0-based, ascending), checked one by one.

        Rejects are recorded; the rows the per-record validator accepts after
        all come back as batches, as :meth:`batches` would have yielded them.
        """
        return self._reader._check_rows(self.path, rows, self._builder)


def _sliced(batch: pa.RecordBatch, size: int) -> Iterator[pa.RecordBatch]:
    """``batch`` in slices of at most ``size`` rows."""
    for offset in range(0, batch.num_rows, size):
        yield batch.slice(offset, size)


def _last(builder: RowBuilder) -> Iterator[pa.RecordBatch]:
    """The builder's remaining rows as one batch, if any."""
    last = builder.flush()
    if last is not None:
        yield last


def open_samples(
    paths: Sequence[str],
    resource_types: Sequence[ResourceType],
    *,
    batch_size: int = 500_000,
    rejects: RejectSink | None = None,
    labels: Sequence[str] = (),
) -> SampleReader:
    """Open sample inputs (``-`` = stdin as JSON Lines); missing files fail now (exit 2).

    ``labels``: the sample labels to keep as columns ``label.<name>`` (a catalog's
    ``Dimensions.read_labels``).
    """
    for path in paths:
        check_exists(path)
    return SampleReader(paths, resource_types, batch_size, rejects or RejectSink(), labels)
