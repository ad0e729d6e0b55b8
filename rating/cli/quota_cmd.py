"""``ratecard quota status CATALOG SAMPLES… [--at T]``: utilization of every quota.

Each resource's latest state at or before T is measured against each quota of
its tenant and cell; a deleted resource holds nothing, nor does one whose last
plain sample is older than its --interval (it ended, as rating reads it). The
reconciliation of the samples (read = current + deleted + ended + superseded +
after T + rejected + duplicates) goes to stderr, and resources a sum quota
could not measure (the trait absent) are warned about, never counted as zero.
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
from rating.cli.reconciliation import reconcile_state, strict_option
from rating.cli.traits_cmd import traits_option
from rating.load.imports import ImportPolicy
from rating.period import stamp

if TYPE_CHECKING:
    from rating.control.quota import QuotaUse


@click.group()
def quota() -> None:
    """Quotas: what tenants and cells hold against their limits (docs/quotas.md)."""


@quota.command("status")
@click.argument("catalog", type=click.Path(path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option("--at", "at_text", help="RFC 3339 instant (default: now).")
@click.option("--tenant", "tenants", multiple=True, help="Only this tenant (repeatable).")
@format_option
@fail_on_option
@strict_option
@interval_options
@traits_option
@catalog_options
def status(
    catalog: Path,
    samples: tuple[str, ...],
    at_text: str | None,
    tenants: tuple[str, ...],
    fmt: str,
    fail_on: str | None,
    strict: bool,
    interval: timedelta,
    interval_for: dict[str, timedelta],
    traits_file: Path | None,
    imports: ImportPolicy,
) -> None:
    """Utilization of each quota at --at: used, limit, percent, level (green/yellow/red)."""
    at = instant(at_text, "--at")
    opened = open_checked(catalog, imports)
    held = opened.holdings(
        list(samples), at=at, interval=interval, interval_for=interval_for, traits=traits_file
    )
    reconcile_state(stamp(at), held.counts, strict=strict)
    uses = [use for use in opened.quota_status(held) if not tenants or use.quota.tenant in tenants]
    for use in uses:
        if use.missing:
            click.echo(
                f"ratecard: warning: quota {use.quota.id}: {use.missing:,} of {use.resources:,} "
                f"resources lack trait {use.quota.measure.trait!r} and are not counted",
                err=True,
            )
    if fmt == "json":
        document = {"at": stamp(at), "quotas": [use.as_json() for use in uses]}
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(quota_table(uses))
    _fail_on(fail_on, uses)


def _fail_on(threshold: str | None, uses: list[QuotaUse]) -> None:
    fail_on(threshold, [(use.quota.id, use.level.value) for use in uses], "quota")


def quota_table(uses: list[QuotaUse]) -> str:
    from tabulate import tabulate

    headers = ["quota", "tenant", "cell", "used", "limit", "unit", "%", "level"]
    rows = []
    for use in uses:
        row = use.as_json()
        rows.append(
            [
                row["id"],
                row["tenant"],
                row["cell"] or "",
                row["used"],
                row["limit"],
                row["unit"],
                row["percent"] if row["percent"] is not None else "∞",
                row["level"],
            ]
        )
    return tabulate(rows, headers=headers, disable_numparse=True)
