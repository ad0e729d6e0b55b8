"""The reference rater: semantics.md written out as plain Python, the oracle for tests.

Every step follows the normative rating semantics literally and in order —
de-duplicate, build sample-and-hold intervals, match, measure, merge slices,
price groups — with exact ``Fraction`` quantities and ``Decimal`` money. It is
deliberately simple rather than fast; the engines must agree with it row for
row.

Choices the semantics leave open, fixed here (engines must do the same):

* ``counts.rejected`` stays 0: rejects never reach the batches; the caller
  adds them to both ``read`` and ``rejected``.
* A ``delete`` row inherits the status (rated / unmatched / outside_period) of
  the create/update interval it closes; with none open it is unmatched when
  its time lies in the period, else outside_period.
* The minimum-charge line takes product name, seller and resource_type from
  the group entry with the largest minimum charge (first in group order);
  its scope and resource columns are null except ``tenant``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import pyarrow as pa

from rating import units
from rating.model import Catalog, Product, UsageKind
from rating.period import Period
from rating.rate.matching import (
    as_fraction,
    nearest_hint,
    select_entries,
    trait_column,
    valid_at,
)
from rating.rate.pricing import list_unit_price, minimum_top_up, price_group, round_money
from rating.rate.result import (
    LINE_ITEM_ORDER,
    LINE_ITEM_SCHEMA,
    Counts,
    RateOptions,
    RatingResult,
    UnmatchedGroup,
)

_MICRO = timedelta(microseconds=1)
_NOT_IN_KEY = frozenset({"resource_id", "time", "source_file", "source_line"})
_TIME_KINDS = (UsageKind.TIME, UsageKind.TIME_QUANTITY, UsageKind.QUANTITY)


# ---------------------------------------------------------------- units


@lru_cache(maxsize=1024)
def _factor(from_unit: str, to_unit: str) -> Fraction:
    return units.conversion_factor(from_unit, to_unit)


@lru_cache(maxsize=1024)
def _per_second(trait_unit: str, usage_unit: str) -> Fraction:
    """Factor turning (trait value × seconds) into the usage unit."""
    if trait_unit == "1":
        return _factor("s", usage_unit)
    return _factor(units.multiply(trait_unit, "s"), usage_unit)


def _trait_unit(catalog: Catalog, resource_type: str, trait: str) -> str:
    declared = catalog.resource_type(resource_type)
    found = declared.trait(trait) if declared is not None else None
    return found.unit if found is not None and found.unit else "1"


# ---------------------------------------------------------------- duplicates


def duplicate_key(row: dict[str, Any]) -> tuple:
    """Which of several samples with one (resource_id, time) is kept: the smallest key.

    The key is every column except resource_id, time and the source position,
    in column-name order, each as ``(0,)`` when null else ``(1, value)``
    (lists as tuples) — so the choice does not depend on input order.
    """
    key = []
    for name in sorted(row):
        if name in _NOT_IN_KEY:
            continue
        value = row[name]
        if value is None:
            key.append((0,))
        else:
            key.append((1, _hashable(value)))
    return tuple(key)


# ---------------------------------------------------------------- matching


class _Matcher:
    """:func:`select_entries` for one resource type, memoized on what it can depend on.

    A match depends only on the scope fields, the values of filter traits,
    whether usage traits are present and which validity windows contain the
    sample time; rows equal in those match identically. This keeps the
    reference usable on benchmark-sized inputs without changing the rule.
    """

    def __init__(self, candidates: list[Product]) -> None:
        self.candidates = candidates
        self.filter_columns = sorted({trait_column(c.trait) for e in candidates for c in e.filter})
        self.usage_columns = sorted(
            {trait_column(e.usage.trait) for e in candidates if e.usage.trait}
        )
        self.timed = [e for e in candidates if e.valid_from or e.valid_until]
        self.cache: dict[tuple, dict[str, Product]] = {}

    def __call__(self, row: dict[str, Any]) -> dict[str, Product]:
        key = (
            row.get("resource_type"),
            *(row.get(f) for f in ("platform_type", "location", "platform_instance", "tenant")),
            *(_hashable(row.get(c)) for c in self.filter_columns),
            *(row.get(c) is None for c in self.usage_columns),
            *(valid_at(e, row["time"]) for e in self.timed),
        )
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = select_entries(self.candidates, row)
        return found


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# ---------------------------------------------------------------- intervals


@dataclass
class _Interval:
    """One kept row with its clipped coverage and the entries it matched."""

    row: dict[str, Any]
    start: datetime
    end: datetime
    winners: dict[str, Product]
    status: str  # "rated" | "unmatched" | "outside_period"


def _coverage(rows: list[dict[str, Any]], i: int, interval: timedelta, period: Period):
    """Raw coverage [start, end) of row ``i`` of a resource's time-sorted rows."""
    row = rows[i]
    time = row["time"]
    if row.get("event") is None:
        end = time + interval
        if i + 1 < len(rows):
            end = min(end, rows[i + 1]["time"])
        return time, end
    later = (r["time"] for r in rows[i + 1 :] if r.get("event") is not None)
    return time, next(later, max(time, period.end))


def _resource_intervals(
    rows: list[dict[str, Any]],
    match: _Matcher,
    interval: timedelta,
    period: Period,
) -> list[_Interval]:
    """Intervals of one resource, rows sorted by time and already de-duplicated."""
    result: list[_Interval] = []
    open_event: _Interval | None = None
    for i, row in enumerate(rows):
        event = row.get("event")
        if event == "delete":
            if open_event is not None:
                status = open_event.status
            elif period.start <= row["time"] < period.end:
                status = "unmatched"
            else:
                status = "outside_period"
            result.append(_Interval(row, row["time"], row["time"], {}, status))
            open_event = None
            continue
        raw_start, raw_end = _coverage(rows, i, interval, period)
        start, end = max(raw_start, period.start), min(raw_end, period.end)
        if start >= end:
            current = _Interval(row, start, start, {}, "outside_period")
        else:
            winners = match(row)
            current = _Interval(row, start, end, winners, "rated" if winners else "unmatched")
        result.append(current)
        if event is not None:
            open_event = current
    return result


# ---------------------------------------------------------------- slices


@dataclass
class _Slice:
    """Contiguous coverage of one resource by one entry of one product id.

    ``raw`` is the exact measure in base terms — microseconds (Time), trait
    value × microseconds (TimeQuantity), trait value (Quantity), the count
    itself (Recurring, OneTime) — kept as an integer where possible so summing
    a month of samples stays cheap; :func:`_quantity` converts it once.
    """

    row: dict[str, Any]
    entry: Product
    start: datetime
    end: datetime
    raw: int | Fraction
    value: Any = None


def _raw(entry: Product, iv: _Interval, value: Any) -> int | Fraction:
    kind = entry.usage.kind
    if kind == UsageKind.TIME:
        return (iv.end - iv.start) // _MICRO
    number = value if type(value) is int else as_fraction(value)
    if kind == UsageKind.TIME_QUANTITY:
        return number * ((iv.end - iv.start) // _MICRO)
    return number


def _quantity(catalog: Catalog, s: _Slice) -> Fraction:
    """The slice's exact quantity in the entry's usage unit."""
    usage = s.entry.usage
    if usage.kind == UsageKind.TIME:
        return s.raw * _factor("s", usage.unit) / 1_000_000
    if usage.kind in (UsageKind.TIME_QUANTITY, UsageKind.QUANTITY):
        trait_unit = _trait_unit(catalog, s.entry.resource_type, usage.trait or "")
        if usage.kind == UsageKind.TIME_QUANTITY:
            return s.raw * _per_second(trait_unit, usage.unit) / 1_000_000
        return s.raw * _factor(trait_unit, usage.unit)
    return Fraction(s.raw)


def _scope(row: dict[str, Any]) -> tuple:
    return tuple(row.get(c) for c in ("platform_type", "location", "platform_instance", "tenant"))


def _merge(pieces: list[_Slice]) -> list[_Slice]:
    """Merge contiguous pieces of one entry (and scope, so moves bill the right tenant)."""
    merged: list[_Slice] = []
    for piece in sorted(pieces, key=lambda p: p.start):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.end == piece.start
            and last.entry is piece.entry
            and _scope(last.row) == _scope(piece.row)
            and (piece.entry.usage.kind != UsageKind.TIME_QUANTITY or last.value == piece.value)
        ):
            last.end = piece.end
            last.raw += piece.raw
        else:
            merged.append(piece)
    return merged


def _days(start: datetime, end: datetime) -> set[date]:
    first, last = start.date(), (end - _MICRO).date()
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def _slices(intervals: list[_Interval], period: Period) -> list[_Slice]:
    """Line-item slices of one resource (before pricing)."""
    pieces: dict[str, list[_Slice]] = defaultdict(list)
    recurring: dict[str, list[_Interval]] = defaultdict(list)
    for iv in intervals:
        for product_id, entry in iv.winners.items():
            kind = entry.usage.kind
            if kind in _TIME_KINDS:
                if kind == UsageKind.QUANTITY and not period.start <= iv.row["time"] < period.end:
                    continue
                value = iv.row.get(trait_column(entry.usage.trait or ""))
                raw = _raw(entry, iv, value)
                pieces[product_id].append(_Slice(iv.row, entry, iv.start, iv.end, raw, value))
            elif kind == UsageKind.RECURRING:
                recurring[product_id].append(iv)
    result = [s for product_pieces in pieces.values() for s in _merge(product_pieces)]
    for product_id, ivs in recurring.items():
        first = ivs[0]
        entry = first.winners[product_id]
        quantity = Fraction(1)
        if entry.usage.prorate:
            days = set().union(*(_days(iv.start, iv.end) for iv in ivs))
            quantity = Fraction(len(days), period.days)
        end = max(iv.end for iv in ivs)
        result.append(_Slice(first.row, entry, first.start, end, quantity))
    result.extend(_one_time(intervals, period))
    return result


def _one_time(intervals: list[_Interval], period: Period) -> list[_Slice]:
    """OneTime fees: the resource's earliest row must lie in the period and match."""
    first = next((iv for iv in intervals if iv.row.get("event") != "delete"), None)
    if first is None or not period.start <= first.row["time"] < period.end:
        return []
    return [
        _Slice(first.row, entry, first.row["time"], first.end, Fraction(1))
        for entry in first.winners.values()
        if entry.usage.kind == UsageKind.ONE_TIME
    ]


# ---------------------------------------------------------------- line items


def _line(period: Period, catalog: Catalog, s: _Slice) -> dict[str, Any]:
    entry = s.entry
    return {
        "period": period.label,
        "tenant": s.row.get("tenant"),
        "platform_type": s.row.get("platform_type"),
        "location": s.row.get("location"),
        "platform_instance": s.row.get("platform_instance"),
        "resource_id": s.row["resource_id"],
        "resource_type": s.row["resource_type"],
        "resource_name": s.row.get("resource_name"),
        "product_id": entry.id,
        "product_name": entry.display_name,
        "seller_id": entry.seller.seller_id,
        "seller_product_group": entry.seller.seller_product_group,
        "usage_type": entry.usage_type,
        "quantity": round_money(_quantity(catalog, s)),
        "unit": entry.usage.unit,
        "unit_price": round_money(list_unit_price(entry.price)),
        "amount": None,
        "currency": entry.price.currency,
        "start": s.start,
        "end": s.end,
        "catalog_version": catalog.version,
    }


def _minimum_line(period: Period, catalog: Catalog, entry: Product, tenant, amount: Decimal):
    return {
        **dict.fromkeys(LINE_ITEM_SCHEMA.names),
        "period": period.label,
        "tenant": tenant,
        "resource_type": entry.resource_type,
        "product_id": entry.id,
        "product_name": entry.display_name,
        "seller_id": entry.seller.seller_id,
        "seller_product_group": entry.seller.seller_product_group,
        "usage_type": "minimum charge",
        "quantity": round_money(1),
        "unit": "1",
        "unit_price": amount,
        "amount": amount,
        "currency": entry.price.currency,
        "start": period.start,
        "end": period.end,
        "catalog_version": catalog.version,
    }


def _price(period: Period, catalog: Catalog, slices: list[_Slice]) -> list[dict[str, Any]]:
    groups: dict[tuple, list[tuple[_Slice, dict[str, Any]]]] = defaultdict(list)
    for s in slices:
        line = _line(period, catalog, s)
        groups[(line["tenant"], line["product_id"], line["currency"])].append((s, line))
    lines: list[dict[str, Any]] = []
    position = {entry: i for i, entry in reversed(list(enumerate(catalog.products)))}
    for (tenant, _, _), members in groups.items():
        # One resource can have lines of several entries of a product id starting
        # together (a setup fee and its hours): catalog order breaks the tie.
        members.sort(key=lambda m: (m[1]["start"], m[1]["resource_id"], position[m[0].entry]))
        priced = price_group([(line["quantity"], s.entry.price) for s, line in members])
        for (_, line), result in zip(members, priced, strict=True):
            line["amount"] = result.amount
            lines.append(line)
        entries = [s.entry for s, _ in members]
        top_up = minimum_top_up(sum(p.amount for p in priced), [e.price for e in entries])
        if top_up is not None:
            biggest = max(e.price.minimum_charge or 0 for e in entries)
            entry = next(e for e in entries if e.price.minimum_charge == biggest)
            lines.append(_minimum_line(period, catalog, entry, tenant, top_up))
    return lines


def _order_key(line: dict[str, Any]) -> tuple:
    return tuple((0,) if line[c] is None else (1, line[c]) for c in LINE_ITEM_ORDER)


# ---------------------------------------------------------------- entry point


def rate(
    catalog: Catalog,
    batches: Iterable[pa.RecordBatch],
    period: Period,
    options: RateOptions | None = None,
) -> RatingResult:
    """Rate normalized sample batches against ``catalog`` for ``period`` (semantics.md)."""
    options = options or RateOptions()
    counts = Counts()
    by_key: dict[tuple[str, datetime], list[dict[str, Any]]] = defaultdict(list)
    for batch in batches:
        for row in batch.to_pylist():
            counts.read += 1
            by_key[(row["resource_id"], row["time"])].append(row)

    by_resource: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (resource_id, _), same in by_key.items():
        counts.duplicates += len(same) - 1
        by_resource[resource_id].append(min(same, key=duplicate_key))

    candidates: dict[str, list[Product]] = defaultdict(list)
    for entry in catalog.products:
        candidates[entry.resource_type].append(entry)
    matchers = {type_id: _Matcher(entries) for type_id, entries in candidates.items()}

    slices: list[_Slice] = []
    unmatched: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource_id in sorted(by_resource):
        rows = sorted(by_resource[resource_id], key=lambda r: r["time"])
        type_id = rows[0]["resource_type"]
        match = matchers.get(type_id) or _Matcher([])
        intervals = _resource_intervals(rows, match, options.interval_for(type_id), period)
        for iv in intervals:
            setattr(counts, iv.status, getattr(counts, iv.status) + 1)
            if iv.status == "unmatched":
                unmatched[iv.row["resource_type"]].append(iv.row)
        slices.extend(_slices(intervals, period))

    lines = sorted(_price(period, catalog, slices), key=_order_key)
    table = pa.Table.from_pylist(lines, schema=LINE_ITEM_SCHEMA)
    groups = [
        UnmatchedGroup(
            resource_type=type_id,
            samples=len(rows),
            resources=len({r["resource_id"] for r in rows}),
            hint=nearest_hint(candidates[type_id], rows[0]),
        )
        for type_id, rows in sorted(unmatched.items())
    ]
    return RatingResult(table, counts, groups, catalog.version)
