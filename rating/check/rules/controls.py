"""Rules on quotas, budgets and throttling (docs/quotas.md).

Ids are unique per kind; thresholds ordered; a quota measures a known type
with a trait commensurable with its unit; currencies are ISO 4217; a cell's
quota or budget is within its tenant's (the same measure, a higher limit is an
error; cells adding up past the tenant only a warning: it may be meant as
overcommit); a throttling rule's trigger names an existing quota or budget.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from fractions import Fraction

from rating.check.findings import Collector
from rating.check.rules.common import currency_known
from rating.control.levels import plain
from rating.control.measure import unit_factor
from rating.control.model import Budget, Quota, Subject, Thresholds
from rating.errors import RatecardError
from rating.model import Catalog
from rating.units import conversion_factor


def check_controls(catalog: Catalog, out: Collector) -> None:
    file = catalog.parts[0].file if catalog.parts else ""
    controls = catalog.controls
    for noun, items in (
        ("quota", controls.quotas),
        ("budget", controls.budgets),
        ("throttling rule", controls.throttling),
    ):
        _unique(noun, [(item.id, item.source) for item in items], out, file)
    for quota in controls.quotas:
        _check_quota(catalog, quota, out, file)
    _cells_within_tenants(controls.quotas, out, file)
    for budget in controls.budgets:
        where = {"source": budget.source, "file": file, "subject": budget.id}
        _thresholds(f'budget "{budget.id}"', budget.thresholds, out, where)
        if not currency_known(budget.currency):
            out.error(
                "unknown-currency",
                f'budget "{budget.id}": unknown currency "{budget.currency}" (ISO 4217)',
                **where,
            )
    _budget_cells_within_tenants(controls.budgets, out, file)
    for rule in controls.throttling:
        where = {"source": rule.source, "file": file, "subject": rule.id}
        known = controls.quota if rule.when.subject is Subject.QUOTA else controls.budget
        if known(rule.when.id) is None:
            out.error(
                "unknown-trigger",
                f'throttling rule "{rule.id}": when: no {rule.when.subject.lower()} '
                f'"{rule.when.id}"',
                **where,
            )
        for action in rule.deny:
            if catalog.resource_type(action.resource_type) is None:
                out.warning(
                    "unknown-resource-type",
                    f'throttling rule "{rule.id}": deny: unknown resource type '
                    f'"{action.resource_type}"',
                    **where,
                )


def _unique(noun: str, ids: list[tuple[str, str | None]], out: Collector, file: str) -> None:
    counts = Counter(item_id for item_id, _ in ids)
    for item_id, source in ids:
        if counts[item_id] > 1:
            out.error(
                "duplicate-id",
                f'{noun} id "{item_id}" is used {counts[item_id]} times',
                source=source,
                file=file,
                subject=item_id,
            )


def _thresholds(label: str, thresholds: Thresholds, out: Collector, where: dict) -> None:
    """0 < warning <= critical: a level must mean something and yellow come before red."""
    if not 0 < thresholds.warning <= thresholds.critical:
        out.error(
            "unordered-thresholds",
            f"{label}: thresholds must satisfy 0 < warning <= critical "
            f"(warning {thresholds.warning} %, critical {thresholds.critical} %)",
            **where,
        )


def _check_quota(catalog: Catalog, quota: Quota, out: Collector, file: str) -> None:
    label = f'quota "{quota.id}"'
    where = {"source": quota.source, "file": file, "subject": quota.id}
    _thresholds(label, quota.thresholds, out, where)
    resource_type = catalog.resource_type(quota.resource_type)
    if resource_type is None:
        out.error(
            "unknown-resource-type",
            f'{label}: unknown resource type "{quota.resource_type}"',
            **where,
        )
        return
    for condition in quota.filter:
        if resource_type.trait(condition.trait) is None:
            out.error(
                "unknown-trait",
                f'{label}: filter on trait "{condition.trait}", which '
                f"{resource_type.id} does not have",
                **where,
            )
    try:
        unit_factor(quota, resource_type)
    except RatecardError as problem:
        out.error("incommensurable-quota", f"{label}: measure: {problem}", **where)


def _same_measure(cell: Quota, tenant: Quota) -> Fraction | None:
    """Factor from the cell quota's unit to the tenant quota's when both measure the same."""
    if (cell.resource_type, cell.filter, cell.measure.kind, cell.measure.trait) != (
        tenant.resource_type,
        tenant.filter,
        tenant.measure.kind,
        tenant.measure.trait,
    ):
        return None
    try:
        return conversion_factor(cell.measure.unit, tenant.measure.unit)
    except RatecardError:
        return None  # reported on the quota itself


def _cells_within_tenants(quotas: Iterable[Quota], out: Collector, file: str) -> None:
    quotas = list(quotas)
    tenants = [q for q in quotas if q.cell is None]
    for tenant in tenants:
        cells = defaultdict(Fraction)  # cell -> its (largest) limit in the tenant quota's unit
        for cell in quotas:
            if cell.cell is None or cell.tenant != tenant.tenant:
                continue
            factor = _same_measure(cell, tenant)
            if factor is None:
                continue
            limit = Fraction(cell.limit) * factor
            cells[cell.cell] = max(cells[cell.cell], limit)
            if limit > Fraction(tenant.limit):
                out.error(
                    "cell-quota-above-tenant",
                    f'quota "{cell.id}" of cell "{cell.cell}": limit {plain(cell.limit)} '
                    f'{cell.measure.unit} exceeds tenant "{tenant.tenant}"\'s quota '
                    f'"{tenant.id}" ({plain(tenant.limit)} {tenant.measure.unit})',
                    source=cell.source,
                    file=file,
                    subject=cell.id,
                )
        if sum(cells.values()) > Fraction(tenant.limit):
            out.warning(
                "cell-quotas-overcommit",
                f"quota \"{tenant.id}\": the cells' quotas add up to more than the tenant's "
                f"limit {plain(tenant.limit)} {tenant.measure.unit} (overcommit)",
                source=tenant.source,
                file=file,
                subject=tenant.id,
            )


def _budget_cells_within_tenants(budgets: Iterable[Budget], out: Collector, file: str) -> None:
    budgets = list(budgets)
    for tenant in (b for b in budgets if b.cell is None):
        for cell in budgets:
            same = (cell.tenant, cell.currency, cell.seller_id, cell.seller_product_group) == (
                tenant.tenant,
                tenant.currency,
                tenant.seller_id,
                tenant.seller_product_group,
            )
            if cell.cell is not None and same and cell.amount > tenant.amount:
                out.error(
                    "cell-budget-above-tenant",
                    f'budget "{cell.id}" of cell "{cell.cell}": '
                    f"{plain(cell.amount)} {cell.currency} "
                    f'exceeds tenant "{tenant.tenant}"\'s budget "{tenant.id}" '
                    f"({plain(tenant.amount)} {tenant.currency})",
                    source=cell.source,
                    file=file,
                    subject=cell.id,
                )
