"""Quota and budget gauges for the HTML site: the catalog's controls as of a rated run.

Computed once per site (``Ratecard.site_controls``, from the run and the state of
its resources) and shown per tenant; every number is the ``as_json()`` text
of ``ratecard quota status`` and ``ratecard budget status``, never a float.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from rating.control.levels import Level, decimal

if TYPE_CHECKING:
    from rating.control.budget import BudgetUse
    from rating.control.quota import QuotaUse

_ORDER = {Level.GREEN: 0, Level.YELLOW: 1, Level.RED: 2}


@dataclass(frozen=True)
class SiteControls:
    """The run's quota use at ``at`` and its month's budgets (forecast when interim)."""

    at: datetime  # the resources' state: the rated period's last instant
    quotas: tuple[QuotaUse, ...]
    budgets: tuple[BudgetUse, ...]
    interim: bool  # the run stops at --as-of: budgets also show their forecast
    budgets_skipped: bool = False  # the period is not a calendar month

    def tenants(self) -> list[str]:
        """Every tenant with a quota or budget, sorted."""
        return sorted(
            {q.quota.tenant for q in self.quotas} | {b.budget.tenant for b in self.budgets}
        )


def tenant_gauges(controls: SiteControls | None, tenant: str) -> dict[str, Any] | None:
    """A tenant page's section: its quotas (tenant and cells) and budgets; None without."""
    if controls is None:
        return None
    quotas = [_quota(use) for use in controls.quotas if use.quota.tenant == tenant]
    budgets = [_budget(use) for use in controls.budgets if use.budget.tenant == tenant]
    if not quotas and not budgets:
        return None
    return {
        "at": controls.at,
        "interim": controls.interim,
        "quotas": quotas,
        "budgets": budgets,
        "budgets_skipped": controls.budgets_skipped,
        "worst": worst([g["level"] for g in quotas + budgets]),
    }


def worst_levels(controls: SiteControls | None) -> list[dict[str, Any]]:
    """Per tenant with controls: its worst level and the quotas and budgets at it."""
    if controls is None:
        return []
    rows = []
    for tenant in controls.tenants():
        levels = [(u.quota.id, u.level) for u in controls.quotas if u.quota.tenant == tenant]
        levels += [(u.budget.id, u.level) for u in controls.budgets if u.budget.tenant == tenant]
        if not levels:
            continue
        level = worst([lvl for _, lvl in levels])
        rows.append(
            {
                "tenant": tenant,
                "level": level,
                "ids": [i for i, lvl in levels if lvl == level],
                "count": len(levels),
            }
        )
    return rows


def worst(levels: Sequence[str]) -> str:
    return max((Level(level) for level in levels), key=_ORDER.__getitem__).value


def _quota(use: QuotaUse) -> dict[str, Any]:
    shown = use.as_json()
    return {
        "json": shown,
        "level": shown["level"],
        "meter": _meter(use.used, use.quota.limit, use.quota.thresholds),
    }


def _budget(use: BudgetUse) -> dict[str, Any]:
    shown = use.as_json()
    return {
        "json": shown,
        "level": shown["level"],
        "meter": _meter(Fraction(use.spent), use.budget.amount, use.budget.thresholds),
    }


def _meter(used: Fraction, limit: Any, thresholds: Any) -> dict[str, str]:
    """``<meter>`` attributes: the value against the limit, ``low`` and ``high`` at the
    thresholds (the element clamps a value over its limit; the table beside it has the
    number). The bar's colour comes from the level's class, not the browser's regions,
    which differ from the levels on a boundary (80 % of a warning at 80 is yellow)."""
    if limit <= 0:  # a zero limit: anything used is full (and red)
        return {"min": "0", "max": "1", "value": "1" if used > 0 else "0", "low": "1", "high": "1"}
    top = Fraction(limit)

    def share(percent: Any) -> str:
        return str(decimal(min(top * Fraction(percent) / 100, top)))

    return {
        "min": "0",
        "max": str(decimal(top)),
        "value": str(decimal(max(used, Fraction(0)))),
        "low": share(thresholds.warning),
        "high": share(thresholds.critical),
    }
