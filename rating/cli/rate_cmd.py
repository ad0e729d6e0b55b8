"""``ratecard rate CATALOG SAMPLES…``: price samples into line items with the DuckDB engine.

Line items go to ``--out`` (or stdout) as JSON Lines, CSV, Parquet or a table;
the reconciliation (read = rated + unmatched + rejected + duplicates + outside
period), totals per currency and unmatched samples with a hint go to stderr.
Rejected or unmatched samples do not fail the run: they are shown, not hidden;
``--strict`` makes them fail it (exit 1).
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import click

from rating.cli.catalog_options import catalog_options
from rating.cli.engine_options import EngineChoice, engine_options
from rating.cli.outputs import writable_file
from rating.cli.progress import samples_bar
from rating.cli.reconciliation import add_rejects, reconcile, strict_option
from rating.cli.traits_cmd import resource_types, traits_option
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy

_FORMATS = ("jsonl", "csv", "parquet", "table")
_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
_DURATION = re.compile(r"^(\d+)(s|m|min|h|d)$", re.ASCII)
_LONGEST = timedelta(days=366)  # a sample covering more than a year is a typo, not a setting
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str, option: str) -> timedelta:
    """``30m``, ``1h``, ``90s``, ``1d`` as a positive timedelta."""
    match = _DURATION.match(text.strip())
    if not match or int(match[1]) == 0:
        raise RatecardError(f"{option} {text!r}: expected a positive duration like 30m, 1h, 1d")
    amount = min(int(match[1]), 10**8)  # anything this large is over the limit in any unit
    duration = timedelta(**{_UNITS[match[2]]: amount})
    if duration > _LONGEST:
        raise RatecardError(f"{option} {text!r}: at most 366d")
    return duration


def _options(interval: str, interval_for: tuple[str, ...]):
    from rating.rate.result import RateOptions

    by_type = {}
    for item in interval_for:
        type_id, sep, value = item.partition("=")
        if not sep or not type_id:
            raise RatecardError(f"--interval-for {item!r}: expected TYPE=DURATION, e.g. vm=30m")
        by_type[type_id] = parse_duration(value, "--interval-for")
    return RateOptions(parse_duration(interval, "--interval"), by_type)


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
@click.option("--interval", default="1h", show_default=True, help="Sample interval.")
@click.option(
    "--interval-for",
    "interval_for",
    multiple=True,
    metavar="TYPE=DURATION",
    help="Sample interval of one resource type (repeatable).",
)
@click.option("--out", help="Line-item file (default: stdout; '-' = stdout).")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), help="Default: from --out.")
@click.option(
    "--rejects",
    "rejects_file",
    type=click.Path(path_type=Path),
    help="Write rejected sample records to this JSON Lines file.",
)
@traits_option
@strict_option
@engine_options
@catalog_options
def rate(
    catalog: Path,
    samples: tuple[str, ...],
    period: str | None,
    interval: str,
    interval_for: tuple[str, ...],
    out: str | None,
    fmt: str | None,
    rejects_file: Path | None,
    traits_file: Path | None,
    strict: bool,
    engine: EngineChoice,
    imports: ImportPolicy,
) -> None:
    """Rate SAMPLES (files, '-' = stdin) against CATALOG into line items."""
    from rating.check.gate import load_checked_catalog
    from rating.load.samples import RejectSink, open_samples
    from rating.period import Period

    started = time.perf_counter()
    options = _options(interval, interval_for)
    chosen = Period.parse(period) if period is not None else None
    fmt = _output_format(fmt, out)
    if out and out != "-" and "://" not in out:
        writable_file(Path(out), "--out")
    if rejects_file is not None:
        writable_file(rejects_file, "--rejects")
    loaded = load_checked_catalog(catalog, imports)
    types = resource_types(traits_file, imports, loaded.resource_types)
    if engine.spark:
        if rejects_file or traits_file:
            raise RatecardError("--rejects and --traits are not available with --engine spark")
        write = _spark_writer(engine, loaded, list(samples), chosen, options)
        summary = _rate_out(write, out, fmt)
    else:
        from rating.rate.engine import rate_to_file

        sink = RejectSink(rejects_file)
        reader = open_samples(list(samples), types, rejects=sink)
        with samples_bar() as progress:
            summary = _rate_out(
                lambda target, written: rate_to_file(
                    loaded, reader, chosen, target, written, options, progress=progress
                ),
                out,
                fmt,
            )
        add_rejects(summary.counts, reader.total.rejected)
    _report(summary, time.perf_counter() - started)
    reconcile(summary.period.label, summary.counts, summary.unmatched, strict=strict)


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


def _rate_out(write, out, fmt):
    """``write(target, format)`` rates into a file; stdout gets a copy of a temporary one."""
    if out and out != "-":
        if fmt == "table":
            raise RatecardError("--format table writes to the terminal only: drop --out")
        return write(out, fmt)
    with tempfile.TemporaryDirectory(prefix="ratecard-rate-") as scratch:
        written = "parquet" if fmt == "table" else fmt
        target = Path(scratch) / f"line-items.{written}"
        summary = write(target, written)
        if fmt == "table":
            _print_table(target)
        else:
            with target.open("rb") as source:
                sys.stdout.flush()
                shutil.copyfileobj(source, sys.stdout.buffer)
    return summary


def _spark_writer(engine: EngineChoice, catalog, samples, period, options):
    """Rate on Spark, then write where asked.

    A URI (``s3a://…``) is written by Spark as a Parquet dataset; a local path
    gets the collected line items written exactly as the embedded engine writes
    them, so both engines give the same bytes.
    """
    from rating.rate.engine import WrittenResult
    from rating.rate.files import write_line_items

    rating = engine.rate_on_spark(catalog, samples, period, options)

    def write(target, file_format: str) -> WrittenResult:
        if "://" in str(target):
            if file_format != "parquet":
                raise RatecardError(f"{target}: Spark writes line items to URIs as Parquet only")
            rating.write_parquet(str(target))
            lines, totals = rating.summary()
        else:
            result = rating.collect()
            write_line_items(result.line_items, target, file_format)
            lines, totals = result.line_items.num_rows, result.totals()
        return WrittenResult(
            rating.period, rating.counts, rating.unmatched, rating.catalog_version, lines, totals
        )

    return write


def _print_table(path: Path) -> None:
    import pyarrow.parquet as pq
    from tabulate import tabulate

    table = pq.read_table(path, columns=list(_TABLE_COLUMNS))
    rows = [[_cell(row[c]) for c in _TABLE_COLUMNS] for row in table.to_pylist()]
    click.echo(tabulate(rows, headers=_TABLE_COLUMNS, disable_numparse=True))


def _cell(value: object) -> object:
    """Decimals in plain notation: a zero amount reads 0.000000000000, not 0E-12."""
    return format(value, "f") if isinstance(value, Decimal) else value


def _report(summary, seconds: float) -> None:
    """Line items, speed and totals per currency on stderr (the reconciliation follows)."""
    c = summary.counts
    rate = f", {c.read / seconds:,.0f} samples/s" if seconds > 0 and c.read else ""
    click.echo(f"line items {summary.line_items:,} in {seconds:.2f} s{rate}", err=True)
    for currency, total in sorted(summary.totals.items()):
        click.echo(f"total {currency} {total}", err=True)
