"""The chargeback summary: what each tenant owes each seller, per currency.

Amounts are sums of the reports' *rounded* top-level and discount lines (a
discount counts for the seller that issues it), so a tenant's rows add up to
its report totals exactly.

Grouped ``--by`` dimensions instead, the summary has one row per (group
values, currency), across tenants: top-level lines count for their group; a
discount or fee line counts for its tenant, seller and seller product group
and has no value (None) for any other dimension, since it applies to the
tenant as a whole. The rows still add up to the reports' totals exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from rating.report.dimensions import parse_dimensions, values_key
from rating.report.model import (
    ChargebackRow,
    DiscountLine,
    GroupChargebackRow,
    TenantReport,
    TopLine,
)

Lines = list[TopLine | DiscountLine]


def chargeback_summary(reports: Iterable[TenantReport]) -> list[ChargebackRow]:
    """One row per (tenant, seller id, currency), sorted by those keys."""
    cells: dict[tuple[str, str, str], Lines] = {}
    for report in reports:
        for line in (*report.lines, *report.discounts):
            cells.setdefault((report.tenant, line.seller_id, line.currency), []).append(line)
    return [
        ChargebackRow(tenant, seller_id, currency, *_sums(lines))
        for (tenant, seller_id, currency), lines in sorted(cells.items())
    ]


def group_chargeback(
    reports: Iterable[TenantReport], by: Sequence[str]
) -> list[GroupChargebackRow]:
    """One row per (values of the ``by`` dimensions, currency), missing values first."""
    dimensions = parse_dimensions(by)
    cells: dict[tuple[tuple[str | None, ...], str], Lines] = {}
    for report in reports:
        for line in report.lines:
            cells.setdefault((line.group, line.currency), []).append(line)
        for discount in report.discounts:
            values = tuple(d.discount_value(discount, report.tenant) for d in dimensions)
            cells.setdefault((values, discount.currency), []).append(discount)
    return [
        GroupChargebackRow(values, currency, *_sums(lines))
        for (values, currency), lines in sorted(
            cells.items(), key=lambda cell: (values_key(cell[0][0]), cell[0][1])
        )
    ]


def _sums(lines: Lines) -> tuple[Decimal, Decimal | None, str | None]:
    """Σ rounded amounts, Σ base amounts and the base currency (None when not converting)."""
    conversions = [line.conversion for line in lines if line.conversion is not None]
    amount = sum((line.amount for line in lines), Decimal(0))
    if not conversions:
        return amount, None, None
    base = sum((c.base_amount for c in conversions), Decimal(0))
    return amount, base, conversions[0].base_currency
