"""The catalog's quotas, budgets and throttling rules as frozen dataclasses.

Loaded by :mod:`rating.load.controls`; nothing here imports the rest of the
model at run time, so :class:`rating.model.Catalog` can hold a :class:`Controls`.
Limits and percentages are :class:`~decimal.Decimal` (Dhall ``Double`` through
its shortest text), so ``80.0`` % of ``30`` vCPU is exactly 24.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rating.model import Condition


class MeasureKind(StrEnum):
    COUNT = "Count"  # resources
    SUM = "Sum"  # a numeric trait, converted to the measure's unit


@dataclass(frozen=True)
class Measure:
    kind: MeasureKind
    unit: str  # UCUM; "1" for a count
    trait: str | None = None  # Sum only


@dataclass(frozen=True)
class Thresholds:
    """Percentages of a limit: below ``warning`` green, from it yellow, from ``critical`` red."""

    warning: Decimal = Decimal(80)
    critical: Decimal = Decimal(95)


@dataclass(frozen=True)
class Quota:
    id: str
    tenant: str
    cell: str | None  # None: the whole tenant
    resource_type: str
    filter: tuple[Condition, ...]
    measure: Measure
    limit: Decimal
    thresholds: Thresholds
    source: str | None = None  # "file:line" of its id, when known


@dataclass(frozen=True)
class Budget:
    id: str
    tenant: str
    cell: str | None
    seller_id: str | None
    seller_product_group: str | None
    amount: Decimal  # per calendar month, in ``currency``
    currency: str
    thresholds: Thresholds
    source: str | None = None


class Subject(StrEnum):
    QUOTA = "Quota"
    BUDGET = "Budget"


@dataclass(frozen=True)
class Trigger:
    """Holds while the quota or budget ``id`` is at or above ``at_least`` percent."""

    subject: Subject
    id: str
    at_least: Decimal


@dataclass(frozen=True)
class Action:
    action: str  # a verb agents ask about: "create", "upload", …
    resource_type: str


@dataclass(frozen=True)
class ThrottleRule:
    id: str
    tenant: str
    cell: str | None  # None: every cell of the tenant
    when: Trigger
    deny: tuple[Action, ...]
    source: str | None = None


@dataclass(frozen=True)
class Controls:
    """Everything a catalog declares about control; empty for a catalog without any."""

    quotas: tuple[Quota, ...] = ()
    budgets: tuple[Budget, ...] = ()
    throttling: tuple[ThrottleRule, ...] = ()

    def quota(self, quota_id: str) -> Quota | None:
        return next((q for q in self.quotas if q.id == quota_id), None)

    def budget(self, budget_id: str) -> Budget | None:
        return next((b for b in self.budgets if b.id == budget_id), None)
