"""Options ``quota status``, ``budget status`` and ``admit`` share: instants, formats, --fail-on.

``--fail-on red|yellow`` turns a level into exit code 1, so a cron job or a CI
step fails while the status is still printed in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import click

from rating.errors import RatecardError
from rating.load.samples.records import parse_time

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)

fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(["red", "yellow"]),
    help="Exit 1 when anything is at this level or above (yellow includes red).",
)


def instant(text: str | None, option: str) -> datetime:
    """An RFC 3339 timestamp with offset (as in samples), in UTC; None = now."""
    if text is None:
        return datetime.now(UTC)
    moment = parse_time(text)
    if moment is None:
        raise RatecardError(f"{option} {text!r}: expected RFC 3339, e.g. 2026-10-31T12:00:00Z")
    return moment


def fail_on(threshold: str | None, levels: Iterable[tuple[str, str]], noun: str) -> None:
    """Raise (exit 1) when some ``(id, level)`` is at ``threshold`` or above."""
    if threshold is None:
        return
    failing = {"red": ("red",), "yellow": ("yellow", "red")}[threshold]
    hits = [f"{item_id} ({level})" for item_id, level in levels if level in failing]
    if hits:
        raise RatecardError(
            f"--fail-on {threshold}: {len(hits)} {noun}(s) at {threshold} or above: "
            + ", ".join(hits),
            exit_code=1,
        )
