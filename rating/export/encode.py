"""Tables → file bytes, deterministically: the same table always gives the same bytes.

Determinism is what makes re-publishing idempotent (same keys, same bytes,
same ETags). Parquet is written with fixed options and no wall-clock metadata;
CSV and JSON Lines are rendered by hand because the FOCUS validator is strict
about their text: nulls are empty *unquoted* fields, empty strings are ``""``,
decimals always carry a point, date/times are ``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ENCODINGS = ("parquet", "csv", "jsonl")

_PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "row_group_size": 128 * 1024,
}


def encode(table: pa.Table, encoding: str) -> bytes:
    """Render ``table`` as ``parquet``, ``csv`` or ``jsonl`` bytes."""
    if encoding == "parquet":
        return parquet_bytes(table)
    if encoding == "csv":
        return csv_bytes(table)
    if encoding == "jsonl":
        return jsonl_bytes(table)
    raise ValueError(f"unknown encoding {encoding!r}")


def parquet_bytes(table: pa.Table) -> bytes:
    """Parquet with explicit column types (decimal128, timestamp[us, UTC], string)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, **_PARQUET_OPTIONS)
    return sink.getvalue()


def decimal_text(value: Decimal) -> str:
    """Plain notation, trailing zeros trimmed, but always with a point (``1488.0``)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    else:
        text += ".0"
    return text


def _csv_column(values: pa.ChunkedArray) -> pa.Array:
    """One column as CSV cell text (vectorized); nulls become empty unquoted cells."""
    values = values.combine_chunks()
    if pa.types.is_decimal(values.type):
        text = pc.cast(values, pa.string())
        # Arrow prints |x| < 1e-6 in scientific notation ("1E-12"): redo those few in Python.
        scientific = pc.fill_null(pc.match_substring(text, "E"), False)
        if pc.any(scientific).as_py():
            fixed = [decimal_text(v) if v is not None else None for v in values.to_pylist()]
            text = pc.if_else(scientific, pa.array(fixed, pa.string()), text)
        text = pc.replace_substring_regex(text, r"(\.\d*?)0+$", r"\1")
        text = pc.replace_substring_regex(text, r"\.$", ".0")
        text = pc.if_else(
            pc.match_substring(text, "."), text, pc.binary_join_element_wise(text, ".0", "")
        )
    elif pa.types.is_timestamp(values.type):
        seconds = values.cast(pa.timestamp("s", tz="UTC"), safe=False)
        text = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%SZ")
    else:
        text = pc.cast(values, pa.string())
        special = pc.or_(
            pc.equal(text, ""),
            pc.or_(
                pc.match_substring_regex(text, r'[,"\r\n]'),
                pc.not_equal(text, pc.utf8_trim_whitespace(text)),
            ),
        )
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        text = pc.if_else(pc.fill_null(special, False), quoted, text)
    return pc.fill_null(text, "")


def csv_bytes(table: pa.Table) -> bytes:
    """RFC 4180 CSV with a header, ``\\n`` line ends, UTF-8."""
    header = ",".join(table.column_names) + "\n"
    if table.num_rows == 0:
        return header.encode("utf-8")
    cells = [_csv_column(column) for column in table.columns]
    lines = pc.binary_join_element_wise(*cells, ",")
    body = "\n".join(lines.to_pylist()) + "\n"
    return (header + body).encode("utf-8")


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)  # money as text: JSON numbers are floats to most readers
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")  # keeps microseconds, unlike CSV
    return value


def jsonl_bytes(table: pa.Table) -> bytes:
    """One JSON object per row, keys in column order, decimals as strings."""
    out = io.StringIO()
    names = table.column_names
    dump: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for batch in table.to_batches(max_chunksize=65536):
        columns = [column.to_pylist() for column in batch.columns]
        for row in zip(*columns, strict=True):
            out.write(dump({n: _json_value(v) for n, v in zip(names, row, strict=True)}) + "\n")
    return out.getvalue().encode("utf-8")
