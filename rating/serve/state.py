"""What the service decides from: the checked catalog and the fleet's state, reloaded live.

A :class:`Snapshot` is immutable: the catalog (passed through ``check``'s
gate, as every rating command's), each resource's state at the snapshot's
instant, every quota's use and — when the catalog has budgets — every budget's
month-to-date spend and forecast. :class:`Live` holds the current one and
replaces it when a file it was built from changes (or it grew older than
``refresh``: plain samples end after their interval even when no file changes).
A catalog or samples that fail to load leave the previous snapshot in force;
the failure is logged once and kept in :attr:`Live.error` for ``/healthz``.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from rating.api import Ratecard, open_catalog
from rating.control.admission import budget_covers, known_tenants
from rating.control.budget import BudgetUse, request_costs
from rating.control.quota import QuotaUse
from rating.control.request import Request
from rating.control.state import Holdings
from rating.errors import RatecardError, first_line
from rating.load.catalog import catalog_file
from rating.load.datasets import sample_files
from rating.load.imports import ImportPolicy
from rating.model import ResourceType
from rating.period import Period

log = logging.getLogger("ratecard.serve")

_RATING = threading.Lock()  # one request priced at a time: each run is a DuckDB job

Fingerprint = tuple[tuple[str, int | None, int | None], ...]
"""``(path, mtime in ns, size)`` of every watched file (None, None when it is missing)."""


@dataclass(frozen=True)
class Source:
    """Where a snapshot comes from and how samples are read (as ``quota status`` reads them)."""

    catalog: Path
    samples: tuple[str, ...]
    imports: ImportPolicy = field(default_factory=ImportPolicy)
    interval: timedelta = timedelta(hours=1)
    interval_for: Mapping[str, timedelta] = field(default_factory=dict)
    traits: Path | None = None
    at: datetime | None = None  # a fixed instant (replaying a day, tests); None: now


@dataclass(frozen=True)
class Snapshot:
    generation: int
    ratecard: Ratecard
    holdings: Holdings
    quotas: tuple[QuotaUse, ...]
    budgets: tuple[BudgetUse, ...]
    factors: Mapping[str, Fraction]
    fingerprint: Fingerprint
    loaded_at: datetime
    resource_types: tuple[ResourceType, ...]  # requests are validated against these
    traits: Path | None = None
    # Forecast cost of one resource of a request's shape, by budget: rated once per snapshot
    costs: dict[str, dict[str, Decimal]] = field(default_factory=dict, compare=False)

    @property
    def at(self) -> datetime:
        return self.holdings.at

    @property
    def tenants(self) -> frozenset[str]:
        """Tenants the service knows (:func:`~rating.control.admission.known_tenants`)."""
        return known_tenants(self.ratecard.model.controls, self.holdings.resources)

    def cached_costs(self, request: Request) -> dict[str, Decimal] | None:
        """The request's forecast cost by budget it counts against; None until it is rated."""
        controls = self.ratecard.model.controls
        if not any(budget_covers(budget, request) for budget in controls.budgets):
            return {}
        each = self.costs.get(_shape(request))
        return None if each is None else {key: v * request.count for key, v in each.items()}

    def request_costs(self, request: Request) -> dict[str, Decimal]:
        """:meth:`cached_costs`, rating one resource of the request's shape if needed.

        Priced from the snapshot's instant to the month's end, as the budgets'
        forecasts are (``ratecard admit`` prices it the same way). Blocking: ~0.2 s.
        """
        cached = self.cached_costs(request)
        if cached is not None:
            return cached
        covered = [b for b in self.ratecard.model.controls.budgets if budget_covers(b, request)]
        with _RATING:
            lines = self.ratecard.request_lines(request, at=self.at, traits=self.traits)
        self.costs[_shape(request)] = request_costs(covered, lines, 1)
        return self.cached_costs(request) or {}

    @property
    def newest_sample(self) -> datetime | None:
        """The latest state among live resources: how far the samples have caught up."""
        return max((r.time for r in self.holdings.resources), default=None)


def _shape(request: Request) -> str:
    """What a request's cost depends on, as a key (traits may hold lists: not hashable)."""
    shown = [request.tenant, request.cell, request.resource_type, request.traits]
    return json.dumps(shown, sort_keys=True, default=str)


def load(source: Source, generation: int, fingerprint: Fingerprint | None = None) -> Snapshot:
    """A snapshot of ``source`` now (or at its fixed instant); :class:`RatecardError` if it fails.

    ``fingerprint`` is taken *before* reading, so a file changed while loading
    is seen changed at the next poll.
    """
    from rating.control.measure import factors

    loaded_at = datetime.now(UTC)
    at = source.at or loaded_at
    ratecard = open_catalog(source.catalog, allow_imports=source.imports, on_finding=log.info)
    fingerprint = fingerprint or watched(source, ratecard.model.files)
    options = {
        "interval": source.interval,
        "interval_for": source.interval_for,
        "traits": source.traits,
    }
    held = ratecard.holdings(list(source.samples), at=at, **options)
    budgets: list[BudgetUse] = []
    if ratecard.model.controls.budgets:
        month = Period.month_of(at)
        _, budgets = ratecard.budget_status(list(source.samples), period=month, as_of=at, **options)
    return Snapshot(
        generation=generation,
        ratecard=ratecard,
        holdings=held,
        quotas=tuple(ratecard.quota_status(held)),
        budgets=tuple(budgets),
        factors=factors(ratecard.model),
        fingerprint=fingerprint,
        loaded_at=loaded_at,
        resource_types=ratecard.resource_types(source.traits),
        traits=source.traits,
    )


def watched(source: Source, catalog_files: tuple[str, ...]) -> Fingerprint:
    """The fingerprint of the catalog's files, the traits file and every sample file.

    Globs and directories are expanded again each time, so a new sample file is seen.
    """
    paths = {str(catalog_file(source.catalog)), *catalog_files}
    if source.traits is not None:
        paths.add(str(source.traits))
    for text in source.samples:
        try:
            paths.update(_sample_paths(text))
        except RatecardError:  # an emptied directory: the reload reports it
            paths.add(text)
    return tuple(_stat(path) for path in sorted(paths))


def _sample_paths(text: str) -> list[str]:
    if set("*?[") & set(text):
        return glob.glob(text, recursive=True)
    return sample_files(text, None)


def _stat(path: str) -> tuple[str, int | None, int | None]:
    try:
        status = os.stat(path)
    except OSError:
        return (path, None, None)
    return (path, status.st_mtime_ns, status.st_size)


class Live:
    """The snapshot in force, and the reload that replaces it when its files change."""

    def __init__(
        self,
        source: Source,
        refresh: timedelta = timedelta(minutes=1),
        on_reload: Callable[[Snapshot], None] | None = None,
    ) -> None:
        self.source = source
        self.refresh = refresh
        self.on_reload = on_reload
        self.snapshot = load(source, 1)  # at start-up a failure is the command's error
        self.error: str | None = None  # the last reload's failure, while it stands
        self.reloads = {"ok": 0, "failed": 0}
        self._attempt: tuple[Fingerprint, datetime] | None = None

    def now(self) -> datetime:
        """The service's instant: the fixed one, else the clock."""
        return self.source.at or datetime.now(UTC)

    def poll(self) -> bool:
        """Reload if a watched file changed or the snapshot is stale; True if one was loaded.

        A failed attempt is not repeated until a file changes again or ``refresh`` passes.
        """
        current = self.snapshot
        try:
            fingerprint = watched(self.source, current.ratecard.model.files)
        except RatecardError as error:  # the catalog file itself is gone
            return self._failed(str(error))
        now = datetime.now(UTC)
        last = self._attempt or (current.fingerprint, current.loaded_at)
        if fingerprint == last[0] and now - last[1] < self.refresh:
            return False
        self._attempt = (fingerprint, now)
        try:
            fresh = load(self.source, current.generation + 1, fingerprint)
        except RatecardError as error:
            return self._failed(str(error))
        except Exception as error:  # a bug must not stop the service serving the old one
            return self._failed(f"internal error: {type(error).__name__}: {error}")
        self.snapshot, self.error, self._attempt = fresh, None, None
        self.reloads["ok"] += 1
        if self.on_reload is not None:
            self.on_reload(fresh)
        log.info(
            "reloaded %s (generation %d, %d resources)",
            fresh.ratecard.model.name,
            fresh.generation,
            len(fresh.holdings.resources),
        )
        return True

    def _failed(self, message: str) -> bool:
        """Keep the snapshot in force; log and count each failure once, not at every poll."""
        line = first_line(RatecardError(message))
        if line != self.error:
            self.error = line
            self.reloads["failed"] += 1
            log.warning("reload failed, the previous catalog stays in force: %s", line)
        return False
