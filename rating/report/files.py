"""Writing flattened report tables as CSV and Parquet, byte-identically on re-runs."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from rating.report.lines import text


def to_csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    """RFC 4180 CSV with a header; decimals as plain text, times as ISO 8601 UTC ('Z')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([text(row[name]) for name in columns])
    return buffer.getvalue()


def write_parquet(table: pa.Table, path: str | Path) -> None:
    """Parquet with fixed options; the same table always gives the same bytes."""
    pq.write_table(table, str(path), compression="zstd")
