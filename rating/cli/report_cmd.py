"""``ratecard report``: rate samples and print or write tenant usage reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rating.cli.catalog_options import catalog_options
from rating.cli.control_options import instant
from rating.cli.engine_options import EngineChoice, engine_options
from rating.cli.interval_options import interval_options
from rating.cli.rating_run import open_checked, rate_with_progress, site_gauges
from rating.cli.reconciliation import reconcile, strict_option
from rating.currencies import require_currency
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy
from rating.outputs import writable_directory
from rating.period import Period, month_range, stamp
from rating.report.build import GRANULARITIES
from rating.report.dimensions import parse_dimensions, require_declared
from rating.report.output import FORMATS
from rating.report.rounding import ROUNDING_MODES

if TYPE_CHECKING:
    from rating.api import Rated, Reports


@click.command()
@click.argument("catalog", type=click.Path(exists=True, path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option(
    "--period",
    "period_text",
    required=True,
    help="YYYY-MM or YYYY-MM-DD/YYYY-MM-DD; YYYY-MM..YYYY-MM (html only): the last month's "
    "site with a trend across the months.",
)
@click.option(
    "--as-of",
    "as_of_text",
    help="RFC 3339 instant: the interim invoice, the period rated up to it (docs/reports.md).",
)
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
@click.option(
    "--rounding",
    type=click.Choice(list(ROUNDING_MODES)),
    default="half-even",
    show_default=True,
    help="How top-level and discount lines round to the currency's minor unit.",
)
@click.option(
    "--by",
    "by",
    metavar="DIM[,DIM…]",
    help="Group by tenant, cell, seller, product-group, service-category, label:NAME or "
    "product (nested, in this order), the chargeback summary too.",
)
@click.option(
    "--granularity",
    type=click.Choice(GRANULARITIES),
    default="month",
    show_default=True,
    help="day: split the period into UTC days (exact daily amounts).",
)
@click.option(
    "--generated-at",
    help="Timestamp shown in the report (ISO 8601); default: the period end, for reproducibility.",
)
@interval_options
@strict_option
@engine_options
@catalog_options
def report(
    catalog: Path,
    samples: tuple[str, ...],
    period_text: str,
    as_of_text: str | None,
    tenants: tuple[str, ...],
    fx_path: str | None,
    base_currency: str | None,
    fmt: str,
    out: Path | None,
    rounding: str,
    by: str | None,
    granularity: str,
    generated_at: str | None,
    interval: timedelta,
    interval_for: dict[str, timedelta],
    strict: bool,
    engine: EngineChoice,
    imports: ImportPolicy,
) -> None:
    """Rate SAMPLES against CATALOG and build one usage report per tenant.

    With --out DIR, writes <tenant>.<ext> per tenant plus chargeback.<ext>;
    otherwise prints to stdout (json: one document per line).
    """
    from rating.report import read_fx_csv

    months = month_range(period_text)
    if months is not None:
        if fmt != "html":
            raise RatecardError(f"--period {period_text!r}: a range of months needs --format html")
        if "-" in samples:
            raise RatecardError(
                f"--period {period_text!r}: samples from stdin (-) can be read only once, "
                "a range rates them once per month"
            )
    period = Period.parse(period_text) if months is None else months[-1]
    as_of = instant(as_of_text, "--as-of") if as_of_text is not None else None
    # A misspelt dimension fails before the work, an undeclared label once the catalog is read.
    dimensions = parse_dimensions(by) if by is not None else ()
    generated = _parse_timestamp(generated_at) if generated_at else None
    fx = read_fx_csv(fx_path) if fx_path else None  # a bad file fails before the work
    if out is not None:
        writable_directory(out, "--out")
    if base_currency is not None:
        require_currency(base_currency, "--base-currency")
    card = open_checked(catalog, imports)
    require_declared(dimensions, card.model.dimensions.labels)

    def rate_month(month: Period, until: datetime | None) -> tuple[Rated, Reports]:
        rated = rate_with_progress(
            card,
            samples,
            period=month,
            as_of=until,
            interval=interval,
            interval_for=interval_for,
            **engine.arguments(),
        )
        label = month.label if rated.as_of is None else f"{month.label} to {stamp(rated.as_of)}"
        reconcile(label, rated.counts, rated.unmatched, strict=strict)
        return rated, rated.reports(
            tenants=tenants or None,
            fx=fx,
            base_currency=base_currency,
            rounding=rounding,
            generated_at=generated,
            by=by or (),
            granularity=granularity,
        )

    # A range rates each month on its own (the same samples); the site is the last month's.
    earlier = [(month, rate_month(month, None)[1]) for month in (months or [])[:-1]]
    rated, reports = rate_month(period, as_of)
    if months is not None:
        reports = reports.with_trend([*earlier, (period, reports)])
    if out is not None:
        if fmt == "html":  # the site's quota and budget gauges, when the catalog has any
            gauges = site_gauges("report", card, samples, rated, interval, interval_for)
            reports = reports.with_controls(gauges)
        for path in reports.write(out, fmt):
            click.echo(f"wrote {path}", err=True)
    else:
        click.echo(reports.render(fmt), nl=False)


def _parse_timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RatecardError(
            f"--generated-at {text!r}: expected ISO 8601, e.g. 2026-11-01T00:00:00Z"
        ) from None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 is in year 10000 in UTC
        raise RatecardError(
            f"--generated-at {text!r}: outside the years 0001 to 9999 in UTC"
        ) from None
