"""The resources a fleet holds at an instant: each resource's latest state at or before it.

Samples come from the rating readers (validated, rejects counted); of several
samples of one resource at one time the one the rating engines keep is kept
(:func:`rating.rate.reference.duplicate_key`). A resource whose latest row is a
``delete`` holds nothing, and so does one whose latest row is a plain sample
(no event) older than its sampling interval: the engines bill a sample for
that interval only (sample-and-hold), so the resource is gone after it —
unless a create or update came before it (and no delete since): such a
resource exists until an event ends it, as the engines bill it. Every row read
is accounted for in :class:`StateCounts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rating.rate.reference import duplicate_key
from rating.rate.result import RateOptions

_TRAIT = "traits."


@dataclass(frozen=True)
class Resource:
    """One live resource as of the instant: where it runs, who holds it, its traits."""

    id: str
    type: str
    tenant: str | None
    cell: str | None
    time: datetime  # of the state it is in
    traits: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class StateCounts:
    """read = current + deleted + ended + superseded + after + rejected + duplicates."""

    read: int = 0
    current: int = 0  # rows that are a live resource's latest state
    deleted: int = 0  # rows that are a deleted resource's last event
    ended: int = 0  # a resource's last sample, its interval over before the instant
    superseded: int = 0  # earlier states of a resource
    after: int = 0  # rows later than the instant
    rejected: int = 0
    duplicates: int = 0  # another sample of the resource at the same time was kept

    @property
    def reconciles(self) -> bool:
        parts = (self.current, self.deleted, self.ended, self.superseded, self.after)
        return self.read == sum(parts) + self.rejected + self.duplicates


@dataclass(frozen=True)
class Holdings:
    """The live resources at ``at`` (sorted by id) and what became of every sample."""

    at: datetime
    resources: tuple[Resource, ...]
    counts: StateCounts


def holdings(
    batches: Iterable[pa.RecordBatch], at: datetime, options: RateOptions | None = None
) -> Holdings:
    """The latest state at or before ``at`` of every resource in ``batches``.

    ``options`` holds the sampling intervals, as for rating (default 1 h).
    """
    options = options or RateOptions()
    counts = StateCounts()
    latest: dict[str, dict[str, Any]] = {}
    latest_event: dict[str, tuple[datetime, str]] = {}  # events are few: Python rows
    for batch in batches:
        table = pa.Table.from_batches([batch])
        until = table.filter(
            pc.less_equal(table["time"], pa.scalar(at, table.schema.field("time").type))
        )
        counts.after += table.num_rows - until.num_rows
        events = until.filter(pc.is_valid(until["event"])).select(["resource_id", "time", "event"])
        for row in events.to_pylist():
            seen = latest_event.get(row["resource_id"])
            # The latest; of two at one time the least, as the engines' events table.
            if seen is None or (row["time"], seen[1]) > (seen[0], row["event"]):
                latest_event[row["resource_id"]] = (row["time"], row["event"])
        candidates = _latest_rows(until)
        counts.superseded += until.num_rows - candidates.num_rows
        for row in candidates.to_pylist():
            kept = latest.get(row["resource_id"])
            if kept is None:
                latest[row["resource_id"]] = row
            elif row["time"] != kept["time"]:
                counts.superseded += 1
                if row["time"] > kept["time"]:
                    latest[row["resource_id"]] = row
            else:
                counts.duplicates += 1
                if duplicate_key(row) < duplicate_key(kept):
                    latest[row["resource_id"]] = row
    resources = []
    for row in latest.values():
        if row.get("event") == "delete":
            counts.deleted += 1
            continue
        exists = latest_event.get(row["resource_id"], (None, None))[1] in ("create", "update")
        if (
            row.get("event") is None
            and not exists
            and row["time"] + options.interval_for(row["resource_type"]) <= at
        ):
            counts.ended += 1
            continue
        counts.current += 1
        resources.append(_resource(row))
    counts.read = counts.current + counts.deleted + counts.ended + counts.superseded + counts.after
    counts.read += counts.duplicates
    return Holdings(at, tuple(sorted(resources, key=lambda r: r.id)), counts)


def _latest_rows(table: pa.Table) -> pa.Table:
    """Each resource's rows at its latest time in ``table`` (in Arrow: most rows never
    become Python objects); several at one time are left for :func:`duplicate_key`."""
    if table.num_rows == 0:
        return table
    keys = pa.table(
        {
            "resource_id": table["resource_id"],
            "time": table["time"],
            "row": pa.array(range(table.num_rows), pa.int64()),
        }
    )  # joined without the traits: Arrow joins no list columns
    latest = keys.group_by("resource_id").aggregate([("time", "max")])
    joined = keys.join(latest, "resource_id")
    rows = joined.filter(pc.equal(joined["time"], joined["time_max"]))["row"]
    return table.take(rows)


def _resource(row: dict[str, Any]) -> Resource:
    return Resource(
        id=row["resource_id"],
        type=row["resource_type"],
        tenant=row.get("tenant"),
        cell=row.get("cell"),
        time=row["time"],
        traits={
            name.removeprefix(_TRAIT): value
            for name, value in row.items()
            if name.startswith(_TRAIT) and value is not None
        },
    )
