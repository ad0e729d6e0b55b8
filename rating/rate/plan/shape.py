"""The facts of a catalog and an input that the plan's SQL text is generated from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from rating.model import Catalog, Product, UsageKind
from rating.period import Period
from rating.rate.dialect import Dialect
from rating.rate.plan.arithmetic import td_us, to_us
from rating.rate.result import RateOptions
from rating.rate.timeline import (
    is_calendar,
    month_weight,
    months,
    split_points,
    validity_boundaries,
)
from rating.scopes import (
    MATCHED_SCOPE_COLUMNS,
    SCOPE_COLUMNS,
    is_kept_label,
    label_column,
    read_label_columns,
)

_NOT_IN_KEY = {"resource_id", "time", "source_file", "source_line"}


@dataclass(frozen=True)
class Shape:
    """The catalog- and input-dependent facts the SQL text is generated from."""

    d: Dialect
    input_columns: tuple[str, ...]  # the columns of the ingested sample table ``s``
    p0: int
    p1: int
    days: int
    default_iv: int
    type_intervals: dict[str, int]
    key_columns: tuple[str, ...]
    cond_traits: tuple[str, ...]
    usage_traits: dict[str, int]
    usage_types: dict[str, pa.DataType]
    boundaries: list[int]  # every validity boundary (µs): where entries start or stop
    cuts: list[int]  # where intervals are cut into pieces (µs), inside the period
    months: list[tuple[int, int]]  # (start µs, month weight) of each month, if any is calendar
    filters: tuple[str, ...]  # the distinct entry filters (SQL), numbered by entries.filter_no
    one_time: bool  # any OneTime entry: the resource's first sample time is needed
    creation_cuts: list[int]  # where grandfathered entries' creation windows start or stop (µs)
    dimensions: tuple[str, ...]  # label columns carried to line items (label.<name>)
    cell_from: tuple[str, ...]  # label columns giving the cell when scope.cell is null

    @property
    def carried(self) -> tuple[str, ...]:
        """What a line item carries of its samples: the scope, then the label dimensions.
        A change of any splits a slice."""
        return (*SCOPE_COLUMNS, *self.dimensions)

    @property
    def kept_columns(self) -> tuple[str, ...]:
        """What rating reads of a sample: its time in µs and the columns rules depend on."""
        base = ["t", "event", "resource_id", "resource_type", "resource_name", *self.carried]
        return tuple(dict.fromkeys([*base, *self.cond_traits, *self.usage_traits]))

    @property
    def shape_columns(self) -> list[str]:
        """Everything of a sample that matching, measuring and its line item depend on."""
        named = ["resource_type", "resource_name", *self.carried, *self.cond_traits]
        return list(dict.fromkeys([*named, *self.usage_traits]))

    @property
    def sig_columns(self) -> list[str]:
        """Everything matching depends on: equal signatures match the same entries."""
        presence = [f"present_{i}" for i in self.usage_traits.values()]
        created = ["created_seg"] if self.creation_cuts else []
        matched = MATCHED_SCOPE_COLUMNS
        return ["resource_type", *matched, *self.cond_traits, "vstart", *created, *presence]


def shape_of(
    catalogs: Sequence[Catalog],
    period: Period,
    options: RateOptions,
    schema: pa.Schema,
    dialect: Dialect,
    numbers: dict[str, int],
    creation_cuts: list[int],
    filters: tuple[str, ...] = (),
) -> Shape:
    """What the SQL text of ``catalogs`` is generated from: for one catalog its own
    facts, for a group of catalogs sharing a scan everything any of them needs.

    ``numbers`` numbers the usage trait columns and ``creation_cuts`` are the
    grandfathering cuts of the whole group, so every plan of the group agrees
    on the scan's ``present_<n>`` and ``created_seg`` columns.
    """
    types = {f.name: f.type for f in schema}
    products = [p for catalog in catalogs for p in catalog.products]
    usage_traits = {column: numbers[column] for column in usage_columns(products, types)}
    labels = (n for catalog in catalogs for n in catalog.dimensions.labels)
    return Shape(
        d=dialect,
        input_columns=tuple(n for n in schema.names if n not in ("source_file", "source_line")),
        p0=to_us(period.start),
        p1=to_us(period.end),
        days=period.days,
        default_iv=td_us(options.interval),
        type_intervals={t: td_us(d) for t, d in options.interval_by_type.items()},
        key_columns=_key_columns(schema.names, catalogs),
        cond_traits=tuple(_condition_columns(products, types)),
        usage_traits=usage_traits,
        usage_types={c: types[c] for c in usage_traits},
        boundaries=[to_us(b) for b in validity_boundaries(products)],
        cuts=[to_us(c) for c in split_points(products, period)],
        months=[(to_us(m), month_weight(m)) for m in months(period)]
        if any(is_calendar(p) for p in products)
        else [],
        filters=filters,
        one_time=any(p.usage.kind == UsageKind.ONE_TIME for p in products),
        creation_cuts=creation_cuts,
        dimensions=tuple(label_column(n) for n in dict.fromkeys(labels)),
        cell_from=tuple(label_column(n) for n in catalogs[0].dimensions.cell_from_label),
    )


def _key_columns(names: Sequence[str], catalogs: Sequence[Catalog]) -> tuple[str, ...]:
    """What picks one of several samples with the same (resource, time), in name order:
    every column but the key and source position, and of the labels only those the
    catalogs read — a file's reader drops the others, so a table holding them picks alike."""
    read = set(read_label_columns(catalogs))
    return tuple(
        sorted(n for n in names if n not in _NOT_IN_KEY and (not is_kept_label(n) or n in read))
    )


def _condition_columns(products: Sequence[Product], types: dict[str, pa.DataType]) -> list[str]:
    """The trait columns the input has that filters read, in catalog order."""
    named = (f"traits.{cond.trait}" for p in products for cond in p.filter)
    return [column for column in dict.fromkeys(named) if column in types]


def usage_columns(products: Sequence[Product], types: dict[str, pa.DataType]) -> list[str]:
    """The trait columns the input has that TimeQuantity and Quantity usages measure."""
    measured = (UsageKind.TIME_QUANTITY, UsageKind.QUANTITY)
    named = (f"traits.{p.usage.trait}" for p in products if p.usage.kind in measured)
    return [column for column in dict.fromkeys(named) if column in types]
