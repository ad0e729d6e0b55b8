"""``ratecard budget status CATALOG SAMPLES… --period P [--as-of T]``: spend against budgets.

The month is rated up to T with the engine (its reconciliation on stderr, as
``rate`` prints it); each budget shows its month-to-date spend after discounts
and fees, the forecast to the month's end and both levels.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rating.cli.catalog_options import catalog_options
from rating.cli.control_options import fail_on, fail_on_option, format_option, instant
from rating.cli.interval_options import interval_options
from rating.cli.rating_run import open_checked
from rating.cli.reconciliation import reconcile, strict_option
from rating.cli.traits_cmd import traits_option
from rating.load.imports import ImportPolicy
from rating.period import Period, stamp

if TYPE_CHECKING:
    from rating.control.budget import BudgetUse


@click.group()
def budget() -> None:
    """Budgets: what tenants and cells spend per month against their budgets (docs/quotas.md)."""


@budget.command("status")
@click.argument("catalog", type=click.Path(path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option("--period", "period_text", required=True, help="The month, YYYY-MM.")
@click.option("--as-of", "as_of_text", help="RFC 3339 instant (default: now; clamped to P).")
@click.option("--tenant", "tenants", multiple=True, help="Only this tenant (repeatable).")
@format_option
@fail_on_option
@interval_options
@strict_option
@traits_option
@catalog_options
def status(
    catalog: Path,
    samples: tuple[str, ...],
    period_text: str,
    as_of_text: str | None,
    tenants: tuple[str, ...],
    fmt: str,
    fail_on: str | None,
    interval: timedelta,
    interval_for: dict[str, timedelta],
    strict: bool,
    traits_file: Path | None,
    imports: ImportPolicy,
) -> None:
    """Month-to-date spend, forecast to the month's end and level of each budget."""
    period = Period.parse(period_text)
    as_of = instant(as_of_text, "--as-of")
    opened = open_checked(catalog, imports)
    rated, uses = opened.budget_status(
        list(samples),
        period=period,
        as_of=as_of,
        interval=interval,
        interval_for=interval_for,
        traits=traits_file,
    )
    reconcile(
        f"{period.label} to {stamp(rated.period.end)}", rated.counts, rated.unmatched, strict=strict
    )
    uses = [use for use in uses if not tenants or use.budget.tenant in tenants]
    if fmt == "json":
        document = {
            "period": period.label,
            "asOf": stamp(rated.period.end),
            "budgets": [use.as_json() for use in uses],
        }
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(_table(uses))
    fail_on_levels(fail_on, uses)


def fail_on_levels(threshold: str | None, uses: list[BudgetUse]) -> None:
    fail_on(threshold, [(use.budget.id, use.level.value) for use in uses], "budget")


def _table(uses: list[BudgetUse]) -> str:
    from tabulate import tabulate

    headers = ["budget", "tenant", "cell", "spent", "forecast", "budget", "cur", "%", "level"]
    rows = []
    for use in uses:
        row = use.as_json()
        rows.append(
            [
                row["id"],
                row["tenant"],
                row["cell"] or "",
                row["spent"],
                row["forecast"],
                row["amount"],
                row["currency"],
                row["percent"] if row["percent"] is not None else "∞",
                f"{row['level']} (forecast {row['forecastLevel']})",
            ]
        )
    return tabulate(rows, headers=headers, disable_numparse=True)
