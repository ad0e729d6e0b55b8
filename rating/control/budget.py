"""Budget status: a month's spend so far, its forecast to the month's end, and the level.

Spend is the rating engine's: the month is rated up to the as-of instant
(:func:`to_date`) and read off the tenant's usage report, after discounts and
fees, as the invoice would say it. A budget narrowed to a cell, a seller or a
product group is read off the line items instead, before discounts (those apply
to the tenant as a whole; docs/quotas.md). The forecast adds, for every line
still running at the as-of instant (its slice ends there) of a product that
accrues over time (:func:`_accruing`), its hourly run-rate (amount ÷ the
slice's hours) × the hours left in the month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rating.control.levels import Level, decimal, level, percent, plain
from rating.control.model import Budget
from rating.errors import RatecardError
from rating.model import Product, UsageKind
from rating.period import Period, stamp
from rating.report.model import TenantReport

_HOUR = 3600


def month_to_date(period: Period, as_of: datetime) -> Period:
    """The part of the month ``period`` up to ``as_of`` (clamped into the month)."""
    if period != Period.month_of(period.start):
        raise RatecardError(
            f"--period {period.label}: budgets are per calendar month; give YYYY-MM"
        )
    if as_of <= period.start:  # nothing of the month to rate (a run of no time divides by zero)
        raise RatecardError(
            f"as of {stamp(as_of)}: not after the start of period {period.label}; "
            "a month-to-date budget needs an instant inside the month"
        )
    return period.up_to(as_of)


@dataclass(frozen=True)
class BudgetUse:
    budget: Budget
    spent: Decimal  # month to date, exact
    forecast: Decimal  # spent + running lines' run-rate × hours left
    after_discounts: bool  # False for a cell, seller or product-group budget (line items)

    @property
    def percent(self) -> Fraction | None:
        return percent(Fraction(self.spent), self.budget.amount)

    @property
    def forecast_percent(self) -> Fraction | None:
        return percent(Fraction(self.forecast), self.budget.amount)

    @property
    def level(self) -> Level:
        return level(Fraction(self.spent), self.budget.amount, self.budget.thresholds)

    @property
    def forecast_level(self) -> Level:
        return level(Fraction(self.forecast), self.budget.amount, self.budget.thresholds)

    def as_json(self) -> dict:
        """The status as commands and the service show it: money as exact decimal
        strings, percentages rounded to 0.01."""

        def shown(share: Fraction | None) -> str | None:
            return None if share is None else str(decimal(share, 2))

        return {
            "id": self.budget.id,
            "tenant": self.budget.tenant,
            "cell": self.budget.cell,
            "sellerId": self.budget.seller_id,
            "sellerProductGroup": self.budget.seller_product_group,
            "currency": self.budget.currency,
            "amount": str(plain(self.budget.amount)),
            "spent": str(plain(self.spent)),
            "forecast": str(plain(self.forecast)),
            "percent": shown(self.percent),
            "forecastPercent": shown(self.forecast_percent),
            "level": self.level.value,
            "forecastLevel": self.forecast_level.value,
            "afterDiscounts": self.after_discounts,
        }


def _accruing(products: Iterable[Product]) -> frozenset[str]:
    """Ids of the products whose charge grows with time: time, trait × time, and a
    prorated recurring fee (by the day). A fee that is not prorated was charged in
    full when the resource appeared; a quantity or one-time fee does not run on.
    """
    return frozenset(
        p.id
        for p in products
        if p.usage.kind in (UsageKind.TIME, UsageKind.TIME_QUANTITY)
        or (p.usage.kind is UsageKind.RECURRING and p.usage.prorate)
    )


def budget_status(
    budgets: Iterable[Budget],
    reports: Mapping[str, TenantReport],
    line_items: list[dict[str, Any]],
    to_date: Period,
    month_end: datetime,
    products: Iterable[Product],
) -> list[BudgetUse]:
    """Every budget's use: ``reports`` by tenant and ``line_items`` of the month-to-date run;
    ``products`` the catalog's, of which those accruing over time run on (:func:`_accruing`)."""
    hours_left = Decimal((month_end - to_date.end).total_seconds()) / _HOUR
    accruing = _accruing(products)
    uses = []
    for budget in budgets:
        lines = [line for line in line_items if _counts(budget, line)]
        narrowed = (budget.cell, budget.seller_id, budget.seller_product_group) != (None,) * 3
        if narrowed:
            spent = sum((line["amount"] for line in lines), Decimal(0))
        else:
            report = reports.get(budget.tenant)
            totals = report.totals if report is not None else ()
            spent = next((t.exact_amount for t in totals if t.currency == budget.currency), 0)
        running = (
            line for line in lines if line["end"] == to_date.end and line["product_id"] in accruing
        )
        run_rate = sum(map(_hourly, running), Decimal(0))
        uses.append(BudgetUse(budget, spent, spent + run_rate * hours_left, not narrowed))
    return uses


def request_costs(
    budgets: Iterable[Budget], lines: list[dict[str, Any]], count: int
) -> dict[str, Decimal]:
    """What ``count`` requested resources add to each budget they count against.

    ``lines`` are the line items of one such resource rated from the request's
    instant to the month's end (it runs on until then, as the forecast assumes).
    """
    return {
        budget.id: sum((line["amount"] for line in lines if _counts(budget, line)), Decimal(0))
        * count
        for budget in budgets
    }


def _counts(budget: Budget, line: Mapping[str, Any]) -> bool:
    """Is the line item the budget's (its tenant, cell, seller, group and currency)?"""
    return (
        line["tenant"] == budget.tenant
        and line["currency"] == budget.currency
        and (budget.cell is None or line["cell"] == budget.cell)
        and (budget.seller_id is None or line["seller_id"] == budget.seller_id)
        and (
            budget.seller_product_group is None
            or line["seller_product_group"] == budget.seller_product_group
        )
    )


def _hourly(line: Mapping[str, Any]) -> Decimal:
    """A running line's amount per hour (a minimum charge or a line without duration: 0)."""
    if line["resource_id"] is None or line["start"] is None or line["end"] <= line["start"]:
        return Decimal(0)
    return line["amount"] * _HOUR / Decimal((line["end"] - line["start"]).total_seconds())
