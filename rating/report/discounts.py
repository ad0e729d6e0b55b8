"""Discounts and fees: meshStack's three report-level rules.

A discount is computed from the tenant's line items it selects
(:meth:`CompiledDiscount.selects`, the one place that decides):

* its currency: every rule names one, and only line items in it count
  (thresholds and fixed amounts are money in that currency);
* its ``DiscountSelector``: every set field (platform type, location,
  platform instance, tenant) equals the line item's; none set = every platform;
* its ``DiscountScope``: three regexes, full match, on the seller id, the
  product display name and the usage type display name (compiled once);
* its validity: the line item's ``start`` lies in ``[valid_from, valid_until)``
  (a discount whose validity does not overlap the period yields nothing).

A group's minimum-charge line carries the scope fields its group's line items
share (null where they differ), so a scoped discount reaches it exactly when
it would reach every line the minimum tops up.

The source amount is the sum of the selected line items' unrounded amounts.
Rules:

* ``FixedPercentage``: source × percentage / 100.
* ``TieredPercentage``: the tier with the highest threshold ≤ source wins,
  source × its value / 100; below the smallest threshold there is no line.
* ``TieredFixedAmount``: same tier choice; the tier's value is the amount.

Positive results are fees, negative ones discounts. Exact results keep 12
decimal places like line items; they are rounded to the minor unit once, on
the discount line, by the report builder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from rating.errors import RatecardError
from rating.model import Catalog, Discount, DiscountRule, DiscountSelector, DiscountTier
from rating.period import Period
from rating.rate.result import SCALE
from rating.regex import catalog_regex
from rating.scopes import SCOPE_COLUMNS

_QUANTUM = Decimal(1).scaleb(-SCALE)


@dataclass(frozen=True)
class CompiledDiscount:
    """A discount with its regexes compiled and its issuing seller resolved."""

    discount: Discount
    seller_id: str
    seller_product_group: str | None
    seller_re: re.Pattern[str]
    product_re: re.Pattern[str]
    usage_type_re: re.Pattern[str]
    own_sellers: frozenset[str] | None = None
    """A partner's seller ids: its discounts and fees never touch anyone else's lines."""

    def selects(self, row: Mapping[str, Any]) -> bool:
        """Whether a line item (a ``LINE_ITEM_SCHEMA`` row) counts towards this discount."""
        discount = self.discount
        start = row["start"]
        return (
            (self.own_sellers is None or row["seller_id"] in self.own_sellers)
            and row["currency"] == discount.currency
            and _scope_matches(discount.scope, row)
            and (discount.valid_from is None or start >= discount.valid_from)
            and (discount.valid_until is None or start < discount.valid_until)
            and self.seller_re.fullmatch(row["seller_id"] or "") is not None
            and self.product_re.fullmatch(row["product_name"] or "") is not None
            and self.usage_type_re.fullmatch(row["usage_type"] or "") is not None
        )


@dataclass(frozen=True)
class DiscountResult:
    """One discount applied to one tenant's line items in its currency."""

    compiled: CompiledDiscount
    currency: str
    source_amount: Decimal
    rate: Decimal
    threshold: Decimal | None
    exact_amount: Decimal


def compile_discounts(catalog: Catalog) -> tuple[CompiledDiscount, ...]:
    """Compile every catalog discount once; a bad regex is a one-line error naming it."""
    compiled = []
    for part in catalog.parts:
        for discount in part.discounts:
            scope = discount.discount_scope
            seller = discount.seller
            compiled.append(
                CompiledDiscount(
                    discount=discount,
                    seller_id=seller.seller_id if seller else part.seller_id,
                    seller_product_group=seller.seller_product_group if seller else None,
                    seller_re=_compile(discount, "sellerId", scope.seller_id),
                    product_re=_compile(discount, "productDisplayName", scope.product_display_name),
                    usage_type_re=_compile(
                        discount, "usageTypeDisplayName", scope.usage_type_display_name
                    ),
                    own_sellers=frozenset(part.allowed_sellers) if part.is_partner else None,
                )
            )
    return tuple(compiled)


def apply_discounts(
    discounts: Iterable[CompiledDiscount], rows: list[Mapping[str, Any]], period: Period
) -> list[DiscountResult]:
    """Every discount/fee line for one tenant's line items, in catalog order.

    A discount that selects no line item yields no line, even a fixed amount:
    a fee is owed for usage it covers, not for merely existing in the catalog.
    """
    results = []
    for compiled in discounts:
        if not _overlaps(compiled.discount, period.start, period.end):
            continue
        selected = [row["amount"] for row in rows if compiled.selects(row)]
        if selected:
            result = _evaluate(compiled, sum(selected, Decimal(0)))
            if result is not None:
                results.append(result)
    return results


def choose_tier(tiers: Iterable[DiscountTier], source: Decimal) -> DiscountTier | None:
    """The tier with the highest threshold ≤ ``source``; None below the smallest threshold."""
    eligible = [tier for tier in tiers if tier.threshold <= source]
    return max(eligible, key=lambda tier: tier.threshold, default=None)


def _evaluate(compiled: CompiledDiscount, source: Decimal) -> DiscountResult | None:
    discount = compiled.discount
    if discount.rule is DiscountRule.FIXED_PERCENTAGE:
        if discount.percentage is None:
            raise RatecardError(f"discount {discount.id!r}: FixedPercentage needs a percentage")
        rate, threshold = discount.percentage, None
        exact = source * rate / 100
    else:
        tier = choose_tier(discount.tiers, source)
        if tier is None:
            return None
        rate, threshold = tier.value, tier.threshold
        exact = source * rate / 100 if discount.rule is DiscountRule.TIERED_PERCENTAGE else rate
    exact = exact.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
    return DiscountResult(compiled, discount.currency, source, rate, threshold, exact)


def _compile(discount: Discount, field: str, pattern: str) -> re.Pattern[str]:
    try:
        return catalog_regex(pattern)
    except re.error as error:
        where = f" ({discount.source})" if discount.source else ""
        raise RatecardError(
            f"discount {discount.id!r}{where}: discountScope.{field}: "
            f"bad regex {pattern!r}: {error}"
        ) from error


def _scope_matches(scope: DiscountSelector, row: Mapping[str, Any]) -> bool:
    return all(
        getattr(scope, name) is None or getattr(scope, name) == row[name] for name in SCOPE_COLUMNS
    )


def _overlaps(discount: Discount, start: datetime, end: datetime) -> bool:
    return (discount.valid_from is None or discount.valid_from < end) and (
        discount.valid_until is None or discount.valid_until > start
    )
