"""``ratecard rate CATALOG SAMPLES…``: price samples into line items with the DuckDB engine.

Line items go to ``--out`` (or stdout) as JSON Lines, CSV, Parquet or a table;
the reconciliation (read = rated + unmatched + rejected + duplicates + outside
period), totals per currency and unmatched samples with a hint go to stderr.
Rejected or unmatched samples do not fail the run: they are shown, not hidden;
``--strict`` makes them fail it (exit 1).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rating.cli.catalog_options import catalog_options
from rating.cli.engine_options import EngineChoice, engine_options
from rating.cli.interval_options import interval_options
from rating.cli.rating_run import open_checked, rate_with_progress
from rating.cli.reconciliation import reconcile, strict_option
from rating.cli.traits_cmd import traits_option
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy
from rating.outputs import writable_file

if TYPE_CHECKING:
    import pyarrow as pa

    from rating.api import Rated, Written

_FORMATS = ("jsonl", "csv", "parquet", "table")
_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def _output_format(fmt: str | None, out: str | None) -> str:
    if fmt is not None:
        return fmt
    if out and out != "-":
        # A URI without a known suffix is a Spark dataset directory: Parquet.
        return _SUFFIXES.get(Path(out).suffix.lower(), "parquet" if "://" in out else "jsonl")
    return "table" if sys.stdout.isatty() else "jsonl"


@click.command()
@click.argument("catalog", type=click.Path(path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option("--period", help="YYYY-MM or YYYY-MM-DD/YYYY-MM-DD; default: the samples' month.")
@click.option("--out", help="Line-item file (default: stdout; '-' = stdout).")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), help="Default: from --out.")
@click.option(
    "--rejects",
    "rejects_file",
    type=click.Path(path_type=Path),
    help="Write rejected sample records to this JSON Lines file.",
)
@traits_option
@interval_options
@strict_option
@engine_options
@catalog_options
def rate(
    catalog: Path,
    samples: tuple[str, ...],
    period: str | None,
    interval: timedelta,
    interval_for: dict[str, timedelta],
    out: str | None,
    fmt: str | None,
    rejects_file: Path | None,
    traits_file: Path | None,
    strict: bool,
    engine: EngineChoice,
    imports: ImportPolicy,
) -> None:
    """Rate SAMPLES (files, '-' = stdin) against CATALOG into line items."""
    started = time.perf_counter()
    if out == "":
        raise RatecardError("--out '': expected a file, or - for stdout")
    fmt = _output_format(fmt, out)
    to_file = bool(out) and out != "-"
    if fmt == "table" and to_file:
        raise RatecardError("--format table writes to the terminal only: drop --out")
    if to_file and "://" not in str(out):
        writable_file(Path(str(out)), "--out")
    if rejects_file is not None:
        writable_file(rejects_file, "--rejects")
    rated = rate_with_progress(
        open_checked(catalog, imports),
        samples,
        period=period,
        interval=interval,
        interval_for=interval_for,
        traits=traits_file,
        rejects=rejects_file,
        **engine.arguments(),
    )
    written = _write(rated, out if to_file else None, fmt)
    _report(written, rated.counts.read, time.perf_counter() - started)
    reconcile(rated.period.label, rated.counts, rated.unmatched, strict=strict)


_TABLE_COLUMNS = (
    "tenant",
    "resource_id",
    "product_id",
    "quantity",
    "unit",
    "amount",
    "currency",
    "start",
    "end",
)


def _write(rated: Rated, out: str | None, fmt: str) -> Written:
    """The line items to ``out``, or to stdout (a table on a terminal, else the file's bytes)."""
    if out is not None:
        return rated.write(out, fmt)
    if fmt == "table":
        from rating.api import Written

        _print_table(rated.line_items)
        return Written(rated.line_items.num_rows, rated.totals())
    with tempfile.TemporaryDirectory(prefix="ratecard-rate-") as scratch:
        target = Path(scratch) / f"line-items.{fmt}"
        written = rated.write(target, fmt)
        with target.open("rb") as source:
            sys.stdout.flush()
            shutil.copyfileobj(source, sys.stdout.buffer)
    return written


def _print_table(line_items: pa.Table) -> None:
    from tabulate import tabulate

    rows = [[_cell(row[c]) for c in _TABLE_COLUMNS] for row in line_items.to_pylist()]
    click.echo(tabulate(rows, headers=_TABLE_COLUMNS, disable_numparse=True))


def _cell(value: object) -> object:
    """Decimals in plain notation: a zero amount reads 0.000000000000, not 0E-12."""
    return format(value, "f") if isinstance(value, Decimal) else value


def _report(written: Written, read: int, seconds: float) -> None:
    """Line items, speed and totals per currency on stderr (the reconciliation follows)."""
    rate = f", {read / seconds:,.0f} samples/s" if seconds > 0 and read else ""
    click.echo(f"line items {written.lines:,} in {seconds:.2f} s{rate}", err=True)
    for currency, total in sorted(written.totals.items()):
        click.echo(f"total {currency} {total}", err=True)
