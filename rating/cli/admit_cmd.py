"""``ratecard admit CATALOG SAMPLES… --request REQUEST.json``: may this be provisioned?

The fleet's state at --at (default now) is read from SAMPLES as ``quota
status`` reads it; the decision (:mod:`rating.control.admission`) is printed as
JSON. Exit 0: allow; 1: deny; 2: bad input (one line naming the file and field).
Budgets are rated (month to date at --at), and the request priced to the
month's end, only when the request counts against a budget or a throttling
rule that could deny it is triggered by one.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from rating.cli.catalog_options import catalog_options
from rating.cli.control_options import instant
from rating.cli.interval_options import interval_options
from rating.cli.rating_run import open_checked
from rating.cli.reconciliation import reconcile, reconcile_state
from rating.cli.traits_cmd import traits_option
from rating.load.imports import ImportPolicy
from rating.period import stamp


@click.command()
@click.argument("catalog", type=click.Path(path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option(
    "--request",
    "request_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON: tenant, cell, resourceType, traits, count (1), action (create).",
)
@click.option("--at", "at_text", help="RFC 3339 instant of the fleet's state (default: now).")
@interval_options
@traits_option
@catalog_options
def admit(
    catalog: Path,
    samples: tuple[str, ...],
    request_file: Path,
    at_text: str | None,
    interval: timedelta,
    interval_for: dict[str, timedelta],
    traits_file: Path | None,
    imports: ImportPolicy,
) -> None:
    """Allow or deny a provisioning request against quotas, budgets and throttling rules."""
    from rating.control.admission import (
        BudgetView,
        budget_covers,
        budgets_needed,
        decide,
        known_tenants,
        require_known_tenant,
    )
    from rating.control.budget import request_costs
    from rating.control.measure import factors
    from rating.control.request import read_request
    from rating.period import Period

    at = instant(at_text, "--at")
    opened = open_checked(catalog, imports)
    request = read_request(request_file, opened.resource_types(traits_file))
    held = opened.holdings(
        list(samples), at=at, interval=interval, interval_for=interval_for, traits=traits_file
    )
    reconcile_state(stamp(at), held.counts, strict=False)
    controls = opened.model.controls
    require_known_tenant(request, known_tenants(controls, held.resources), str(request_file))
    budgets = BudgetView()
    if budgets_needed(controls, request):
        rated, uses = opened.budget_status(
            list(samples),
            period=Period.month_of(at),
            as_of=at,
            interval=interval,
            interval_for=interval_for,
            traits=traits_file,
        )
        reconcile(rated.period.label, rated.counts, rated.unmatched, strict=False)
        lines = opened.request_lines(request, at=at, traits=traits_file)
        covered = [b for b in controls.budgets if budget_covers(b, request)]
        budgets = BudgetView(uses, request_costs(covered, lines, request.count))
    decision = decide(controls, opened.quota_status(held), factors(opened.model), request, budgets)
    click.echo(json.dumps({"at": stamp(at), **decision.as_json()}, indent=2))
    for denial in decision.denials:
        click.echo(f"deny: {denial.message}", err=True)
    click.get_current_context().exit(0 if decision.allowed else 1)
