"""The chargeback summary: what each tenant owes each seller, per currency.

Amounts are sums of the reports' *rounded* top-level and discount lines (a
discount counts for the seller that issues it), so a tenant's rows add up to
its report totals exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from rating.report.model import ChargebackRow, DiscountLine, TenantReport, TopLine


def chargeback_summary(reports: Iterable[TenantReport]) -> list[ChargebackRow]:
    """One row per (tenant, seller id, currency), sorted by those keys."""
    cells: dict[tuple[str, str, str], list[TopLine | DiscountLine]] = {}
    for report in reports:
        for line in (*report.lines, *report.discounts):
            cells.setdefault((report.tenant, line.seller_id, line.currency), []).append(line)
    rows = []
    for (tenant, seller_id, currency), lines in sorted(cells.items()):
        conversions = [line.conversion for line in lines if line.conversion is not None]
        rows.append(
            ChargebackRow(
                tenant=tenant,
                seller_id=seller_id,
                currency=currency,
                amount=sum((line.amount for line in lines), Decimal(0)),
                base_amount=sum((c.base_amount for c in conversions), Decimal(0))
                if conversions
                else None,
                base_currency=conversions[0].base_currency if conversions else None,
            )
        )
    return rows
