"""What a catalog change does to the bills: two sets of tenant reports subtracted.

Tenant amounts are the reports' totals — after discounts, fees and rounding —
so a tenant's delta is exactly the difference of two ``ratecard report``
runs. Per product id the amounts are the reports' product details (exact,
unrounded, as the reports show them) and per discount or fee its rounded
line, summed over tenants. Money stays :class:`~decimal.Decimal` throughout.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from rating.api import Reports
from rating.rate.result import UnmatchedGroup

FROM_ZERO = Decimal("Infinity")
"""The change of an amount that was zero and is not: it moved by more than any percentage."""


@dataclass(frozen=True)
class AmountChange:
    """One amount in one currency before and after: a tenant's total or a product's sum."""

    name: str  # tenant, or product/discount id
    currency: str
    old: Decimal
    new: Decimal
    kind: str = "tenant"  # "tenant", "product" or "discount"

    @property
    def delta(self) -> Decimal:
        return self.new - self.old

    @property
    def percent(self) -> Decimal:
        """delta / old × 100; :data:`FROM_ZERO` (signed) when old is zero and new is not."""
        if self.old == 0:
            return Decimal(0) if self.new == 0 else FROM_ZERO.copy_sign(self.new)
        return self.delta / abs(self.old) * 100


@dataclass(frozen=True)
class MatchChange:
    """How many samples a product matched before and after.

    Counted per resource type: the rating run reports unmatched samples per
    type, not per sample, so a change that both matches and unmatches samples
    of one type shows as its net effect.
    """

    read: int
    old_unmatched: int
    new_unmatched: int
    newly_matched: int
    newly_unmatched: int


@dataclass(frozen=True)
class BillDiff:
    """Per tenant and currency, and per product or discount id and currency; most moved first."""

    tenants: tuple[AmountChange, ...]
    lines: tuple[AmountChange, ...]

    def above(self, percent: Decimal) -> tuple[AmountChange, ...]:
        """The tenant totals that moved by more than ``percent`` either way."""
        return tuple(change for change in self.tenants if abs(change.percent) > percent)


def bill_diff(old: Reports, new: Reports) -> BillDiff:
    """Subtract ``old``'s reports from ``new``'s, tenant by tenant and line by line."""
    return BillDiff(
        tenants=_changes(_tenant_totals(old), _tenant_totals(new), "tenant"),
        lines=_changes(_line_sums(old, "product"), _line_sums(new, "product"), "product")
        + _changes(_line_sums(old, "discount"), _line_sums(new, "discount"), "discount"),
    )


def match_change(
    read: int, old: Iterable[UnmatchedGroup], new: Iterable[UnmatchedGroup]
) -> MatchChange:
    """Samples that went from unmatched to matched and back, net per resource type."""
    before = {group.resource_type: group.samples for group in old}
    after = {group.resource_type: group.samples for group in new}
    moves = [after.get(kind, 0) - before.get(kind, 0) for kind in before.keys() | after.keys()]
    return MatchChange(
        read=read,
        old_unmatched=sum(before.values()),
        new_unmatched=sum(after.values()),
        newly_matched=sum(-move for move in moves if move < 0),
        newly_unmatched=sum(move for move in moves if move > 0),
    )


Sums = dict[tuple[str, str], Decimal]


def _tenant_totals(reports: Reports) -> Sums:
    return {
        (report.tenant, total.currency): total.amount
        for report in reports
        for total in report.totals
    }


def _line_sums(reports: Reports, kind: str) -> Sums:
    sums: Sums = {}
    for report in reports:
        if kind == "product":
            amounts = [
                (detail.product_id, line.currency, detail.amount)
                for line in report.lines
                for detail in line.details
            ]
        else:
            amounts = [(d.discount_id, d.currency, d.amount) for d in report.discounts]
        for name, currency, amount in amounts:
            sums[(name, currency)] = sums.get((name, currency), Decimal(0)) + amount
    return sums


def _changes(old: Sums, new: Sums, kind: str) -> tuple[AmountChange, ...]:
    """Every key of either side (missing = zero), the largest relative move first."""
    changes = [
        AmountChange(name, currency, old.get(key, Decimal(0)), new.get(key, Decimal(0)), kind)
        for key in old.keys() | new.keys()
        for name, currency in [key]
    ]
    return tuple(
        sorted(changes, key=lambda c: (-abs(c.percent), -abs(c.delta), c.name, c.currency))
    )
