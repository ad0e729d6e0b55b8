"""Allow or deny a provisioning request: pure, for ``ratecard admit`` and ``ratecard serve``.

A ``create`` request adds ``count`` resources to every quota that would cover
them (its tenant's, its cell's, the filters holding on the request's traits);
each quota it would take past its limit denies it, saying by how much. Exactly
what fits is allowed: used + requested = limit passes. It is denied as well by
every budget of its tenant or cell whose forecast to the month's end plus the
request's own forecast cost would exceed it. Any request (whatever its
action) is denied by a throttling rule of its tenant or cell that denies the
action on the type while the rule's quota or budget is at or above its trigger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from rating.control.budget import BudgetUse
from rating.control.levels import decimal, plain
from rating.control.measure import contribution, covers
from rating.control.model import Budget, Controls, Subject, ThrottleRule
from rating.control.quota import QuotaUse
from rating.control.request import Request
from rating.control.state import Resource
from rating.errors import RatecardError


@dataclass(frozen=True)
class Denial:
    """Why a request is denied: a quota or budget (with the numbers) or a throttling rule."""

    kind: str  # "quota", "budget" or "throttling"
    id: str
    message: str
    limit: Decimal | None = None
    after: Decimal | None = None  # the quota's use were the request allowed
    excess: Decimal | None = None  # after − limit
    unit: str | None = None

    def as_json(self) -> dict:
        shown = {"limit": self.limit, "after": self.after, "excess": self.excess}
        return {
            "kind": self.kind,
            "id": self.id,
            "message": self.message,
            **{key: None if value is None else str(value) for key, value in shown.items()},
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Decision:
    request: Request
    denials: tuple[Denial, ...]

    @property
    def allowed(self) -> bool:
        return not self.denials

    def as_json(self) -> dict:
        return {
            "decision": "allow" if self.allowed else "deny",
            "request": self.request.as_json(),
            "denials": [denial.as_json() for denial in self.denials],
        }


@dataclass(frozen=True)
class BudgetView:
    """What admission needs of the budgets: their status and the request's forecast cost.

    ``costs`` maps a budget id to what the requested resources would add to it
    by the month's end (only budgets the request counts against).
    """

    uses: Sequence[BudgetUse] = ()
    costs: Mapping[str, Decimal] = field(default_factory=dict)


def decide(
    controls: Controls,
    uses: Sequence[QuotaUse],
    factors: Mapping[str, Fraction],
    request: Request,
    budgets: BudgetView | None = None,
) -> Decision:
    """The decision on ``request`` given every quota's current use and, when
    :func:`budgets_needed`, the budgets' (a request over a budget's forecast is denied).
    """
    budgets = budgets or BudgetView()
    denials = []
    if request.action == "create":
        denials.extend(d for use in uses if (d := _quota_denial(use, factors, request)))
        denials.extend(d for use in budgets.uses if (d := _budget_denial(use, budgets.costs)))
    percents = {use.quota.id: use.percent for use in uses}
    budget_percents = {use.budget.id: use.percent for use in budgets.uses}
    for rule in controls.throttling:
        if _rule_applies(rule, request) and _triggered(rule, percents, budget_percents):
            denials.append(
                Denial(
                    kind="throttling",
                    id=rule.id,
                    message=(
                        f"throttling rule {rule.id}: {rule.when.subject.lower()} {rule.when.id} "
                        f"is at or above {plain(rule.when.at_least)} %, {request.action} of "
                        f"{request.resource_type} denied"
                    ),
                )
            )
    return Decision(request, tuple(denials))


def known_tenants(controls: Controls, resources: Iterable[Resource]) -> frozenset[str]:
    """Tenants admission knows: named by a quota, budget or rule, or holding a resource."""
    named = [item.tenant for item in (*controls.quotas, *controls.budgets, *controls.throttling)]
    return frozenset(named + [r.tenant for r in resources if r.tenant is not None])


def require_known_tenant(request: Request, tenants: frozenset[str], where: str) -> None:
    """A request for a tenant nobody knows is a typo until shown otherwise: refuse it."""
    if request.tenant not in tenants:
        raise RatecardError(
            f"{where}: field tenant: unknown tenant {request.tenant!r} "
            "(no quota, budget or throttling rule names it and it holds nothing)"
        )


def rules_in_force(
    controls: Controls, uses: Sequence[QuotaUse], budget_uses: Sequence[BudgetUse]
) -> list[ThrottleRule]:
    """The throttling rules whose quota or budget is at or above their trigger now.

    What ``GET /v1/decisions`` tells agents: every tenant and cell they throttle.
    """
    percents = {use.quota.id: use.percent for use in uses}
    budget_percents = {use.budget.id: use.percent for use in budget_uses}
    return [rule for rule in controls.throttling if _triggered(rule, percents, budget_percents)]


def budgets_needed(controls: Controls, request: Request) -> bool:
    """Does deciding ``request`` need budgets: one it counts against, or a rule on one?"""
    return any(budget_covers(b, request) for b in controls.budgets) or any(
        rule.when.subject is Subject.BUDGET and _rule_applies(rule, request)
        for rule in controls.throttling
    )


def budget_covers(budget: Budget, request: Request) -> bool:
    """Does a ``create`` of this request count against the budget (its tenant and cell)?"""
    return (
        request.action == "create"
        and budget.tenant == request.tenant
        and (budget.cell is None or budget.cell == request.cell)
    )


def _budget_denial(use: BudgetUse, costs: Mapping[str, Decimal]) -> Denial | None:
    """Deny when the budget's forecast plus the request's forecast cost exceeds it.

    A request that costs nothing adds nothing: a budget already forecast over
    stops it only through a throttling rule.
    """
    cost = costs.get(use.budget.id)
    if cost is None or cost <= 0:
        return None
    after = use.forecast + cost
    if after <= use.budget.amount:
        return None
    budget, currency = use.budget, use.budget.currency
    excess = plain(after - budget.amount)
    return Denial(
        kind="budget",
        id=budget.id,
        message=(
            f"budget {budget.id} ({_holder(budget.tenant, budget.cell)}) exceeded by {excess} "
            f"{currency} by the month's end: forecast {plain(use.forecast)} + request "
            f"{plain(cost)} > {plain(budget.amount)}"
        ),
        limit=plain(budget.amount),
        after=plain(after),
        excess=excess,
        unit=currency,
    )


def _quota_denial(
    use: QuotaUse, factors: Mapping[str, Fraction], request: Request
) -> Denial | None:
    quota = use.quota
    if not covers(quota, request.tenant, request.cell, request.resource_type, request.traits):
        return None
    each = contribution(quota, request.traits, factors[quota.id])
    unit = quota.measure.unit
    if each is None:
        return Denial(
            kind="quota",
            id=quota.id,
            message=f"quota {quota.id}: the request lacks trait {quota.measure.trait!r}, "
            "which the quota sums",
            limit=quota.limit,
            unit=unit,
        )
    after = use.used + each * request.count
    if after <= Fraction(quota.limit):
        return None
    excess = decimal(after - Fraction(quota.limit))
    return Denial(
        kind="quota",
        id=quota.id,
        message=(
            f"quota {quota.id} ({_holder(quota.tenant, quota.cell)}) exceeded by {excess} {unit}: "
            f"{decimal(use.used)} used + {decimal(each * request.count)} requested > limit "
            f"{plain(quota.limit)}"
        ),
        limit=plain(quota.limit),
        after=decimal(after),
        excess=excess,
        unit=unit,
    )


def _holder(tenant: str, cell: str | None) -> str:
    return f"tenant {tenant}" if cell is None else f"tenant {tenant}, cell {cell}"


def _rule_applies(rule: ThrottleRule, request: Request) -> bool:
    return (
        rule.tenant == request.tenant
        and (rule.cell is None or rule.cell == request.cell)
        and any(
            a.action == request.action and a.resource_type == request.resource_type
            for a in rule.deny
        )
    )


def _triggered(
    rule: ThrottleRule,
    quota_percent: Mapping[str, Fraction | None],
    budget_percent: Mapping[str, Fraction | None],
) -> bool:
    """Is the rule's quota or budget at or above its trigger (None = over a zero limit)?"""
    known = quota_percent if rule.when.subject is Subject.QUOTA else budget_percent
    if rule.when.id not in known:
        raise RatecardError(
            f"throttling rule {rule.id}: no status for {rule.when.subject.lower()} {rule.when.id}"
        )
    share = known[rule.when.id]
    return share is None or share >= Fraction(rule.when.at_least)
