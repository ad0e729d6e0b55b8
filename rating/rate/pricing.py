"""Aggregate pricing of a (tenant, product, currency) group (semantics §6).

Line items of a group, ordered by (start, resource_id), take consecutive
ranges ``[a, b)`` of the group's cumulative quantity. Pricing each line on its
own range lets tiers, allowances and packages apply to the aggregate while the
line amounts still add up exactly to the group total — no division, no
rounding residue to distribute. All arithmetic is exact Decimal; results are
rounded half-even to 12 places once per line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from rating.model import Price, PriceModel, Tier
from rating.rate.result import SCALE

_QUANTUM = Decimal(1).scaleb(-SCALE)
# Wide enough that products and sums of 38-digit money values stay exact.
EXACT = Context(prec=120, rounding=ROUND_HALF_EVEN)


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


def billable(a: Decimal, b: Decimal, included: Decimal) -> tuple[Decimal, Decimal]:
    """The part of ``[a, b)`` above the free allowance, as cumulative bounds."""
    return max(a, included), max(b, included)


def tier_bounds(tiers: Sequence[Tier]) -> list[tuple[Decimal, Decimal | None, Decimal]]:
    """Tiers as ``(low, high, unit_price)`` with ``high`` exclusive, ``None`` unbounded."""
    bounds = []
    low = Decimal(0)
    for tier in tiers:
        bounds.append((low, tier.up_to, tier.unit_price))
        if tier.up_to is not None:
            low = tier.up_to
    return bounds


def _overlap(a: Decimal, b: Decimal, low: Decimal, high: Decimal | None) -> Decimal:
    top = b if high is None else min(b, high)
    return max(Decimal(0), EXACT.subtract(top, max(a, low)))


def graduated(a: Decimal, b: Decimal, tiers: Sequence[Tier], included: Decimal) -> Decimal:
    """Σ over tiers of |[a, b) ∩ tier ∩ billable| × tier price (tiers on the raw axis)."""
    low_b, high_b = billable(a, b, included)
    total = Decimal(0)
    for low, high, unit_price in tier_bounds(tiers):
        total = EXACT.add(total, EXACT.multiply(_overlap(low_b, high_b, low, high), unit_price))
    return total


def volume_price(tiers: Sequence[Tier], group_total: Decimal) -> Decimal:
    """Unit price of the tier the group total falls in (the last tier beyond all bounds)."""
    for low, high, unit_price in tier_bounds(tiers):
        if low <= group_total and (high is None or group_total < high):
            return unit_price
    return tiers[-1].unit_price


def packages(a: Decimal, b: Decimal, size: Decimal, included: Decimal) -> Decimal:
    """Blocks started by this line: ceil(b'/N) − ceil(a'/N).

    ``a'``, ``b'`` count billable units from the end of the allowance, so the
    first block starts right after the free units.
    """
    low = max(Decimal(0), EXACT.subtract(a, included))
    high = max(Decimal(0), EXACT.subtract(b, included))

    def ceil(x: Decimal) -> Decimal:
        return EXACT.divide(x, size).to_integral_value(rounding=ROUND_CEILING)

    return ceil(high) - ceil(low)


def line_amount(price: Price, a: Decimal, b: Decimal, group_total: Decimal) -> Decimal:
    """Exact (unrounded) cost of the range ``[a, b)`` of a group under ``price``."""
    included = price.included_quantity
    if price.model == PriceModel.PER_UNIT:
        low, high = billable(a, b, included)
        return EXACT.multiply(EXACT.subtract(high, low), price.unit_price)
    if price.model == PriceModel.GRADUATED:
        return graduated(a, b, price.tiers, included)
    if price.model == PriceModel.VOLUME:
        low, high = billable(a, b, included)
        unit_price = volume_price(price.tiers, group_total)
        return EXACT.multiply(EXACT.subtract(high, low), unit_price)
    if price.model == PriceModel.PACKAGE:
        if price.package_size is None or price.package_size <= 0:
            raise ValueError("Package price without a positive package_size")
        return EXACT.multiply(packages(a, b, price.package_size, included), price.unit_price)
    raise ValueError(f"unknown price model {price.model}")


def list_unit_price(price: Price) -> Decimal:
    """The ``unit_price`` column: PerUnit price, first tier's price, or price per package."""
    if price.model in (PriceModel.GRADUATED, PriceModel.VOLUME) and price.tiers:
        return price.tiers[0].unit_price
    return price.unit_price


@dataclass(frozen=True)
class PricedLine:
    """A line's place in its group and its rounded amount."""

    a: Decimal
    b: Decimal
    amount: Decimal


def price_group(lines: Sequence[tuple[Decimal, Price]]) -> list[PricedLine]:
    """Price one group's lines, given in group order as (rounded quantity, entry price)."""
    group_total = sum((q for q, _ in lines), Decimal(0))
    priced = []
    cumulative = Decimal(0)
    for quantity, price in lines:
        end = EXACT.add(cumulative, quantity)
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
