"""Threshold alerts: which quotas and budgets have crossed which threshold, as alerts.

Pure: the levels come from :mod:`rating.control.quota` and
:mod:`rating.control.budget`; what was already said is :mod:`rating.control.alert_state`'s
business, and delivery :mod:`rating.control.webhook`'s. Three thresholds per
quota or budget: its ``warning`` and ``critical`` percentages and ``over``, strictly
above the limit — so no overrun goes unsaid. An alert is one per (kind, holder,
id, threshold, period): its :attr:`Alert.key`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from rating.control.budget import BudgetUse
from rating.control.levels import decimal, plain
from rating.control.model import Subject, Thresholds
from rating.control.quota import QuotaUse

AlertKey = tuple[str, str, str, str, str]
"""(kind, holder, id, threshold, period): what an alert is said once for."""


class Threshold(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"
    OVER = "over"  # strictly above 100 %: the limit is overrun


_HUNDRED = Fraction(100)


def crossed(share: Fraction | None, thresholds: Thresholds) -> list[tuple[Threshold, Decimal]]:
    """The thresholds ``share`` (percent of a limit; None: anything on a zero limit) is at.

    ``warning`` and ``critical`` count from the percentage on, as the levels do;
    ``over`` only above 100.
    """
    marks = [
        (Threshold.WARNING, thresholds.warning),
        (Threshold.CRITICAL, thresholds.critical),
    ]
    reached = [
        (name, percent) for name, percent in marks if share is None or share >= Fraction(percent)
    ]
    if share is None or share > _HUNDRED:
        reached.append((Threshold.OVER, Decimal(100)))
    return reached


@dataclass(frozen=True)
class Alert:
    """A quota or budget of a tenant (or cell) at a threshold in a period."""

    kind: Subject
    id: str
    tenant: str
    cell: str | None
    threshold: Threshold
    threshold_percent: Decimal
    period: str  # the label of the calendar month the alert belongs to
    used: Fraction  # quota: its use in ``unit``; budget: spent in ``unit`` (its currency)
    limit: Decimal
    unit: str
    share: Fraction | None  # percent of the limit; None: a zero limit with use
    level: str

    @property
    def holder(self) -> str:
        """``tenant`` or ``tenant/cell``: who is told."""
        return self.tenant if self.cell is None else f"{self.tenant}/{self.cell}"

    @property
    def key(self) -> AlertKey:
        return (self.kind.value.lower(), self.holder, self.id, self.threshold.value, self.period)


def quota_alerts(uses: Iterable[QuotaUse], period: str) -> list[Alert]:
    """Every threshold each quota is at, in catalog order, lowest threshold first."""
    return [
        Alert(
            kind=Subject.QUOTA,
            id=use.quota.id,
            tenant=use.quota.tenant,
            cell=use.quota.cell,
            threshold=threshold,
            threshold_percent=percent,
            period=period,
            used=use.used,
            limit=use.quota.limit,
            unit=use.quota.measure.unit,
            share=use.percent,
            level=use.level.value,
        )
        for use in uses
        for threshold, percent in crossed(use.percent, use.quota.thresholds)
    ]


def budget_alerts(uses: Iterable[BudgetUse], period: str) -> list[Alert]:
    """Every threshold each budget's month-to-date spend is at (not its forecast)."""
    return [
        Alert(
            kind=Subject.BUDGET,
            id=use.budget.id,
            tenant=use.budget.tenant,
            cell=use.budget.cell,
            threshold=threshold,
            threshold_percent=percent,
            period=period,
            used=Fraction(use.spent),
            limit=use.budget.amount,
            unit=use.budget.currency,
            share=use.percent,
            level=use.level.value,
        )
        for use in uses
        for threshold, percent in crossed(use.percent, use.budget.thresholds)
    ]


def new_alerts(alerts: Iterable[Alert], said: Mapping[AlertKey, Any]) -> list[Alert]:
    """The alerts whose key is not in ``said`` (each key once, the first kept)."""
    fresh: dict[AlertKey, Alert] = {}
    for alert in alerts:
        if alert.key not in said:
            fresh.setdefault(alert.key, alert)
    return list(fresh.values())


def alert_json(alert: Alert, at: str) -> dict[str, Any]:
    """One alert as JSON: exact decimals as strings, the percentage to 0.01."""
    return {
        "kind": alert.key[0],
        "id": alert.id,
        "tenant": alert.tenant,
        "cell": alert.cell,
        "holder": alert.holder,
        "threshold": alert.threshold.value,
        "thresholdPercent": str(plain(alert.threshold_percent)),
        "period": alert.period,
        "at": at,
        "used": str(decimal(alert.used)),
        "limit": str(plain(alert.limit)),
        "unit": alert.unit,
        "percent": None if alert.share is None else str(decimal(alert.share, 2)),
        "level": alert.level,
        "message": message(alert),
    }


def message(alert: Alert) -> str:
    """One line a person reads, e.g.
    ``quota acme-vcpu (tenant acme) warning (80 %): 24 of 30 {vCPU} in 2026-10``."""
    where = f"tenant {alert.tenant}" + (f", cell {alert.cell}" if alert.cell else "")
    share = "∞" if alert.share is None else str(decimal(alert.share, 2))
    unit = "" if alert.unit == "1" else f" {alert.unit}"  # a count has no unit to say
    mark = "over its limit" if alert.threshold is Threshold.OVER else alert.threshold.value
    return (
        f"{alert.key[0]} {alert.id} ({where}) {mark} ({share} %): "
        f"{decimal(alert.used)} of {plain(alert.limit)}{unit} in {alert.period}"
    )
