"""``ratecard diff OLD NEW SAMPLES…``: what a catalog change does to every tenant's bill.

Option parsing and calls only: :mod:`rating.diff` opens both sides, the
Python API rates the samples against both over one read of them
(``rating.rate_each``), and the diff is rendered to
stdout; each run's reconciliation goes to stderr as ``report`` prints it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

import click

from rating.cli.catalog_options import catalog_options
from rating.cli.interval_options import interval_options
from rating.cli.rating_run import rate_each_with_progress
from rating.cli.reconciliation import echo_stderr, reconcile
from rating.diff import compare, open_side
from rating.diff.render import FORMATS, render
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy


@click.command()
@click.argument("old")
@click.argument("new")
@click.argument("samples", nargs=-1, required=True)
@click.option(
    "--period", "period_text", help="YYYY-MM or YYYY-MM-DD/YYYY-MM-DD; default: the samples' month."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
)
@click.option(
    "--fail-above",
    metavar="PCT",
    help="Exit 1 when a tenant's total moves by more than PCT percent either way.",
)
@interval_options
@catalog_options
def diff(
    old: str,
    new: str,
    samples: tuple[str, ...],
    period_text: str | None,
    fmt: str,
    fail_above: str | None,
    interval: timedelta,
    interval_for: dict[str, timedelta],
    imports: ImportPolicy,
) -> None:
    """Show what changing catalog OLD to NEW does to every tenant's bill on SAMPLES.

    OLD and NEW are catalog paths or git:REF:PATH (PATH relative to the root
    of the current directory's git repository, at commit REF).
    """
    threshold = _percent(fail_above) if fail_above is not None else None
    if "-" in samples:
        raise RatecardError("SAMPLES: '-' (stdin) cannot be read twice; give files")
    kinds = [kind.value for kind in imports.allow]
    # each side's check findings on stderr, one line each, as `rate` and `check` show them
    before, after = (open_side(spec, kinds, echo_stderr) for spec in (old, new))
    old_rated, new_rated = rate_each_with_progress(  # one read of the samples for both
        [before.catalog, after.catalog],
        samples,
        period=period_text,
        interval=interval,
        interval_for=interval_for,
    )
    for side, rated in ((before, old_rated), (after, new_rated)):
        click.echo(f"{side.spec}:", err=True)  # each run's reconciliation, as `report` prints it
        reconcile(rated.period.label, rated.counts, rated.unmatched, strict=False)
    result = compare(before, after, old_rated, new_rated)
    click.echo(render(result, fmt), nl=False)
    moved = result.bills.above(threshold) if threshold is not None else ()
    if moved:
        worst = moved[0]
        raise RatecardError(
            f"--fail-above {fail_above}: {len(moved)} tenant total(s) moved by more than "
            f"{fail_above} %, "
            f"{worst.name} {worst.currency} the most ({worst.old} → {worst.new})",
            exit_code=1,
        )


def _percent(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise RatecardError(f"--fail-above {text!r}: expected a percentage ≥ 0, e.g. 5 or 2.5")
    return value
