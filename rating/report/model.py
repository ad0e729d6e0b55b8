"""The tenant usage report as immutable data, independent of any output format.

A report has three levels, like meshStack's tenant usage report:
top-level lines per (seller id, seller product group, currency), product
details per (product, usage type, unit) beneath them, and resource details
beneath those, each listing its covered time slices (the line items).
Discount and fee lines sit beside the top-level lines. Only top-level and
discount lines are rounded; everything beneath keeps the line items' 12 places.
Grouped ``--by`` dimensions, :class:`Group` subtotals nest above the top-level
lines (whose key gains the group's values); ``--granularity day`` adds exact
:class:`DayTotal` amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Slice:
    """One line item: a covered time slice of one resource."""

    start: datetime | None
    end: datetime | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ResourceDetail:
    resource_id: str | None  # None for a group's minimum-charge line
    resource_name: str | None
    resource_type: str | None
    quantity: Decimal
    amount: Decimal  # exact: Σ slice amounts
    slices: tuple[Slice, ...]


@dataclass(frozen=True)
class ProductDetail:
    product_id: str
    product_name: str
    usage_type: str
    unit: str
    quantity: Decimal
    amount: Decimal  # exact: Σ resource amounts
    resources: tuple[ResourceDetail, ...]


@dataclass(frozen=True)
class Conversion:
    """A line's value in the base currency (present only when one is requested)."""

    exchange_rate: Decimal
    base_amount: Decimal  # round(exact amount × rate) to the base currency's minor unit
    base_currency: str


@dataclass(frozen=True)
class TopLine:
    """A top-level line: what one seller's product group costs in one currency."""

    seller_id: str
    seller_product_group: str
    currency: str
    exact_amount: Decimal  # Σ product details, unrounded
    amount: Decimal  # rounded once to the currency's minor unit
    conversion: Conversion | None
    details: tuple[ProductDetail, ...]
    # With ``--by``: the line's value of each dimension, in the report's ``by`` order
    # (None where its line items have none); the line is one per (group, seller, …).
    group: tuple[str | None, ...] = ()

    @property
    def rounding_difference(self) -> Decimal:
        return self.amount - self.exact_amount


@dataclass(frozen=True)
class DiscountLine:
    """A discount (negative amount) or fee (positive) computed from the tenant's lines."""

    discount_id: str
    display_name: str
    rule: str  # rating.model.DiscountRule value
    seller_id: str
    seller_product_group: str | None
    currency: str
    source_amount: Decimal  # Σ exact amounts of the matching line items in this currency
    rate: Decimal  # the percentage, or the fixed amount of the chosen tier
    threshold: Decimal | None  # the chosen tier's threshold (tiered rules)
    exact_amount: Decimal
    amount: Decimal  # rounded once to the currency's minor unit
    conversion: Conversion | None

    @property
    def rounding_difference(self) -> Decimal:
        return self.amount - self.exact_amount


@dataclass(frozen=True)
class Total:
    """What a tenant owes in one currency: Σ rounded top-level and discount lines."""

    currency: str
    amount: Decimal
    exact_amount: Decimal  # Σ exact amounts of the same lines
    # Σ the same lines' base-currency amounts (each already rounded), with a base currency
    base_amount: Decimal | None = None

    @property
    def rounding_difference(self) -> Decimal:
        return self.amount - self.exact_amount


@dataclass(frozen=True)
class DayTotal:
    """What the line items of one UTC day add up to in one currency (``--granularity day``).

    Exact and unrounded: a line item spanning several days is apportioned to
    them (:mod:`rating.report.daily`), and rounding stays once per top-level
    line of the period, so a currency's days sum exactly to those lines' exact
    amounts. Discounts and fees apply to the period and have no day.
    """

    day: date
    currency: str
    exact_amount: Decimal


@dataclass(frozen=True)
class Group:
    """One value of one ``--by`` dimension, with the groups or top-level lines beneath it.

    ``totals`` per currency are sums of the *rounded* top-level lines beneath
    (``amount``) and of their exact amounts, the same rule as a tenant's totals
    but without discounts and fees, which belong to the tenant as a whole.
    """

    dimension: str  # as given to --by: "cell", "label:costCenter"
    value: str | None  # None: line items without a value for the dimension
    totals: tuple[Total, ...]  # per currency, sorted by currency
    groups: tuple[Group, ...]  # by the next dimension; empty for the last
    lines: tuple[TopLine, ...]  # the last dimension's top-level lines; empty above it
    days: tuple[DayTotal, ...] = ()  # --granularity day: exact, per day and currency


@dataclass(frozen=True)
class CellTotal:
    """What one cell (a tenant's sub-unit, ``scope.cell``) used in one currency.

    The exact sum of its line items, before the tenant's discounts and fees
    (those apply to the tenant as a whole) and unrounded: rounding happens once
    per top-level line, and cells cut across them. A currency's cells sum
    exactly to the exact amounts of its top-level lines.
    """

    cell: str | None  # None: line items whose samples named no cell
    currency: str
    exact_amount: Decimal


@dataclass(frozen=True)
class TenantReport:
    tenant: str
    period: str
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    catalog_name: str
    catalog_version: str
    report_version: str  # hash of catalog version, the tenant's line items and the options
    rounding: str  # CLI name of the rounding mode, e.g. "half-even"
    base_currency: str | None
    lines: tuple[TopLine, ...]
    discounts: tuple[DiscountLine, ...]
    totals: tuple[Total, ...]  # one per currency, sorted by currency
    base_total: Decimal | None  # Σ base amounts of all lines, when a base currency is set
    cells: tuple[CellTotal, ...] = ()  # per cell and currency; empty when no line has a cell
    by: tuple[str, ...] = ()  # --by dimensions; empty: the default seller/product-group lines
    granularity: str = "month"  # "day": slices split at UTC midnight and daily totals
    groups: tuple[Group, ...] = ()  # the --by breakdown, by the first dimension
    days: tuple[DayTotal, ...] = ()  # --granularity day: the top-level lines' days, exact
    as_of: datetime | None = None  # interim: the period rated up to here (period_end), not over


@dataclass(frozen=True)
class ChargebackRow:
    """One cell of the cross-tenant chargeback summary."""

    tenant: str
    seller_id: str
    currency: str
    amount: Decimal  # Σ rounded top-level and discount lines of that seller
    base_amount: Decimal | None
    base_currency: str | None


@dataclass(frozen=True)
class GroupChargebackRow:
    """One row of the chargeback summary grouped ``--by`` dimensions (across tenants)."""

    values: tuple[str | None, ...]  # one per dimension, in --by order
    currency: str
    amount: Decimal  # Σ rounded top-level and discount lines of that group
    base_amount: Decimal | None
    base_currency: str | None
