"""Write sample records (the JSON Lines shape) as JSON Lines, CSV or Parquet.

The inverse of the readers: used for the example files, by tests that round-
trip data through every format, and by anything that produces samples.
Compression follows the file name (``.gz``, ``.zst``) for JSON Lines and CSV.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from rating.load.samples.records import FLAT_ENVELOPE, parse_time
from rating.load.samples.schema import TIMESTAMP, arrow_type, trait_columns
from rating.load.samples.sources import detect, open_write
from rating.model import ResourceType
from rating.scopes import LABELS, is_label_column


def write_samples(
    records: Iterable[dict[str, Any]], path: Path, resource_types: Sequence[ResourceType]
) -> None:
    """Write ``records`` in the format the file name says."""
    fmt, _ = detect(str(path))
    if fmt == "parquet":
        write_parquet(records, path, resource_types)
    elif fmt == "csv":
        write_csv(records, path, resource_types)
    else:
        write_jsonl(records, path)


def write_jsonl(records: Iterable[dict[str, Any]], path: Path) -> None:
    with open_write(path) as out:
        for record in records:
            out.write((json.dumps(record, ensure_ascii=False) + "\n").encode())


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """Nested record → flat columns (``resource.id``, ``traits.vcpu``, ``labels.team``, …)."""
    flat = {"time": record["time"], "event": record.get("event")}
    for group in ("resource", "scope", "traits", LABELS):
        for key, value in (record.get(group) or {}).items():
            flat[f"{group}.{key}"] = value
    return flat


def _header(resource_types: Sequence[ResourceType], rows: Sequence[dict[str, Any]]) -> list[str]:
    """The envelope, every trait, then the labels the rows have (first seen first)."""
    labels = dict.fromkeys(name for row in rows for name in row if is_label_column(name))
    traits = (f"traits.{name}" for name in trait_columns(resource_types))
    return [*FLAT_ENVELOPE, *traits, *labels]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value) if not isinstance(value, float) else repr(value)


def write_csv(
    records: Iterable[dict[str, Any]], path: Path, resource_types: Sequence[ResourceType]
) -> None:
    """Flat CSV; absent and null are empty cells (so an empty Text value cannot be written)."""
    rows = [flatten(record) for record in records]
    header = _header(resource_types, rows)
    with open_write(path) as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(out)
        writer.writerow(header)
        for flat in rows:
            writer.writerow([_cell(flat.get(column)) for column in header])
        out.flush()
        out.detach()


def write_parquet(
    records: Iterable[dict[str, Any]], path: Path, resource_types: Sequence[ResourceType]
) -> None:
    """Flat Parquet with typed columns; ``time`` as timestamp[us, UTC], labels as text."""
    traits = trait_columns(resource_types)
    rows = [flatten(record) for record in records]
    labels = _header(resource_types, rows)[len(FLAT_ENVELOPE) + len(traits) :]
    schema = pa.schema(
        [
            pa.field("time", TIMESTAMP),
            *(pa.field(name, pa.string()) for name in FLAT_ENVELOPE[1:]),
            *(pa.field(f"traits.{n}", arrow_type(t)) for n, t in traits.items()),
            *(pa.field(name, pa.string()) for name in labels),
        ]
    )
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    columns["time"] = [parse_time(value) for value in columns["time"]]
    table = pa.table(
        {
            name: pa.array(columns[name], f.type)
            for name, f in zip(schema.names, schema, strict=True)
        },
        schema=schema,
    )
    pq.write_table(table, path)
