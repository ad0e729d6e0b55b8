"""``ratecard samples generate``: write a synthetic fleet's samples."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import click

from rating.errors import RatecardError
from rating.period import Period

_INTERVAL = re.compile(r"^(\d+)(s|min|m|h|d)$")
_UNITS = {"s": "seconds", "min": "minutes", "m": "minutes", "h": "hours", "d": "days"}


def parse_interval(text: str) -> timedelta:
    """``30s``, ``15m`` (or ``15min``), ``1h``, ``1d`` → a positive timedelta."""
    match = _INTERVAL.match(text.strip())
    if not match or int(match[1]) == 0:
        raise RatecardError(f"--interval {text!r}: expected a positive duration like 1h, 15m, 30s")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


@click.command("generate")
@click.option(
    "--resources",
    type=click.IntRange(min=1),
    default=2800,
    show_default=True,
    help="Number of resources in the fleet.",
)
@click.option("--period", "period_text", required=True, help="Period to sample, e.g. 2026-10.")
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed: the same seed gives byte-identical output.",
)
@click.option(
    "--out",
    default="-",
    show_default=True,
    help="Output file (.parquet, .csv, .jsonl, .jsonl.gz) or - for JSON Lines on stdout.",
)
@click.option(
    "--interval",
    "interval_text",
    default="1h",
    show_default=True,
    help="Sampling interval (1h, 15m, 30s, 1d).",
)
@click.option(
    "--tenants",
    type=click.IntRange(min=1),
    default=40,
    show_default=True,
    help="Number of tenants the resources belong to.",
)
def generate(
    resources: int, period_text: str, seed: int, out: str, interval_text: str, tenants: int
) -> None:
    """Generate a synthetic fleet's samples: mixed resource types with realistic churn."""
    # Imported here so `ratecard --help` does not pay for NumPy/PyArrow.
    from rating.generate.fleet import plan_fleet, sample_schema
    from rating.generate.write import format_of, output_label, write_samples

    period = Period.parse(period_text)
    interval = parse_interval(interval_text)
    format_of(out)  # fail on a bad extension before doing any work
    began = time.perf_counter()
    fleet = plan_fleet(resources, period, seed, interval, tenants)
    write_samples(fleet.batches(), sample_schema(), out)
    seconds = time.perf_counter() - began
    click.echo(
        f"generated {resources} resources, {fleet.samples} samples "
        f"({period.label}, every {interval_text}) in {seconds:.2f} s → {output_label(out)}",
        err=True,
    )
