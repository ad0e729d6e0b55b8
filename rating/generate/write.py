"""Stream sample batches to Parquet, CSV or JSON Lines (optionally gzip), deterministically.

The format follows the file name; stdout gets JSON Lines. Outputs are
byte-identical for identical batches: Parquet metadata carries no time stamp,
and the gzip header is written with ``mtime=0`` and no file name.

JSON Lines omit absent optional traits (a trait is either present with a
value or not there at all); CSV leaves them empty and Parquet stores null.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rating.errors import RatecardError

FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".jsonl.gz": "jsonl.gz"}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_of(out: str) -> str:
    """The output format for a path (``-`` is stdout: JSON Lines)."""
    if out == "-":
        return "jsonl"
    for suffix, name in sorted(FORMATS.items(), key=lambda item: -len(item[0])):
        if out.endswith(suffix):
            return name
    raise RatecardError(
        f"{out}: unknown output format; use one of {', '.join(FORMATS)} (or '-' for stdout)"
    )


def write_samples(batches: Iterable[pa.RecordBatch], schema: pa.Schema, out: str) -> None:
    """Write all batches to ``out`` (a path or ``-``) in the format its extension names."""
    kind = format_of(out)
    if out == "-":
        _write_jsonl(batches, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    try:
        if kind == "parquet":
            _write_parquet(batches, schema, out)
        else:
            with open(out, "wb") as raw:
                if kind == "csv":
                    _write_csv(batches, schema, raw)
                elif kind == "jsonl":
                    _write_jsonl(batches, raw)
                else:
                    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
                        _write_jsonl(batches, packed)
    except OSError as error:
        raise RatecardError(f"{out}: cannot write: {error.strerror or error}") from error


def _write_parquet(batches: Iterable[pa.RecordBatch], schema: pa.Schema, out: str) -> None:
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch, row_group_size=batch.num_rows)


def _write_csv(batches: Iterable[pa.RecordBatch], schema: pa.Schema, sink: BinaryIO) -> None:
    text_schema = schema.set(0, pa.field("time", pa.string()))
    options = pacsv.WriteOptions(quoting_style="needed")
    with pacsv.CSVWriter(sink, text_schema, write_options=options) as writer:
        for batch in batches:
            times = _iso_times(batch.column(0))
            writer.write_batch(batch.set_column(0, "time", times))


def _write_jsonl(batches: Iterable[pa.RecordBatch], sink: BinaryIO) -> None:
    for batch in batches:
        lines = json_lines(batch)
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
        start, stop = offsets[lines.offset], offsets[lines.offset + len(lines)]
        sink.write(memoryview(lines.buffers()[2])[start:stop])


def _iso_times(times: pa.Array) -> pa.Array:
    """``2026-10-01T10:00:00Z`` (whole seconds); formats each distinct time once."""
    distinct = pc.unique(times)
    text = pc.strftime(pc.cast(distinct, pa.timestamp("s", tz="UTC")), format=TIME_FORMAT)
    return text.take(pc.index_in(times, distinct))


def _quoted(values: pa.Array) -> pa.Array:
    # Generated names, ids and trait texts never contain quotes or backslashes.
    return pc.binary_join_element_wise('"', values, '"', "")


def json_lines(batch: pa.RecordBatch) -> pa.Array:
    """One JSON object plus newline per row, built column-wise (no per-row Python)."""
    column = batch.column
    names = batch.schema.names
    trait_parts = []
    for index, name in enumerate(names):
        if not name.startswith("traits."):
            continue
        values = column(index)
        text = _quoted(values) if pa.types.is_string(values.type) else pc.cast(values, pa.string())
        part = pc.binary_join_element_wise(f',"{name[len("traits.") :]}":', text, "")
        trait_parts.append(pc.fill_null(part, ""))
    traits = pc.binary_join_element_wise(*trait_parts, "") if trait_parts else ""
    traits = pc.utf8_slice_codeunits(traits, 1) if trait_parts else traits
    pieces = [
        '{"time":"',
        _iso_times(column(0)),
        '","resource":{"id":"',
        column(names.index("resource.id")),
        '","type":"',
        column(names.index("resource.type")),
        '","name":"',
        column(names.index("resource.name")),
        '"},"scope":{"platformType":"',
        column(names.index("scope.platformType")),
        '","location":"',
        column(names.index("scope.location")),
        '","platformInstance":"',
        column(names.index("scope.platformInstance")),
        '","tenant":"',
        column(names.index("scope.tenant")),
        '","cell":"',
        column(names.index("scope.cell")),
        '"},"traits":{',
        traits,
        "}}\n",
    ]
    return pc.binary_join_element_wise(*pieces, "")


def output_label(out: str) -> str:
    """How the summary line names the destination."""
    return "stdout" if out == "-" else str(Path(out))
