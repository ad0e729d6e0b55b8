"""Aggregate pricing of a (tenant, product, currency) group (semantics §6).

Line items of a group, ordered by (start, resource_id), take consecutive
ranges ``[a, b)`` of the group's cumulative quantity. Pricing each line on its
own range lets tiers, allowances and packages apply to the aggregate while the
line amounts still add up exactly to the group total — no division, no
rounding residue to distribute. All arithmetic is on exact rationals
(``Fraction``: a line's quantity is never rounded before it is priced); each
amount is rounded half-even to 12 places once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from rating.model import Price, PriceModel, Tier
from rating.rate.result import SCALE

_QUANTUM = Decimal(1).scaleb(-SCALE)
# Wide enough that products and sums of 38-digit money values stay exact.
EXACT = Context(prec=120, rounding=ROUND_HALF_EVEN)
Number = Decimal | Fraction | int


def round_money(value: Decimal | Fraction | int) -> Decimal:
    """Round half-even to :data:`SCALE` places (exactly, also for rationals)."""
    if isinstance(value, Fraction):
        scaled = value * 10**SCALE
        whole, rest = divmod(scaled.numerator, scaled.denominator)
        twice = 2 * rest
        if twice > scaled.denominator or (twice == scaled.denominator and whole % 2 == 1):
            whole += 1
        return Decimal(whole).scaleb(-SCALE)
    return Decimal(value).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN, context=EXACT)


def billable(a: Fraction, b: Fraction, included: Number) -> tuple[Fraction, Fraction]:
    """The part of ``[a, b)`` above the free allowance, as cumulative bounds."""
    return max(a, Fraction(included)), max(b, Fraction(included))


def tier_bounds(tiers: Sequence[Tier]) -> list[tuple[Fraction, Fraction | None, Fraction]]:
    """Tiers as ``(low, high, unit_price)`` with ``high`` exclusive, ``None`` unbounded."""
    bounds = []
    low = Fraction(0)
    for tier in tiers:
        high = None if tier.up_to is None else Fraction(tier.up_to)
        bounds.append((low, high, Fraction(tier.unit_price)))
        if high is not None:
            low = high
    return bounds


def _overlap(a: Fraction, b: Fraction, low: Fraction, high: Fraction | None) -> Fraction:
    top = b if high is None else min(b, high)
    return max(Fraction(0), top - max(a, low))


def graduated(a: Number, b: Number, tiers: Sequence[Tier], included: Number) -> Fraction:
    """Σ over tiers of |[a, b) ∩ tier ∩ billable| × tier price (tiers on the raw axis)."""
    low_b, high_b = billable(Fraction(a), Fraction(b), included)
    return sum(
        (_overlap(low_b, high_b, low, high) * price for low, high, price in tier_bounds(tiers)),
        Fraction(0),
    )


def volume_price(tiers: Sequence[Tier], group_total: Number) -> Fraction:
    """Unit price of the tier the group total falls in (the last tier beyond all bounds)."""
    for low, high, unit_price in tier_bounds(tiers):
        if low <= group_total and (high is None or group_total < high):
            return unit_price
    return Fraction(tiers[-1].unit_price)


def packages(a: Number, b: Number, size: Number, included: Number) -> int:
    """Blocks started by this line: ceil(b'/N) − ceil(a'/N).

    ``a'``, ``b'`` count billable units from the end of the allowance, so the
    first block starts right after the free units.
    """
    low = max(Fraction(0), Fraction(a) - Fraction(included))
    high = max(Fraction(0), Fraction(b) - Fraction(included))
    return math.ceil(high / Fraction(size)) - math.ceil(low / Fraction(size))


def line_amount(price: Price, a: Number, b: Number, group_total: Number) -> Fraction:
    """Exact (unrounded) cost of the range ``[a, b)`` of a group under ``price``."""
    a, b = Fraction(a), Fraction(b)
    included = price.included_quantity
    if price.model == PriceModel.PER_UNIT:
        low, high = billable(a, b, included)
        return (high - low) * Fraction(price.unit_price)
    if price.model == PriceModel.GRADUATED:
        return graduated(a, b, price.tiers, included)
    if price.model == PriceModel.VOLUME:
        low, high = billable(a, b, included)
        return (high - low) * volume_price(price.tiers, group_total)
    if price.model == PriceModel.PACKAGE:
        if price.package_size is None or price.package_size <= 0:
            raise ValueError("Package price without a positive package_size")
        return packages(a, b, price.package_size, included) * Fraction(price.unit_price)
    raise ValueError(f"unknown price model {price.model}")


def list_unit_price(price: Price) -> Decimal:
    """The ``unit_price`` column: PerUnit price, first tier's price, or price per package."""
    if price.model in (PriceModel.GRADUATED, PriceModel.VOLUME) and price.tiers:
        return price.tiers[0].unit_price
    return price.unit_price


@dataclass(frozen=True)
class PricedLine:
    """A line's place in its group (exact) and its rounded amount."""

    a: Fraction
    b: Fraction
    amount: Decimal


def price_group(lines: Sequence[tuple[Number, Price]]) -> list[PricedLine]:
    """Price one group's lines, given in group order as (exact quantity, entry price).

    Ranges and amounts use the *exact* quantities, and each amount is rounded
    once: a prorated 10/31 of a 3.10 fee costs 1.00, not 0.322580645161 × 3.10.
    """
    group_total = sum((Fraction(q) for q, _ in lines), Fraction(0))
    priced = []
    cumulative = Fraction(0)
    for quantity, price in lines:
        end = cumulative + Fraction(quantity)
        amount = round_money(line_amount(price, cumulative, end, group_total))
        priced.append(PricedLine(cumulative, end, amount))
        cumulative = end
    return priced


def minimum_top_up(total: Decimal, prices: Sequence[Price]) -> Decimal | None:
    """The minimum-charge line amount for a group, or ``None`` if none is due."""
    minimums = [p.minimum_charge for p in prices if p.minimum_charge is not None]
    if not minimums:
        return None
    minimum = max(minimums)
    return round_money(EXACT.subtract(minimum, total)) if total < minimum else None
