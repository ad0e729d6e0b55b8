"""``ratecard samples convert``: samples from any readable format to any writable one.

Conversion goes through the readers (:func:`rating.load.samples.open_samples`),
so it validates exactly as ``rate`` would and writes only valid records; the
rejects are counted and can be written to a file. It streams: JSON Lines and
CSV are written record by record, Parquet batch by batch, so memory stays
bounded by the readers' batch size. The output appears under its name only
when complete (written to a temporary name next to it, then renamed).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from rating.errors import RatecardError
from rating.load.samples import RejectSink, SampleReader, open_samples
from rating.load.samples.schema import ENVELOPE_COLUMNS
from rating.load.samples.sources import detect, is_sample_file
from rating.load.samples.writers import write_csv, write_jsonl
from rating.model import ResourceType
from rating.outputs import writable_file

_SOURCE_COLUMNS = ("source_file", "source_line")
# Normalized column -> (object, key) of the JSON Lines shape, from the one envelope table.
_NESTED = {
    column: (group, key)
    for column, flat in ENVELOPE_COLUMNS.items()
    for group, _, key in [flat.partition(".")]
    if key
}


def convert(
    inputs: Sequence[str],
    out: Path,
    resource_types: Sequence[ResourceType],
    rejects: RejectSink,
) -> SampleReader:
    """Write the valid records of ``inputs`` to ``out``; the reader holds the counts."""
    _check_output(inputs, out)
    reader = open_samples(inputs, resource_types, batch_size=65_536, rejects=rejects)
    partial = out.with_name(f".{os.getpid()}.partial.{out.name}")  # keeps out's suffixes
    try:
        fmt, _ = detect(str(out))
        if fmt == "parquet":
            _write_parquet(reader, partial)
        elif fmt == "csv":
            write_csv(records(reader), partial, resource_types)
        else:
            write_jsonl(records(reader), partial)
        partial.replace(out)
    except OSError as error:
        raise RatecardError(f"{out}: cannot write: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return reader


def _check_output(inputs: Sequence[str], out: Path) -> None:
    """Before any reading: a known format, a writable place, and not one of the inputs
    (it would be read while being replaced)."""
    detect(str(out))  # compressed Parquet and the like
    if not is_sample_file(out.name):
        raise RatecardError(
            f"--out {out}: unknown format; name it .jsonl, .csv or .parquet "
            "(text formats may end in .gz or .zst)"
        )
    writable_file(out, "--out")
    if out.exists() and any(
        path != "-" and Path(path).exists() and Path(path).samefile(out) for path in inputs
    ):
        raise RatecardError(f"{out}: is also an input; write to another file")


def flat_schema(schema: pa.Schema) -> tuple[list[str], pa.Schema]:
    """The columns of a reader's ``schema`` a sample file keeps, and the file's schema.

    Flat columns, as :func:`~rating.load.samples.writers.write_parquet` writes
    them (``resource.id``, ``traits.vcpu``, …); the reader's source columns are dropped.
    """
    kept = [name for name in schema.names if name not in _SOURCE_COLUMNS]
    flat = pa.schema(
        [schema.field(name).with_name(ENVELOPE_COLUMNS.get(name, name)) for name in kept]
    )
    return kept, flat


def _write_parquet(reader: SampleReader, path: Path) -> None:
    kept, flat = flat_schema(reader.schema)
    with pq.ParquetWriter(path, flat) as writer:
        for batch in reader:
            writer.write_batch(pa.RecordBatch.from_arrays(batch.select(kept).columns, schema=flat))


def records(reader: SampleReader) -> Iterator[dict[str, Any]]:
    """The reader's valid rows as nested records (the JSON Lines shape); nulls left out."""
    for batch in reader:
        for row in batch.to_pylist():
            record: dict[str, Any] = {"time": _time(row["time"])}
            if row["event"] is not None:
                record["event"] = row["event"]
            for column, (group, key) in _NESTED.items():
                if row[column] is not None:
                    record.setdefault(group, {})[key] = row[column]
            record["traits"] = {
                name.removeprefix("traits."): value
                for name, value in row.items()
                if name.startswith("traits.") and value is not None
            }
            yield record


def _time(value: datetime) -> str:
    """RFC 3339 in UTC with ``Z``; microseconds only when there are any."""
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{value.microsecond:06d}Z" if value.microsecond else f"{text}Z"
