"""The step every rating command shares: open the catalog, rate the samples.

``rate``, ``report``, ``export`` and ``diff`` differ in what they do with a
run, not in how they get one: the catalog's findings go to stderr, the samples
are read under a progress bar (on a terminal only), with the interval options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rating.cli.progress import samples_bar
from rating.cli.reconciliation import echo_stderr
from rating.load.imports import ImportPolicy

if TYPE_CHECKING:
    from rating.api import Ratecard, Rated
    from rating.report.gauges import SiteControls


def open_checked(catalog: Path, imports: ImportPolicy) -> Ratecard:
    """The catalog, refused on any ``check`` error; every finding printed as one line."""
    from rating.api import open_catalog

    return open_catalog(catalog, allow_imports=imports, on_finding=echo_stderr)


def rate_with_progress(opened: Ratecard, samples: Sequence[str], **options: Any) -> Rated:
    """``opened.rate(samples, **options)`` with a samples bar on a terminal."""
    with samples_bar() as progress:
        return opened.rate(list(samples), progress=progress, **options)


def rate_each_with_progress(
    catalogs: Sequence[Ratecard], samples: Sequence[str], **options: Any
) -> list[Rated]:
    """``rating.api.rate_each(catalogs, samples, **options)`` with a samples bar on a terminal."""
    from rating.api import rate_each

    with samples_bar() as progress:
        return rate_each(catalogs, list(samples), progress=progress, **options)


def site_gauges(
    command: str,
    card: Ratecard,
    samples: Sequence[str],
    rated: Rated,
    interval: timedelta,
    interval_for: Mapping[str, timedelta],
) -> SiteControls | None:
    """The HTML site's quota and budget gauges of a run, which read the samples a second
    time: stdin cannot be, so then none, and ``command`` says so on stderr."""
    controls = card.model.controls
    if "-" in samples and (controls.quotas or controls.budgets):
        echo_stderr(
            f"{command}: no quota or budget gauges in the site: samples from stdin (-) "
            "can be read only once"
        )
        return None
    return card.site_controls(list(samples), rated, interval=interval, interval_for=interval_for)
