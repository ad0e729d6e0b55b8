"""A product's price schedule, turned into plain catalog entries.

A schedule is the product's ``price`` followed by changes ``(from, price)`` in
time order. A change either applies to every resource from ``from`` on, or —
*grandfathered* — only to resources created at or after ``from``, while older
ones keep the price they had. Engines know nothing of schedules: each price
becomes exactly one entry of the product id, valid from its change until the
next change that applies to everyone, and (when later grandfathered changes
exist) restricted to resources created before the first of them. That single
entry per price is right because a resource's creation time is never later
than any of its rows (:mod:`rating.rate.timeline`): during ``[start_j,
start_g)`` every resource seen was created before ``start_g`` anyway.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rating.model import Price, Product


@dataclass(frozen=True)
class PriceChange:
    """From ``start`` on, ``price`` replaces the price before it (for new resources only
    unless ``for_existing``)."""

    start: datetime
    price: Price
    for_existing: bool = True


def expand_schedule(product: Product, changes: Sequence[PriceChange]) -> list[Product]:
    """One entry per price of ``product``'s schedule (``product`` itself without changes).

    ``changes`` must be in strictly increasing time order, inside the product's
    validity window; the loader checks that first (:func:`schedule_problem`).
    """
    entries = []
    for j, (start, price, for_existing) in enumerate(
        [(product.valid_from, product.price, True)]
        + [(c.start, c.price, c.for_existing) for c in changes]
    ):
        later = changes[j:]
        ending = next((c.start for c in later if c.for_existing), product.valid_until)
        new_only = [c.start for c in later if not c.for_existing]
        entries.append(
            dataclasses.replace(
                product,
                price=price,
                valid_from=start,
                valid_until=ending,
                created_from=None if for_existing else start,
                created_until=new_only[0] if new_only and _before(new_only[0], ending) else None,
            )
        )
    return entries


def _before(moment: datetime, bound: datetime | None) -> bool:
    return bound is None or moment < bound


def schedule_problem(product: Product, changes: Sequence[PriceChange]) -> tuple[int, str] | None:
    """The first change (index, problem) out of order or outside the validity window."""
    for index, change in enumerate(changes):
        if product.valid_from is not None and change.start <= product.valid_from:
            return index, f"is not after validFrom {product.valid_from.isoformat()}"
        if product.valid_until is not None and change.start >= product.valid_until:
            return index, f"is not before validUntil {product.valid_until.isoformat()}"
        if index and change.start <= changes[index - 1].start:
            previous = changes[index - 1].start.isoformat()
            return index, f"is not after the change before it ({previous})"
    return None
