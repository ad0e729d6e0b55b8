"""Plan a synthetic fleet from a seed and expand it into sample batches.

Planning is per resource (a few NumPy draws for the whole fleet); expanding is
per sample but fully vectorized: every column of a batch is a ``take`` from a
per-resource array plus ``if_else`` for the resized and stopped stretches. So
ten million samples cost seconds, and memory is bounded by the batch size.

Rows come resource by resource, each resource's samples in time order. Samples
sit on the ticks ``period.start + k * interval``; a resource lives on the ticks
``[first, last]`` of its lifetime.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rating.generate.kinds import KINDS, TRAIT_TYPES, is_none
from rating.period import Period

LOCATIONS = ("eu-de-1", "eu-de-2")
NEVER = np.iinfo(np.int64).max

SCOPE_COLUMNS = (
    "scope.platformType",
    "scope.location",
    "scope.platformInstance",
    "scope.tenant",
    "scope.cell",
)
# A tenant's cells (scope.cell, issue #17): each resource sits in one, from its role draw.
CELLS = ("web", "data", "batch")


def sample_schema() -> pa.Schema:
    """The flat sample schema the generator writes (CSV/Parquet column names)."""
    fixed = [
        pa.field("time", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("resource.id", pa.string(), nullable=False),
        pa.field("resource.type", pa.string(), nullable=False),
        pa.field("resource.name", pa.string()),
        pa.field("scope.platformType", pa.string(), nullable=False),
        pa.field("scope.location", pa.string()),
        pa.field("scope.platformInstance", pa.string()),
        pa.field("scope.tenant", pa.string()),
        pa.field("scope.cell", pa.string()),
    ]
    traits = [pa.field(f"traits.{name}", kind) for name, kind in TRAIT_TYPES.items()]
    return pa.schema(fixed + traits)


@dataclass(frozen=True)
class _Trait:
    """One trait column per resource: its value before/after a resize and while stopped.

    ``after`` / ``stopped`` are None when no resource of the fleet changes it.
    """

    before: pa.Array
    after: pa.Array | None
    stopped: pa.Array | None


@dataclass(frozen=True)
class Fleet:
    """A planned fleet: per-resource identity, scope, lifetime and trait values.

    Ticks are indices into the period's sample times. A resource is sampled on
    ticks ``first ≤ k < end``; from tick ``resized`` on it carries its resized
    traits; on ticks ``stop_from ≤ k < stop_until`` it is stopped.
    """

    period: Period
    interval: timedelta
    ticks: int
    resources: pa.RecordBatch  # resource.* and scope.* columns, one row per resource
    first: np.ndarray
    end: np.ndarray
    resized: np.ndarray
    stop_from: np.ndarray
    stop_until: np.ndarray
    traits: dict[str, _Trait]

    @property
    def samples(self) -> int:
        """How many samples :meth:`batches` yields in total."""
        return int((self.end - self.first).sum())

    def tick_times(self) -> pa.Array:
        """The sample times of all ticks, as ``timestamp[us, UTC]``."""
        start_us = int(self.period.start.timestamp()) * 1_000_000
        step_us = self.interval // timedelta(microseconds=1)
        return pa.array(
            start_us + np.arange(self.ticks, dtype=np.int64) * step_us,
            pa.timestamp("us", tz="UTC"),
        )

    def batches(self, max_rows: int = 1 << 19) -> Iterator[pa.RecordBatch]:
        """Yield the samples in batches of about ``max_rows`` rows (whole resources per batch)."""
        lengths = self.end - self.first
        cumulative = np.concatenate([[0], np.cumsum(lengths)])
        times = self.tick_times()
        schema = sample_schema()
        low = 0
        while low < len(lengths):
            high = int(np.searchsorted(cumulative, cumulative[low] + max_rows, side="right")) - 1
            high = max(high, low + 1)
            yield self._batch(low, high, lengths, times, schema)
            low = high

    def _batch(
        self, low: int, high: int, lengths: np.ndarray, times: pa.Array, schema: pa.Schema
    ) -> pa.RecordBatch:
        counts = lengths[low:high]
        resource = np.repeat(np.arange(low, high, dtype=np.int64), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        tick = self.first[resource] + (np.arange(len(resource), dtype=np.int64) - starts)
        take = pa.array(resource)
        after = pa.array(tick >= self.resized[resource])
        stopped = pa.array((tick >= self.stop_from[resource]) & (tick < self.stop_until[resource]))
        columns = [times.take(pa.array(tick))]
        columns += [self.resources.column(name).take(take) for name in self.resources.schema.names]
        for name in TRAIT_TYPES:
            columns.append(self._trait_column(self.traits[name], take, after, stopped))
        return pa.RecordBatch.from_arrays(columns, schema=schema)

    @staticmethod
    def _trait_column(
        trait: _Trait, take: pa.Array, after: pa.Array, stopped: pa.Array
    ) -> pa.Array:
        column = trait.before.take(take)
        if trait.after is not None:
            column = pc.if_else(after, trait.after.take(take), column)
        if trait.stopped is not None:
            value = trait.stopped.take(take)
            column = pc.if_else(pc.and_(stopped, pc.is_valid(value)), value, column)
        return column


def plan_fleet(
    resources: int,
    period: Period,
    seed: int,
    interval: timedelta = timedelta(hours=1),
    tenants: int = 40,
) -> Fleet:
    """Draw ``resources`` resources of mixed kinds; the same arguments give the same fleet.

    Every kind appears once before the rest is drawn by weight, so a fleet of at
    least ``len(KINDS)`` resources has them all. About a fifth of the resources
    are created after the period starts, a sixth deleted before it ends; some
    are resized or stopped for a while (see ``Kind.resize`` / ``Kind.stop``).
    """
    rng = np.random.default_rng(seed)
    ticks = -(-(period.end - period.start) // interval)
    weights = np.array([kind.weight for kind in KINDS], dtype=float)
    kind = np.concatenate(
        [
            np.arange(min(resources, len(KINDS))),
            rng.choice(len(KINDS), size=max(resources - len(KINDS), 0), p=weights / weights.sum()),
        ]
    ).astype(np.int64)

    tenant_weights = 1.0 / np.arange(1, tenants + 1) ** 0.8
    tenant = rng.choice(tenants, size=resources, p=tenant_weights / tenant_weights.sum())
    location = np.array(LOCATIONS, dtype=object)[rng.integers(0, len(LOCATIONS), resources)]

    first = np.where(rng.random(resources) < 0.2, rng.integers(1, max(ticks, 2), resources), 0)
    first = np.minimum(first, ticks - 1)
    deleted = rng.random(resources) < 0.15
    end = np.where(deleted, first + 1 + rng.integers(0, ticks, resources) % (ticks - first), ticks)

    resize_p = np.array([k.resize for k in KINDS])[kind]
    stop_p = np.array([k.stop for k in KINDS])[kind]
    resized = _inner_tick(rng, first, end, rng.random(resources) < resize_p)
    stop_from = _inner_tick(rng, first, end, rng.random(resources) < stop_p)
    stop_length = rng.integers(1, max(ticks // 4, 2), resources)
    stop_until = np.where(stop_from == NEVER, NEVER, np.minimum(stop_from + stop_length, end))

    identity = _identities(rng, kind, tenant, location)
    traits = _traits(rng, kind, location, resources)
    return Fleet(
        period, interval, int(ticks), identity, first, end, resized, stop_from, stop_until, traits
    )


def _inner_tick(
    rng: np.random.Generator, first: np.ndarray, end: np.ndarray, chosen: np.ndarray
) -> np.ndarray:
    """A tick strictly inside each chosen resource's lifetime; NEVER if unchosen or too short."""
    span = end - first
    offset = 1 + rng.integers(0, np.iinfo(np.int64).max, len(first)) % np.maximum(span - 1, 1)
    return np.where(chosen & (span >= 2), first + offset, NEVER)


def _identities(
    rng: np.random.Generator, kind: np.ndarray, tenant: np.ndarray, location: np.ndarray
) -> pa.RecordBatch:
    """Ids (UUID-shaped, from the seed), names and scope of every resource."""
    raw = rng.integers(0, 256, size=(len(kind), 16), dtype=np.uint8)
    hexes = [row.tobytes().hex() for row in raw]
    ids = [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexes]
    role = rng.integers(0, 1 << 30, len(kind))
    instance = rng.integers(0, 1 << 30, len(kind))
    names, types, platforms, instances = [], [], [], []
    for number, (k, r, i) in enumerate(
        zip(kind.tolist(), role.tolist(), instance.tolist(), strict=True)
    ):
        spec = KINDS[k]
        names.append(f"{spec.name_prefixes[r % len(spec.name_prefixes)]}-{number:05d}")
        types.append(spec.type)
        platforms.append(spec.platform_type)
        instances.append(spec.instances[i % len(spec.instances)])
    return pa.RecordBatch.from_pydict(
        {
            "resource.id": pa.array(ids, pa.string()),
            "resource.type": pa.array(types, pa.string()),
            "resource.name": pa.array(names, pa.string()),
            "scope.platformType": pa.array(platforms, pa.string()),
            "scope.location": pa.array(location.tolist(), pa.string()),
            "scope.platformInstance": pa.array(instances, pa.string()),
            "scope.tenant": pa.array([f"proj-{t + 1:02d}" for t in tenant.tolist()], pa.string()),
            "scope.cell": pa.array([CELLS[r % len(CELLS)] for r in role.tolist()], pa.string()),
        }
    )


def _traits(
    rng: np.random.Generator, kind: np.ndarray, location: np.ndarray, resources: int
) -> dict[str, _Trait]:
    """Per-resource trait arrays for the whole fleet, filled kind by kind."""
    before = {name: np.full(resources, None, dtype=object) for name in TRAIT_TYPES}
    after: dict[str, np.ndarray] = {}
    stopped: dict[str, np.ndarray] = {}
    for index, spec in enumerate(KINDS):
        members = np.flatnonzero(kind == index)
        draw = spec.draw(rng, len(members), location[members])
        for name, values in draw.before.items():
            before[name][members] = values
        for changes, values_by_name in ((after, draw.after), (stopped, draw.stopped)):
            for name, values in values_by_name.items():
                column = changes.setdefault(name, np.full(resources, None, dtype=object))
                column[members] = values
    for name, column in after.items():
        # Traits a resize leaves alone keep their value; others take the resized one.
        after[name] = np.where(is_none(column), before[name], column)
    return {
        name: _Trait(
            pa.array(before[name], kind_type),
            pa.array(after[name], kind_type) if name in after else None,
            pa.array(stopped[name], kind_type) if name in stopped else None,
        )
        for name, kind_type in TRAIT_TYPES.items()
    }
