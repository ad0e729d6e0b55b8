"""What a compiled plan is: its stages and lookup tables, and the order engines run them in."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa

from rating.period import from_epoch_us
from rating.rate.dialect import Dialect
from rating.rate.result import Counts


@dataclass(frozen=True)
class Stage:
    """One step of the plan: a SELECT whose result later stages read under ``name``."""

    name: str
    sql: str
    view: bool = False  # cheap to recompute: a view, not a stored table


@dataclass(frozen=True)
class RatingPlan:
    """Everything the engine needs: lookup tables and the SQL of each stage.

    The engine loads the input into table ``s`` (every column but the source position),
    registers :attr:`entries`, :attr:`tiers`, :attr:`segments` under those names, materializes the
    stages of :meth:`run_order` in order (a stage may replace an earlier one of
    the same name), then reads :attr:`line_items_sql`, :attr:`counts_sql` and
    :attr:`unmatched_sql`.
    """

    entries: pa.Table  # one row per catalog entry (entry_idx = catalog order)
    tiers: pa.Table  # price tiers per entry, in 10^-12 units
    segments: pa.Table  # the time line cut where pieces are cut (measure.segments_table)
    stages: tuple[Stage, ...]  # in order, for inputs without repeated (resource, time) keys
    deduplication: tuple[Stage, ...]  # redone after stage ``dupkeys`` when it has rows
    line_items_sql: str  # final SELECT in LINE_ITEM_SCHEMA, sorted by LINE_ITEM_ORDER
    counts_sql: str  # one row: duplicates, rated, unmatched, outside_period, missing_state
    duplicates_sql: str  # one row, one boolean: do some samples repeat a (resource, time)?
    unmatched_sql: str  # per resource type: samples, resources, first unmatched resource
    kept_columns: tuple[str, ...]  # of stage ``kept``: ``t`` (µs) and the columns rating reads
    dialect: Dialect  # the engine the SQL is spelled for

    def run_order(self, has_duplicates: Callable[[], bool]) -> Iterator[Stage]:
        """The stages to materialize, in order.

        ``has_duplicates`` is asked once stage ``dupkeys`` exists (it runs
        :attr:`duplicates_sql`): only then are the samples deduplicated and
        scanned again.
        """
        for stage in self.stages:
            yield stage
            if stage.name == "dupkeys" and has_duplicates():
                yield from self.deduplication

    def counts(self, row: Sequence[int], read: int, rejected: int = 0) -> Counts:
        """The reconciliation from :attr:`counts_sql`'s one row."""
        duplicates, rated, unmatched, outside, missing_state = row
        return Counts(
            read=read,
            rejected=rejected,
            duplicates=duplicates,
            outside_period=outside,
            rated=rated,
            unmatched=unmatched,
            missing_state=missing_state,
        )

    @staticmethod
    def sample_row(row: dict) -> dict:
        """A row of :meth:`first_unmatched_sql` in the normalized-sample shape."""
        return {**row, "time": from_epoch_us(row.pop("t"))}

    def first_unmatched_sql(self, resources: Sequence[tuple[str, str]]) -> str:
        """The earliest unmatched sample of each ``(resource id, type)``: the
        nearest-product hint of that type's group (an id may change type).

        One query for every group, in :attr:`kept_columns`: each of them would
        scan the samples again.
        """
        d = self.dialect
        listed = ", ".join(d.identifier(c) for c in self.kept_columns)
        wanted = " OR ".join(
            f"(k.resource_id = {d.literal(resource_id)} AND k.resource_type = {d.literal(type_id)})"
            for resource_id, type_id in resources
        )
        return f"""SELECT {listed} FROM (
              SELECT k.*, ROW_NUMBER() OVER (
                PARTITION BY k.resource_id, k.resource_type ORDER BY k.t) AS earliest
              FROM kept k JOIN status x ON x.resource_id = k.resource_id AND x.t = k.t
              WHERE x.status = 'unmatched' AND ({wanted or "FALSE"})
            ) f WHERE earliest = 1"""
