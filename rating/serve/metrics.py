"""``GET /metrics``: the service in Prometheus' text format (version 0.0.4).

Admits by decision, reservations by state and by what became of them,
reloads and whether the last failed, and every quota's and budget's use (with
reservations) against its limit, so alerts can be written on either side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rating.control.levels import decimal, plain
from rating.serve.reservations import Ledger
from rating.serve.state import Live

_RESERVATION_EVENTS = ("reserved", "confirmed", "cancelled", "expired", "settled")


def metrics_text(live: Live, ledger: Ledger) -> str:
    snapshot = live.snapshot
    reserved = ledger.status(snapshot)
    held = ledger.held(snapshot)
    lines: list[str] = []

    def family(name: str, kind: str, about: str, samples: Iterable[tuple[dict, object]]) -> None:
        lines.append(f"# HELP {name} {about}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{name}{_labels(labels)} {value}" for labels, value in samples)

    counts = ledger.counts
    family(
        "ratecard_admits_total",
        "counter",
        "Admission decisions made.",
        [({"decision": d}, counts[d]) for d in ("allow", "deny")],
    )
    family(
        "ratecard_reservation_events_total",
        "counter",
        "Reservations made, confirmed, cancelled, expired and settled by samples.",
        [({"event": e}, counts[e]) for e in _RESERVATION_EVENTS],
    )
    family(
        "ratecard_reservations",
        "gauge",
        "Outstanding reservations.",
        [({"state": s}, held[s]) for s in ("pending", "confirmed")],
    )
    family(
        "ratecard_reloads_total",
        "counter",
        "Reloads of the catalog and samples.",
        [({"result": r}, live.reloads[r]) for r in ("ok", "failed")],
    )
    family(
        "ratecard_reload_failed",
        "gauge",
        "1 while the last reload failed and the previous catalog stays in force.",
        [({}, int(live.error is not None))],
    )
    family(
        "ratecard_snapshot_timestamp_seconds",
        "gauge",
        "When the catalog and samples in force were loaded.",
        [({}, snapshot.loaded_at.timestamp())],
    )
    quotas = [
        (
            {
                "quota": use.quota.id,
                "tenant": use.quota.tenant,
                "cell": use.quota.cell or "",
                "unit": use.quota.measure.unit,
            },
            use,
        )
        for use in reserved.quotas
    ]
    family(
        "ratecard_quota_used",
        "gauge",
        "What each quota's tenant or cell holds, reservations included, in its unit.",
        [(labels, decimal(use.used)) for labels, use in quotas],
    )
    family(
        "ratecard_quota_limit",
        "gauge",
        "Each quota's limit, in its unit.",
        [(labels, plain(use.quota.limit)) for labels, use in quotas],
    )
    budgets = [
        (
            {
                "budget": use.budget.id,
                "tenant": use.budget.tenant,
                "cell": use.budget.cell or "",
                "currency": use.budget.currency,
            },
            use,
        )
        for use in reserved.budgets
    ]
    family(
        "ratecard_budget_spent",
        "gauge",
        "Each budget's month-to-date spend.",
        [(labels, plain(use.spent)) for labels, use in budgets],
    )
    family(
        "ratecard_budget_forecast",
        "gauge",
        "Each budget's forecast to the month's end, reservations included.",
        [(labels, plain(use.forecast)) for labels, use in budgets],
    )
    family(
        "ratecard_budget_amount",
        "gauge",
        "Each budget's monthly amount.",
        [(labels, plain(use.budget.amount)) for labels, use in budgets],
    )
    return "\n".join(lines) + "\n"


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escaped(value)}"' for key, value in labels.items())
    return "{" + inner + "}"


def _escaped(value: str) -> str:
    """A label value as the format wants it: backslash, double quote and line feed escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
