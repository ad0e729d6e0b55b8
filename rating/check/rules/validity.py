"""Gaps in time between the entries of one product id (overlaps: :mod:`.overlap`).

When one entry of a product stops (``validUntil``) and the next of the same
scope and filter starts later, resources in between match nothing of that id
and go unmatched — usually a typo in a date, not an intended pause. A gap is
only reported when no entry at least as broad (a scope containing this one, a
filter among its conditions) covers it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from rating.check.findings import Collector
from rating.check.rules.common import entries
from rating.model import Catalog, CatalogPart, Product

_SCOPE_FIELDS = ("platform_type", "location", "platform_instance", "tenant")
Window = tuple[datetime | None, datetime | None]  # [from, until), None = unbounded


def check_validity_gaps(catalog: Catalog, out: Collector) -> None:
    by_id: dict[str, list[tuple[CatalogPart, Product]]] = defaultdict(list)
    for part, product in entries(catalog):
        by_id[product.id].append((part, product))
    reported: set[tuple] = set()
    for group in by_id.values():
        for part, product in group:
            key = _key(product)
            if key in reported:
                continue
            reported.add(key)
            same = [p for _, p in group if _key(p) == key]
            broader = [p for _, p in group if _covers(p, product)]
            for start, end in _gaps([(p.valid_from, p.valid_until) for p in same]):
                if _covered((start, end), [(p.valid_from, p.valid_until) for p in broader]):
                    continue
                out.warning(
                    "validity-gap",
                    f'product "{product.id}": no entry for {product.scope.level} '
                    f"{_scope_text(product)} from {start.isoformat()} until {end.isoformat()}; "
                    "resources there match nothing of this id (use priceSchedule, or make "
                    "validUntil of one entry the validFrom of the next)",
                    source=product.source,
                    file=part.file,
                    subject=product.id,
                )


def _key(product: Product) -> tuple:
    """Entries equal in this differ only in time (and price)."""
    return (product.resource_type, product.scope, frozenset(product.filter))


def _covers(broad: Product, narrow: Product) -> bool:
    """Every resource ``narrow`` can match, ``broad`` can match too (time aside)."""
    return (
        broad.resource_type == narrow.resource_type
        and all(
            getattr(broad.scope, name) is None
            or getattr(broad.scope, name) == getattr(narrow.scope, name)
            for name in _SCOPE_FIELDS
        )
        and set(broad.filter) <= set(narrow.filter)
    )


def _gaps(windows: Sequence[Window]) -> list[tuple[datetime, datetime]]:
    """The bounded stretches between the windows' union, from its first start to its last end."""
    ordered = sorted(windows, key=lambda w: (w[0] is not None, w[0]))
    gaps = []
    reach = ordered[0][1]
    for start, until in ordered[1:]:
        if reach is None:
            break
        if start is not None and start > reach:
            gaps.append((reach, start))
        reach = None if until is None else max(reach, until)
    return gaps


def _covered(gap: tuple[datetime, datetime], windows: Sequence[Window]) -> bool:
    """Whether the union of ``windows`` contains all of ``gap``."""
    point = gap[0]
    for start, until in sorted(windows, key=lambda w: (w[0] is not None, w[0])):
        if start is not None and start > point:
            return False
        if until is None or until > point:
            point = gap[1] if until is None else max(point, until)
        if point >= gap[1]:
            return True
    return False


def _scope_text(product: Product) -> str:
    scope = product.scope
    fields = (scope.location, scope.platform_instance, scope.tenant, scope.cell)
    named = [v for v in fields if v is not None]
    return "/".join([scope.platform_type, *named])
