"""``ratecard report``: rate samples and print or write tenant usage reports."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.compute as pc

from rating.cli.catalog_options import catalog_options
from rating.cli.engine_options import EngineChoice, engine_options
from rating.cli.outputs import writable_directory
from rating.cli.progress import Progress, samples_bar
from rating.cli.rate_cmd import parse_duration
from rating.cli.reconciliation import add_rejects, reconcile, strict_option
from rating.currencies import is_currency
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy
from rating.load.samples import open_samples
from rating.period import Period
from rating.rate.result import RateOptions, RatingResult
from rating.report import build_reports, read_fx_csv, rounding_mode
from rating.report.output import FORMATS, render_stream, write_directory
from rating.report.rounding import ROUNDING_MODES


@click.command()
@click.argument("catalog", type=click.Path(exists=True, path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option("--period", "period_text", required=True, help="YYYY-MM or YYYY-MM-DD/YYYY-MM-DD.")
@click.option("--tenant", "tenants", multiple=True, help="Only this tenant (repeatable).")
@click.option("--fx", "fx_path", type=click.Path(dir_okay=False), help="CSV from,to,rate.")
@click.option("--base-currency", help="Convert every line into this currency (ISO 4217).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Directory.")
@click.option("--interval", default="1h", show_default=True, help="Sample interval: 30s, 5min, 1h…")
@click.option(
    "--rounding",
    type=click.Choice(list(ROUNDING_MODES)),
    default="half-even",
    show_default=True,
    help="How top-level and discount lines round to the currency's minor unit.",
)
@click.option(
    "--generated-at",
    help="Timestamp shown in the report (ISO 8601); default: the period end, for reproducibility.",
)
@strict_option
@engine_options
@catalog_options
def report(
    catalog: Path,
    samples: tuple[str, ...],
    period_text: str,
    tenants: tuple[str, ...],
    fx_path: str | None,
    base_currency: str | None,
    fmt: str,
    out: Path | None,
    interval: str,
    rounding: str,
    generated_at: str | None,
    strict: bool,
    engine: EngineChoice,
    imports: ImportPolicy,
) -> None:
    """Rate SAMPLES against CATALOG and build one usage report per tenant.

    With --out DIR, writes <tenant>.<ext> per tenant plus chargeback.<ext>;
    otherwise prints to stdout (json: one document per line).
    """
    from rating.check.gate import load_checked_catalog

    period = Period.parse(period_text)
    options = RateOptions(interval=parse_duration(interval, "--interval"))
    stamp = _parse_timestamp(generated_at) if generated_at else None
    fx = read_fx_csv(fx_path) if fx_path else None
    if out is not None:
        writable_directory(out, "--out")
    if base_currency is not None and not is_currency(base_currency):
        raise RatecardError(
            f"--base-currency {base_currency!r}: not an ISO 4217 currency code (e.g. EUR)"
        )
    loaded = load_checked_catalog(catalog, imports)
    result: RatingResult
    if engine.spark:
        result = engine.rate_on_spark(loaded, samples, period, options).collect()
    else:
        reader = open_samples(list(samples), loaded.resource_types)
        with samples_bar() as progress:
            result = _rate_function(progress)(loaded, reader, period, options)
        add_rejects(result.counts, reader.total.rejected)
    reconcile(period.label, result.counts, result.unmatched, strict=strict)
    items = result.line_items
    if tenants:
        items = items.filter(pc.is_in(items.column("tenant"), pa.array(tenants)))
        missing = sorted(set(tenants) - set(items.column("tenant").to_pylist()))
        if missing:
            raise RatecardError(
                f"no line items for tenant(s) {', '.join(missing)} in {period.label}"
            )
    reports = build_reports(
        loaded,
        items,
        period,
        fx=fx,
        base_currency=base_currency,
        rounding=rounding_mode(rounding),
        generated_at=stamp,
    )
    if out is not None:
        for path in write_directory(reports, fmt, out):
            click.echo(f"wrote {path}", err=True)
    else:
        click.echo(render_stream(reports, fmt), nl=False)


def _rate_function(progress: Progress | None = None):
    """The DuckDB engine's ``rate``, looked up at call time so tests can stand it in."""
    from rating.rate.engine import rate

    return functools.partial(rate, progress=progress)


def _parse_timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RatecardError(
            f"--generated-at {text!r}: expected ISO 8601, e.g. 2026-11-01T00:00:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
