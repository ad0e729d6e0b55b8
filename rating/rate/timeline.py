"""Where an interval splits and what its measure is worth: written once for every rater.

The compiled plan (:mod:`rating.rate.plan`, DuckDB and Spark) and the reference
rater (:mod:`rating.rate.reference`) both take these definitions from here, so
the engines cannot drift from the oracle on them:

* **split points** — an interval is priced piece by piece: it is cut at every
  validity boundary (``validFrom`` / ``validUntil``) of the catalog's entries
  and, when some entry prices in calendar months, at every month start, and
  each piece is matched at its own start. So a price change in the middle of
  an interval applies from that instant, and an entry valid from the middle of
  an interval applies from there on. Cutting at boundaries of other product
  ids changes nothing: contiguous pieces of one entry merge again into one
  line item.
* **the raw measure** of a piece — microseconds (Time), trait value ×
  microseconds (TimeQuantity), the trait value (Quantity) — and the exact
  factor turning it into the entry's usage unit. For calendar-month units each
  microsecond weighs ``MONTH_LCM_DAYS / days in its month``, an integer, so a
  piece of any month stays an integer measure and a full month of any length
  is exactly one ``mo_cal``.
* **creation time** — a grandfathered entry (``created_from`` /
  ``created_until``, from a price schedule's change for new resources only)
  applies to a resource by when it was created: the time of its earliest row
  in the input, normally its ``create`` event. A resource created before the
  input begins needs that event (or a snapshot row) in the input, or it counts
  as created at its first row. Being no later than any of the resource's rows,
  it lets a schedule become one entry per price (:mod:`rating.load.schedule`).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from fractions import Fraction
from itertools import pairwise
from typing import Any

from rating import units
from rating.model import Catalog, Product, UsageKind
from rating.period import Period

US_PER_S = 10**6
MONTH_LCM_DAYS = 377_580  # lcm(28, 29, 30, 31): every month's weight is an integer
_TIMED = (UsageKind.TIME, UsageKind.TIME_QUANTITY)


def is_calendar(product: Product) -> bool:
    """Does the entry measure time in calendar months (``mo_cal``)?"""
    usage = product.usage
    return usage.kind in _TIMED and units.time_basis(usage.unit) == units.CALENDAR_MONTH


def validity_boundaries(products: Iterable[Product]) -> list[datetime]:
    """Every instant some entry starts or stops being valid, sorted."""
    found = {b for p in products for b in (p.valid_from, p.valid_until) if b is not None}
    return sorted(found)


def creation_boundaries(products: Iterable[Product]) -> list[datetime]:
    """Every instant a grandfathered entry's creation window starts or stops, sorted."""
    found = {b for p in products for b in (p.created_from, p.created_until) if b is not None}
    return sorted(found)


def creation_time(rows: Iterable[Mapping[str, Any]]) -> datetime:
    """When a resource was created: its earliest row (see the module text)."""
    return min(r["time"] for r in rows)


def month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def months(period: Period) -> Iterator[datetime]:
    """The start of every calendar month overlapping ``period``."""
    start = month_start(period.start)
    while start < period.end:
        yield start
        start = _next_month(start)


def month_weight(moment: datetime) -> int:
    """What one microsecond of the month holding ``moment`` weighs in calendar-month measures."""
    return MONTH_LCM_DAYS // monthrange(moment.year, moment.month)[1]


def split_points(products: Sequence[Product], period: Period) -> list[datetime]:
    """The instants strictly inside ``period`` where intervals are cut into pieces."""
    cuts = {b for b in validity_boundaries(products) if period.start < b < period.end}
    if any(is_calendar(p) for p in products):
        cuts.update(m for m in months(period) if m > period.start)
    return sorted(cuts)


def pieces(
    start: datetime, end: datetime, cuts: Sequence[datetime]
) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut at the ``cuts`` inside it, as (start, end) pairs in order."""
    inner = [c for c in cuts if start < c < end]
    bounds = [start, *inner, end]
    return list(pairwise(bounds))


def measure_factor(product: Product, catalog: Catalog) -> Fraction:
    """Exact factor from a piece's raw measure (see the module text) to the usage unit.

    Recurring and OneTime count fees, so their factor is 1.
    """
    usage = product.usage
    if usage.kind not in (*_TIMED, UsageKind.QUANTITY):
        return Fraction(1)
    trait_unit = "1"
    if usage.kind in (UsageKind.TIME_QUANTITY, UsageKind.QUANTITY):
        rtype = catalog.resource_type(product.resource_type)
        trait = rtype.trait(usage.trait) if rtype and usage.trait else None
        trait_unit = (trait.unit if trait else None) or "1"
    if usage.kind == UsageKind.QUANTITY:
        return units.conversion_factor(trait_unit, usage.unit)
    basis = units.time_basis(usage.unit)
    measured = basis if trait_unit == "1" else units.multiply(trait_unit, basis)
    factor = units.conversion_factor(measured, usage.unit) / US_PER_S
    if basis == units.CALENDAR_MONTH:  # µs × month weight → calendar months
        factor /= MONTH_LCM_DAYS * 86_400
    return factor
