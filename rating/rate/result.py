"""What a rating run produces, shared by the reference rater and the engines.

Both implementations return a :class:`RatingResult` whose line items follow
:data:`LINE_ITEM_SCHEMA` exactly, sorted by :data:`LINE_ITEM_ORDER`, so that
results can be compared row for row and written byte-identically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal

import pyarrow as pa

from rating.period import Period
from rating.scopes import label_column

MONEY = pa.decimal128(38, 12)
TIMESTAMP = pa.timestamp("us", tz="UTC")

LINE_ITEM_SCHEMA = pa.schema(
    [
        ("period", pa.string()),
        ("tenant", pa.string()),
        ("platform_type", pa.string()),
        ("location", pa.string()),
        ("platform_instance", pa.string()),
        ("cell", pa.string()),
        ("resource_id", pa.string()),
        ("resource_type", pa.string()),
        ("resource_name", pa.string()),
        ("product_id", pa.string()),
        ("product_name", pa.string()),
        ("seller_id", pa.string()),
        ("seller_product_group", pa.string()),
        ("service_category", pa.string()),  # FOCUS ServiceCategory (rating.service_categories)
        ("usage_type", pa.string()),
        ("quantity", MONEY),
        ("unit", pa.string()),
        ("unit_price", MONEY),
        ("amount", MONEY),
        ("currency", pa.string()),
        ("start", TIMESTAMP),
        ("end", TIMESTAMP),
        ("catalog_version", pa.string()),
    ]
)


def line_item_schema(labels: Sequence[str] = ()) -> pa.Schema:
    """:data:`LINE_ITEM_SCHEMA` and, after it, one Text column ``label.<name>`` per
    allocation dimension (a catalog's ``dimensions.labels``, in order)."""
    return pa.schema([*LINE_ITEM_SCHEMA, *(pa.field(label_column(n), pa.string()) for n in labels)])


def conform(table: pa.Table, labels: Sequence[str] = ()) -> pa.Table:
    """An engine's line items cast to exactly :func:`line_item_schema` of ``labels``."""
    schema = line_item_schema(labels)
    return table.select(schema.names).cast(schema)


# Deterministic output order, whatever the engine, input order or batch size.
# Nulls sort first (the minimum-charge line of a group has no resource).
# A total order: after the leading keys every other column decides, so no tie is
# left to an engine (a resource's rows cover disjoint time, but lines of several
# entries of one product id, or of other pricing, may still agree on the keys).
_LEADING_ORDER = ("tenant", "product_id", "resource_id", "start", "end", "currency", "quantity")
LINE_ITEM_ORDER = (
    *_LEADING_ORDER,
    *(name for name in LINE_ITEM_SCHEMA.names if name not in _LEADING_ORDER),
)


def line_item_order(labels: Sequence[str] = ()) -> tuple[str, ...]:
    """:data:`LINE_ITEM_ORDER`, then the label dimensions' columns (lines may differ only there)."""
    return (*LINE_ITEM_ORDER, *(label_column(n) for n in labels))


SCALE = 12  # decimal places kept on quantities and amounts in line items


@dataclass(frozen=True)
class RateOptions:
    """Per-run knobs of the sample-and-hold semantics (DESIGN.md §3.2)."""

    interval: timedelta = timedelta(hours=1)
    interval_by_type: dict[str, timedelta] = field(default_factory=dict)

    def interval_for(self, resource_type: str) -> timedelta:
        return self.interval_by_type.get(resource_type, self.interval)


@dataclass
class Counts:
    """Reconciliation: read == rated + unmatched + rejected + duplicates + outside_period."""

    read: int = 0
    rejected: int = 0
    duplicates: int = 0
    outside_period: int = 0
    rated: int = 0
    unmatched: int = 0
    # Not part of the reconciliation: resources whose first row is an update or
    # delete inside the period, with no earlier state in the input (a warning).
    missing_state: int = 0

    @property
    def reconciles(self) -> bool:
        accounted = (
            self.rated + self.unmatched + self.rejected + self.duplicates + self.outside_period
        )
        return accounted == self.read

    def with_rejects(self, rejected: int) -> Counts:
        """These counts with the reader's rejects in: an engine only ever sees valid samples."""
        return replace(self, read=self.read + rejected, rejected=self.rejected + rejected)


@dataclass(frozen=True)
class UnmatchedGroup:
    """Samples of one resource type that no product matched, with a hint why."""

    resource_type: str
    samples: int
    resources: int
    hint: str | None  # e.g. 'nearest product "vm-vcpu": state = "SHUTOFF" not in ["ACTIVE"]'


@dataclass
class RatingResult:
    line_items: pa.Table  # LINE_ITEM_SCHEMA, sorted by LINE_ITEM_ORDER
    counts: Counts
    unmatched: list[UnmatchedGroup]
    catalog_version: str
    period: Period | None = None  # the period rated, when the engine inferred or knows it

    def totals(self) -> dict[str, Decimal]:
        """Sum of line-item amounts per currency (full precision)."""
        sums: dict[str, Decimal] = {}
        for currency, amount in zip(
            self.line_items.column("currency").to_pylist(),
            self.line_items.column("amount").to_pylist(),
            strict=True,
        ):
            sums[currency] = sums.get(currency, Decimal(0)) + amount
        return dict(sorted(sums.items()))
