"""What became of every sample, said the same way by ``rate``, ``report`` and ``export``.

Nothing is dropped silently: each rating command prints the reconciliation
(read = rated + unmatched + rejected + duplicates + outside the period) and
the unmatched resource types with a hint on stderr, and warns when samples
were rejected or matched no product. With ``--strict`` that warning is the
error instead (exit 1), so a scheduled billing run cannot bill a partial fleet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from rating.errors import RatecardError

if TYPE_CHECKING:  # the rating modules pull in PyArrow; --help should not
    from rating.control.state import StateCounts
    from rating.rate.result import Counts, UnmatchedGroup

strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Fail (exit 1) when any sample is rejected or matches no product.",
)


def echo_stderr(line: str) -> None:
    """One line on stderr: catalog findings and warnings of the rating commands."""
    click.echo(line, err=True)


def reconcile(
    period_label: str, counts: Counts, unmatched: Sequence[UnmatchedGroup], *, strict: bool
) -> None:
    """Print the reconciliation on stderr; warn about, or with ``strict`` fail on, lost samples."""
    click.echo(
        f"period {period_label}: samples read {counts.read:,}, rated {counts.rated:,}, "
        f"unmatched {counts.unmatched:,}, rejected {counts.rejected:,}, "
        f"duplicates {counts.duplicates:,}, outside period {counts.outside_period:,}",
        err=True,
    )
    for group in unmatched:
        hint = f" — {group.hint}" if group.hint else ""
        click.echo(
            f"unmatched {group.resource_type}: {group.samples:,} samples of "
            f"{group.resources:,} resources{hint}",
            err=True,
        )
    if counts.missing_state:
        click.echo(
            f"ratecard: warning: {counts.missing_state:,} resources start in the period with an "
            "update or delete and no earlier state: their time before it is not billed "
            "(include their earlier events, or a state snapshot at the period start)",
            err=True,
        )
    _settle(counts.reconciles, unrated(counts), strict=strict)


def reconcile_state(label: str, counts: StateCounts, *, strict: bool) -> None:
    """The resource-state reconciliation (quota status, admit, alerts) on stderr; its
    rejects warned about, or with ``strict`` fatal, as :func:`reconcile` does."""
    from rating.rate.result import Counts

    click.echo(
        f"at {label}: samples read {counts.read:,}, current {counts.current:,}, "
        f"deleted {counts.deleted:,}, ended {counts.ended:,}, superseded {counts.superseded:,}, "
        f"after {counts.after:,}, rejected {counts.rejected:,}, "
        f"duplicates {counts.duplicates:,}",
        err=True,
    )
    rejected = unrated(Counts(read=counts.read, rejected=counts.rejected))
    _settle(counts.reconciles, rejected, strict=strict)


def _settle(reconciles: bool, problem: str | None, *, strict: bool) -> None:
    """The end of every reconciliation: the bug warning, then lost samples warned or fatal."""
    if not reconciles:  # a bug, never the user's input
        click.echo("ratecard: warning: counts do not reconcile", err=True)
    if problem and strict:
        raise RatecardError(f"--strict: {problem}", exit_code=1)
    if problem:
        click.echo(f"ratecard: warning: {problem}", err=True)


def unrated(counts: Counts) -> str | None:
    """One clause per kind of sample that did not reach a line item, or None."""
    parts = []
    if counts.rejected:
        parts.append(
            f"{counts.rejected:,} of {counts.read:,} samples rejected "
            "(`ratecard samples validate FILE…` lists why)"
        )
    if counts.unmatched:
        parts.append(f"{counts.unmatched:,} of {counts.read:,} samples matched no product")
    return "; ".join(parts) or None
