"""``ratecard collect``: option parsing for :mod:`rating.collect`, and its log on stderr."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from rating.cli.catalog_options import traits_import_options
from rating.cli.interval_options import parse_duration
from rating.cli.traits_cmd import resource_types, traits_option
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy
from rating.outputs import writable_directory


@click.command(context_settings={"allow_interspersed_args": False})
@click.option(
    "--every",
    default="1h",
    show_default=True,
    help="Interval between ticks, dividing a day (5m, 15m, 1h, 6h, 1d); ticks are UTC.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Dataset directory: samples go to OUT/period=YYYY-MM/*.parquet.",
)
@click.option("--once", is_flag=True, help="Collect the current tick and exit (for cron).")
@traits_option
@traits_import_options
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def collect(
    ctx: click.Context,
    every: str,
    out: Path,
    once: bool,
    traits_file: Path | None,
    imports: ImportPolicy,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND (after --) on every tick and append its JSON Lines samples to OUT.

    The command runs without a shell, with RATECARD_TICK set to the tick's time
    (pass it to `ratecard import … --at`). A failed command or an invalid
    sample skips the tick; missed ticks are logged, not back-filled; SIGTERM
    and SIGINT stop cleanly. With --once, exit 1 when the tick was skipped.
    """
    from rating import collect as collector

    interval = collector.check_every(parse_duration(every, "--every"), f"--every {every}")
    writable_directory(out, "--out")
    if shutil.which(command[0]) is None:
        raise RatecardError(f"{command[0]}: command not found (or not executable)")
    job = collector.Job(command, interval, out, resource_types(traits_file, imports))
    with collector.Signals().installed() as signals:
        clock = collector.SystemClock(signals)
        if once:
            tick = collector.floor_tick(clock.now(), interval)
            ctx.exit(0 if collector.collect_tick(job, tick, signals.stopping, _log) else 1)
        collector.run(job, clock, signals.stopping, _log)
    _log(f"stopped by {signals.received}")


def _log(line: str) -> None:
    click.echo(f"ratecard collect: {line}", err=True)
