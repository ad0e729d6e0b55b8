"""Reservations: capacity an allowed admit holds until it is confirmed, cancelled or expires.

Every admit is decided under one lock against the snapshot's use *plus every
outstanding reservation*, and an allowed ``create`` is reserved under that
same lock, so two concurrent requests can never both pass a limit that only
one of them fits. A pending reservation expires after ``ttl`` unless it is
confirmed (the resource was provisioned: it now counts as a holding) or
cancelled (it was not). A confirmed reservation counts until the samples catch
up — until a reload holds a sample at or after the instant it was confirmed,
from when the resource itself is in the holdings — or it is cancelled.
A reservation adds to each quota what the request would (the decision's own
:func:`~rating.control.measure.contribution`) and to each budget the
request's forecast cost.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from rating.control.admission import BudgetView, Decision, decide
from rating.control.budget import BudgetUse
from rating.control.measure import contribution, covers
from rating.control.quota import QuotaUse
from rating.control.request import Request
from rating.period import stamp

if TYPE_CHECKING:
    from rating.serve.state import Snapshot


@dataclass(frozen=True)
class Reservation:
    id: str
    request: Request
    costs: Mapping[str, Decimal]  # forecast cost by budget id
    deadline: float  # monotonic; a pending reservation expires then
    expires_at: datetime  # the same, on the wall clock (shown)
    confirmed_at: datetime | None = None  # the service's instant of the confirmation

    def as_json(self) -> dict[str, Any]:
        confirmed = self.confirmed_at is not None
        return {
            "id": self.id,
            "state": "confirmed" if confirmed else "pending",
            "expiresAt": None if confirmed else stamp(self.expires_at),
            "confirmedAt": stamp(self.confirmed_at) if confirmed else None,
            "request": self.request.as_json(),
        }


@dataclass(frozen=True)
class Reserved:
    """Quota and budget uses with the reservations added, and what they add (for display)."""

    quotas: list[QuotaUse]
    budgets: list[BudgetUse]
    by_quota: Mapping[str, Fraction]
    by_budget: Mapping[str, Decimal]


class Ledger:
    """The outstanding reservations, and the one lock admits are decided under."""

    def __init__(self, ttl: timedelta, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[str, Reservation] = {}
        self._pending: deque[tuple[float, str]] = deque()  # by deadline: one ttl for all
        self._generation = 0  # of the snapshot _by_quota was computed for
        self._by_quota: defaultdict[str, Fraction] = defaultdict(Fraction)
        self._by_budget: defaultdict[str, Decimal] = defaultdict(Decimal)
        self.counts: Counter[str] = Counter()  # allow, deny, confirmed, cancelled, expired, …

    def admit(
        self, snapshot: Snapshot, request: Request, costs: Mapping[str, Decimal]
    ) -> tuple[Decision, Reservation | None]:
        """Decide ``request`` (``costs``: its forecast cost by budget) and reserve it if allowed."""
        with self._lock:
            reserved = self._reserved(snapshot)
            budgets = BudgetView(reserved.budgets, costs)
            decision = decide(
                snapshot.ratecard.model.controls,
                reserved.quotas,
                snapshot.factors,
                request,
                budgets,
            )
            self.counts["allow" if decision.allowed else "deny"] += 1
            if not decision.allowed or request.action != "create":
                return decision, None
            deadline = self._clock() + self.ttl.total_seconds()
            reservation = Reservation(
                id=str(uuid.uuid4()),
                request=request,
                costs=dict(costs),
                deadline=deadline,
                expires_at=datetime.now(UTC) + self.ttl,
            )
            self._held[reservation.id] = reservation
            self._pending.append((deadline, reservation.id))
            self._count(reservation, snapshot, 1)
            self.counts["reserved"] += 1
            return decision, reservation

    def confirm(self, reservation_id: str, snapshot: Snapshot, now: datetime) -> Reservation | None:
        """The reservation, confirmed (again: idempotent); None if unknown, expired or cancelled."""
        with self._lock:
            self._expire(snapshot)
            held = self._held.get(reservation_id)
            if held is None or held.confirmed_at is not None:
                return held
            confirmed = replace(held, confirmed_at=now)
            self._held[reservation_id] = confirmed
            self.counts["confirmed"] += 1
            return confirmed

    def cancel(self, reservation_id: str, snapshot: Snapshot) -> Reservation | None:
        """Release the reservation (pending or confirmed); None if there is none by that id."""
        with self._lock:
            self._expire(snapshot)
            held = self._held.pop(reservation_id, None)
            if held is not None:
                self._count(held, snapshot, -1)
                self.counts["cancelled"] += 1
            return held

    def status(self, snapshot: Snapshot) -> Reserved:
        """Quota and budget uses as the next admit would see them."""
        with self._lock:
            return self._reserved(snapshot)

    def settle(self, snapshot: Snapshot) -> None:
        """After a reload: drop confirmed reservations the samples have caught up with."""
        newest = snapshot.newest_sample
        with self._lock:
            self._expire(snapshot)
            if newest is None:
                return
            for held in list(self._held.values()):
                if held.confirmed_at is not None and held.confirmed_at <= newest:
                    del self._held[held.id]
                    self._count(held, snapshot, -1)
                    self.counts["settled"] += 1

    def held(self, snapshot: Snapshot) -> Counter[str]:
        """Outstanding reservations by state (pending, confirmed)."""
        with self._lock:
            self._expire(snapshot)
            return Counter(
                "pending" if r.confirmed_at is None else "confirmed" for r in self._held.values()
            )

    def _reserved(self, snapshot: Snapshot) -> Reserved:
        self._expire(snapshot)
        quotas = [
            replace(use, used=use.used + self._by_quota[use.quota.id])
            if use.quota.id in self._by_quota
            else use
            for use in snapshot.quotas
        ]
        budgets = [
            replace(use, forecast=use.forecast + self._by_budget[use.budget.id])
            if use.budget.id in self._by_budget
            else use
            for use in snapshot.budgets
        ]
        return Reserved(quotas, budgets, dict(self._by_quota), dict(self._by_budget))

    def _expire(self, snapshot: Snapshot) -> None:
        """Release pending reservations past their deadline; recount for a new snapshot."""
        if self._generation != snapshot.generation:  # another catalog: other quotas
            self._generation = snapshot.generation
            self._by_quota.clear()
            self._by_budget.clear()
            for held in self._held.values():
                self._count(held, snapshot, 1)
        now = self._clock()
        while self._pending and self._pending[0][0] <= now:
            _, reservation_id = self._pending.popleft()
            held = self._held.get(reservation_id)
            if held is not None and held.confirmed_at is None:
                del self._held[reservation_id]
                self._count(held, snapshot, -1)
                self.counts["expired"] += 1

    def _count(self, held: Reservation, snapshot: Snapshot, sign: int) -> None:
        """Add (``sign`` 1) or take away (−1) what a reservation holds of each quota and budget."""
        request = held.request
        for use in snapshot.quotas:
            quota = use.quota
            if not covers(
                quota, request.tenant, request.cell, request.resource_type, request.traits
            ):
                continue
            each = contribution(quota, request.traits, snapshot.factors[quota.id])
            if each is not None:  # a request lacking a summed trait was denied, never reserved
                self._by_quota[quota.id] += sign * each * request.count
        for budget_id, cost in held.costs.items():
            self._by_budget[budget_id] += sign * cost
