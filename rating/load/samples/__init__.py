"""Sample readers: JSON Lines, CSV, Parquet (+ gzip/zstd, stdin) → normalized Arrow batches.

``open_samples`` streams every input in bounded batches; each record either
lands in a batch of :func:`~rating.load.samples.schema.sample_schema` or
becomes a :class:`Reject` — nothing is dropped silently, and per file
``read == valid + rejected``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from rating.load.samples.parquet_format import ParquetChecker, read_parquet
from rating.load.samples.records import RecordValidator, RowBuilder, normalize
from rating.load.samples.rejects import Reject, RejectSink
from rating.load.samples.schema import sample_schema
from rating.load.samples.sources import check_exists, detect
from rating.load.samples.text_formats import read_csv, read_jsonl
from rating.model import ResourceType

__all__ = [
    "Counts",
    "Reject",
    "RejectSink",
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
    ) -> None:
        self.paths = list(paths)
        self.resource_types = tuple(resource_types)
        self.schema = sample_schema(self.resource_types)
        self.batch_size = batch_size
        self.rejects = rejects
        self.counts: dict[str, Counts] = {path: Counts() for path in self.paths}
        self.total = Counts()
        self._validator = RecordValidator(self.resource_types)
        self._types = {rt.id: rt for rt in self.resource_types}

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return self.batches()

    def batches(
        self, columns: Sequence[str] | None = None, *, dictionary: bool = False
    ) -> Iterator[pa.RecordBatch]:
        """The valid records as batches of ``sample_schema(types, columns, dictionary=…)``.

        Every column is validated whichever ``columns`` are kept, so rejects and
        counts do not depend on them; leaving columns out and keeping Text
        dictionary-encoded make Parquet input much cheaper to pass on.
        """
        try:
            for path in self.paths:
                yield from self._read(path, columns, dictionary)
        finally:
            self.rejects.close()

    @property
    def rereadable(self) -> bool:
        """Can the inputs be read a second time (stdin cannot)?"""
        return "-" not in self.paths

    def again(self) -> SampleReader:
        """A fresh reader of the same inputs for a second pass: its rejects go nowhere."""
        return SampleReader(self.paths, self.resource_types, self.batch_size, RejectSink())

    def read_all(self) -> pa.Table:
        """Every valid record as one table (for small inputs and tests)."""
        return pa.Table.from_batches(list(self), schema=self.schema)

    def _read(
        self, path: str, columns: Sequence[str] | None, dictionary: bool
    ) -> Iterator[pa.RecordBatch]:
        fmt, compression = detect(path)
        builder = RowBuilder(self.resource_types, columns, dictionary=dictionary)
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
            items = (
                read_csv(path, compression, self.resource_types)
                if fmt == "csv"
                else read_jsonl(path, compression)
            )
            for item in items:
                self._count(path, read=1)
                if isinstance(item, Reject):
                    self._reject(path, item)
                else:
                    self._record(path, *item, builder)
                if builder.size >= self.batch_size:
                    yield builder.flush()
        last = builder.flush()
        if last is not None:
            yield last

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


def open_samples(
    paths: Sequence[str],
    resource_types: Sequence[ResourceType],
    *,
    batch_size: int = 500_000,
    rejects: RejectSink | None = None,
) -> SampleReader:
    """Open sample inputs (``-`` = stdin as JSON Lines); missing files fail now (exit 2)."""
    for path in paths:
        check_exists(path)
    return SampleReader(paths, resource_types, batch_size, rejects or RejectSink())
