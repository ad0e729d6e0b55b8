"""One way to run a compiled plan, whatever engine holds the samples.

A plan (:mod:`rating.rate.plan`) is the same for DuckDB and Spark; so is the
order of running it: register the lookup tables, materialize the stages of
:meth:`~rating.rate.plan.RatingPlan.run_order`, read the counts and the
unmatched groups. Engines differ only in how a table is registered, how a
stage is materialized (and its failures reported) and how rows come back: the
:class:`Backend` an engine adapts its session to, in the spirit of SQLMesh's
engine adapters. DuckDB's adapter is in :mod:`rating.rate.engine`, Spark's in
:mod:`rating.rate.spark`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import pyarrow as pa

from rating.model import Catalog
from rating.rate.matching import unmatched_groups
from rating.rate.plan import RatingPlan, Stage
from rating.rate.result import Counts, UnmatchedGroup


class Backend(Protocol):
    """An engine session holding the sample table ``s``, as a plan's run needs it."""

    def register(self, name: str, table: pa.Table) -> None:
        """Make ``table`` readable under ``name``, replacing an earlier one."""

    def materialize(self, stage: Stage) -> None:
        """Run ``stage`` into a table (or view) of its name, replacing an earlier one."""

    def first_row(self, sql: str) -> Sequence[Any] | None:
        """The first row of ``sql``'s result, None when it has none."""

    def rows(self, sql: str) -> Sequence[Sequence[Any]]:
        """Every row of ``sql``'s result."""


def run_plan(backend: Backend, plan: RatingPlan, read: int, rejected: int = 0) -> Counts:
    """Run every stage of ``plan`` on ``backend``'s samples; the reconciliation.

    The stages replace an earlier plan's of the same name (``ratecard diff``
    runs one plan after another in one session).
    """
    for name, table in (
        ("entries", plan.entries),
        ("tiers", plan.tiers),
        ("segments", plan.segments),
    ):
        backend.register(name, table)
    for stage in plan.run_order(lambda: backend.first_row(plan.duplicates_sql)[0]):
        backend.materialize(stage)
    return plan.counts(backend.first_row(plan.counts_sql), read, rejected)


def unmatched(backend: Backend, plan: RatingPlan, catalog: Catalog) -> list[UnmatchedGroup]:
    """Unmatched samples per resource type, with the reference's nearest-product hint.

    The hint judges the earliest unmatched sample of one resource of the type
    (the normalized-sample shape), fetched for every type at once.
    """
    per_type = backend.rows(plan.unmatched_sql)
    resources = [(resource_id, type_id) for type_id, _, _, resource_id in per_type]
    earliest: dict[tuple[str, str], dict] = {}
    for found in backend.rows(plan.first_unmatched_sql(resources)) if resources else ():
        row = plan.sample_row(dict(zip(plan.kept_columns, found, strict=True)))
        earliest[row["resource_id"], row["resource_type"]] = row
    return unmatched_groups(
        catalog, per_type, lambda resource_id, type_id: earliest.get((resource_id, type_id))
    )
