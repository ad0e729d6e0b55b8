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
* A row's interval is cut at the split points of :mod:`rating.rate.timeline`
  and each piece matched at its own start; the row counts as rated when some
  piece is rated, else unmatched (outside_period when no piece lies in the
  period). An event before the period whose state reaches into it is rated
  (or unmatched) like any other row, not outside_period.
* ``counts.missing_state`` counts resources whose earliest row is an update or
  delete inside the period: their time before it is not billed.
* The minimum-charge line takes product name, seller and resource_type from
  the group entry with the largest minimum charge (first in group order);
  each scope column below the tenant (platform type, location, platform
  instance, cell) is the value the group's lines share, null where they
  differ; ``tenant`` is the group's;
  its resource columns are null.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pyarrow as pa

from rating.model import Catalog, Product, UsageKind
from rating.period import Period
from rating.rate.matching import (
    as_fraction,
    created_in,
    nearest_hint,
    select_entries,
    trait_column,
    valid_at,
)
from rating.rate.pricing import list_unit_price, minimum_top_up, price_group, round_money
from rating.rate.result import (
    Counts,
    RateOptions,
    RatingResult,
    UnmatchedGroup,
    line_item_order,
    line_item_schema,
)
from rating.rate.timeline import (
    creation_time,
    is_calendar,
    measure_factor,
    month_weight,
    pieces,
    split_points,
)
from rating.scopes import (
    MATCHED_SCOPE_COLUMNS,
    SCOPE_COLUMNS,
    is_kept_label,
    label_column,
    read_label_columns,
)
from rating.service_categories import service_category

_MICRO = timedelta(microseconds=1)
_NOT_IN_KEY = frozenset({"resource_id", "time", "source_file", "source_line"})
_TIME_KINDS = (UsageKind.TIME, UsageKind.TIME_QUANTITY, UsageKind.QUANTITY)


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
    sample time, and which creation windows contain the resource's creation
    time; rows equal in those match identically. This keeps the
    reference usable on benchmark-sized inputs without changing the rule.
    """

    def __init__(self, candidates: list[Product]) -> None:
        self.candidates = candidates
        self.filter_columns = sorted({trait_column(c.trait) for e in candidates for c in e.filter})
        self.usage_columns = sorted(
            {trait_column(e.usage.trait) for e in candidates if e.usage.trait}
        )
        self.timed = [e for e in candidates if e.valid_from or e.valid_until]
        self.grandfathered = [e for e in candidates if e.created_from or e.created_until]
        self.cache: dict[tuple, dict[str, Product]] = {}

    def __call__(self, row: dict[str, Any], at: datetime, created: datetime) -> dict[str, Product]:
        """The winners for ``row`` at ``at`` (its piece's start), of a resource created then."""
        key = (
            row.get("resource_type"),
            *(row.get(f) for f in MATCHED_SCOPE_COLUMNS),
            *(_hashable(row.get(c)) for c in self.filter_columns),
            *(row.get(c) is None for c in self.usage_columns),
            *(valid_at(e, at) for e in self.timed),
            *(created_in(e, created) for e in self.grandfathered),
        )
        found = self.cache.get(key)
        if found is None:
            timed = {**row, "time": at, "created": created}
            found = self.cache[key] = select_entries(self.candidates, timed)
        return found


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# ---------------------------------------------------------------- intervals


@dataclass
class _Interval:
    """One piece of a kept row's clipped coverage and the entries it matched there."""

    row: dict[str, Any]
    start: datetime
    end: datetime
    winners: dict[str, Product]
    lead: bool = True  # the row's first piece: its samples' Quantity and OneTime fees


def _coverage(
    rows: list[dict[str, Any]], i: int, interval: timedelta, period: Period, exists: bool
):
    """Raw coverage [start, end) of row ``i`` (not a delete) of a resource's time-sorted rows.

    Every row holds until the next one, so no instant is covered twice; a
    plain sample at most ``interval``, unless the resource ``exists`` (a
    create or update came before it, and no delete since): then an event says
    when it ends, and the sample only updates its state. A create or update
    holds until the next row; the last row then holds to the period's end.
    """
    row = rows[i]
    time = row["time"]
    following = rows[i + 1]["time"] if i + 1 < len(rows) else None
    if row.get("event") is not None or exists:
        return time, following or max(time, period.end)
    end = time + interval
    return time, end if following is None else min(end, following)


def _resource_intervals(
    rows: list[dict[str, Any]],
    matchers: dict[str, _Matcher],
    options: RateOptions,
    period: Period,
    cuts: list[datetime],
) -> tuple[list[_Interval], list[tuple[dict[str, Any], str]]]:
    """Pieces of one resource's intervals, and each row's status.

    Rows are sorted by time and already de-duplicated. A status is "rated",
    "unmatched" or "outside_period"; a delete takes the status of the
    create/update interval it closes. Each row is matched and covers time as
    its own resource type says (an id may change type between samples).
    """
    no_match = _Matcher([])
    result: list[_Interval] = []
    statuses: list[tuple[dict[str, Any], str]] = []
    open_status: str | None = None
    created = creation_time(rows)
    latest_event: str | None = None  # of the rows before this one
    for i, row in enumerate(rows):
        event = row.get("event")
        if event == "delete":
            if open_status is None:
                open_status = (
                    "unmatched" if period.start <= row["time"] < period.end else "outside_period"
                )
            statuses.append((row, open_status))
            open_status, latest_event = None, event
            continue
        type_id = row["resource_type"]
        match = matchers.get(type_id, no_match)
        exists = latest_event in ("create", "update")
        raw_start, raw_end = _coverage(rows, i, options.interval_for(type_id), period, exists)
        start, end = max(raw_start, period.start), min(raw_end, period.end)
        if start >= end:
            result.append(_Interval(row, start, start, {}))
            status = "outside_period"
        else:
            parts = [
                _Interval(row, a, b, match(row, a, created), lead=a == start)
                for a, b in pieces(start, end, cuts)
            ]
            result.extend(parts)
            status = "rated" if any(p.winners for p in parts) else "unmatched"
        statuses.append((row, status))
        if event is not None:
            open_status, latest_event = status, event
    return result, statuses


# ---------------------------------------------------------------- slices


@dataclass
class _Slice:
    """Contiguous coverage of one resource by one entry of one product id.

    ``raw`` is the exact measure in base terms — microseconds (Time), trait
    value × microseconds (TimeQuantity), trait value (Quantity), the count
    itself (Recurring, OneTime) — kept as an integer where possible so summing
    a month of samples stays cheap; :class:`_Quantities` converts it once.
    """

    row: dict[str, Any]
    entry: Product
    start: datetime
    end: datetime
    raw: int | Fraction
    value: Any = None


def _raw(entry: Product, iv: _Interval, value: Any) -> int | Fraction:
    """The piece's raw measure (:mod:`rating.rate.timeline`)."""
    kind = entry.usage.kind
    time = (iv.end - iv.start) // _MICRO
    if is_calendar(entry):
        time *= month_weight(iv.start)
    if kind == UsageKind.TIME:
        return time
    number = value if type(value) is int else as_fraction(value)
    if kind == UsageKind.TIME_QUANTITY:
        return number * time
    return number


class _Quantities:
    """Exact quantities of slices: raw measure × the entry's factor (computed once per entry)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.factors: dict[int, Fraction] = {}

    def __call__(self, s: _Slice) -> Fraction:
        factor = self.factors.get(id(s.entry))
        if factor is None:
            factor = self.factors[id(s.entry)] = measure_factor(s.entry, self.catalog)
        return s.raw * factor


def _scope(row: dict[str, Any]) -> tuple:
    """Every scope field and label dimension (the only labels :func:`rate` leaves in a
    row): a change of any (a move to another tenant or cell, a relabelled pod) splits
    a slice."""
    return (*(row.get(c) for c in SCOPE_COLUMNS), *(v for k, v in row.items() if is_kept_label(k)))


def _merge(parts: list[_Slice]) -> list[_Slice]:
    """Merge contiguous pieces of one entry (and scope, so moves bill the right tenant).

    Pieces are taken in order of (start, row time), as the engines' window does.
    """
    merged: list[_Slice] = []
    for piece in sorted(parts, key=lambda p: (p.start, p.row["time"])):
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
    measured: dict[str, list[_Slice]] = defaultdict(list)
    recurring: dict[str, list[_Interval]] = defaultdict(list)
    for iv in intervals:
        for product_id, entry in iv.winners.items():
            kind = entry.usage.kind
            if kind in _TIME_KINDS:
                if kind == UsageKind.QUANTITY and not (
                    iv.lead and period.start <= iv.row["time"] < period.end
                ):
                    continue
                value = iv.row.get(trait_column(entry.usage.trait or ""))
                raw = _raw(entry, iv, value)
                measured[product_id].append(_Slice(iv.row, entry, iv.start, iv.end, raw, value))
            elif kind == UsageKind.RECURRING:
                recurring[product_id].append(iv)
    result = [s for product_pieces in measured.values() for s in _merge(product_pieces)]
    for product_id, ivs in recurring.items():
        # The line starts with the product's earliest interval, in that interval's
        # scope (ties, should any arise, to the earlier sample: as the engines).
        first = min(ivs, key=lambda iv: (iv.start, iv.row["time"]))
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
    end = max(iv.end for iv in intervals if iv.row is first.row)  # the row's, not the piece's
    return [
        _Slice(first.row, entry, first.row["time"], end, Fraction(1))
        for entry in first.winners.values()
        if entry.usage.kind == UsageKind.ONE_TIME
    ]


# ---------------------------------------------------------------- line items


def _line(period: Period, catalog: Catalog, s: _Slice, quantity: Fraction) -> dict[str, Any]:
    entry = s.entry
    return {
        "period": period.label,
        **{c: s.row.get(c) for c in SCOPE_COLUMNS},
        **{label_column(n): s.row.get(label_column(n)) for n in catalog.dimensions.labels},
        "resource_id": s.row["resource_id"],
        "resource_type": s.row["resource_type"],
        "resource_name": s.row.get("resource_name"),
        "product_id": entry.id,
        "product_name": entry.display_name,
        "seller_id": entry.seller.seller_id,
        "seller_product_group": entry.seller.seller_product_group,
        "service_category": service_category(entry),
        "usage_type": entry.usage_type,
        "quantity": round_money(quantity),
        "unit": entry.usage.unit,
        "unit_price": round_money(list_unit_price(entry.price)),
        "amount": None,
        "currency": entry.price.currency,
        "start": s.start,
        "end": s.end,
        "catalog_version": catalog.version,
    }


def _minimum_line(
    period: Period, catalog: Catalog, entry: Product, group: list[dict[str, Any]], amount: Decimal
) -> dict[str, Any]:
    """The top-up line; it shares its group's scope so scoped discounts reach it too."""
    shared = {
        name: values.pop() if len(values := {line[name] for line in group}) == 1 else None
        for name in (*SCOPE_COLUMNS, *map(label_column, catalog.dimensions.labels))
    }
    return {
        **dict.fromkeys(line_item_schema(catalog.dimensions.labels).names),
        **shared,
        "period": period.label,
        "resource_type": entry.resource_type,
        "product_id": entry.id,
        "product_name": entry.display_name,
        "seller_id": entry.seller.seller_id,
        "seller_product_group": entry.seller.seller_product_group,
        "service_category": service_category(entry),
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
    quantities = _Quantities(catalog)
    exact = {id(s): quantities(s) for s in slices}  # priced unrounded, rounded once
    for s in slices:
        line = _line(period, catalog, s, exact[id(s)])
        groups[(line["tenant"], line["product_id"], line["currency"])].append((s, line))
    lines: list[dict[str, Any]] = []
    position = {entry: i for i, entry in reversed(list(enumerate(catalog.products)))}
    for members in groups.values():
        # One resource can have lines of several entries of a product id starting
        # together (a setup fee and its hours): catalog order breaks the tie, then the
        # end, then the sample, so no tie is left to an engine.
        members.sort(
            key=lambda m: (
                m[1]["start"],
                m[1]["resource_id"],
                position[m[0].entry],
                m[1]["end"],
                m[0].row["time"],
            )
        )
        priced = price_group([(exact[id(s)], s.entry.price) for s, _ in members])
        for (_, line), result in zip(members, priced, strict=True):
            line["amount"] = result.amount
            lines.append(line)
        entries = [s.entry for s, _ in members]
        top_up = minimum_top_up(sum(p.amount for p in priced), [e.price for e in entries])
        if top_up is not None:
            biggest = max(e.price.minimum_charge or 0 for e in entries)
            entry = next(e for e in entries if e.price.minimum_charge == biggest)
            group = [line for _, line in members]
            lines.append(_minimum_line(period, catalog, entry, group, top_up))
    return lines


def _missing_state(first: dict[str, Any], period: Period) -> bool:
    """Does a resource's first row, inside the period, update or delete an unknown state?"""
    return first.get("event") in ("update", "delete") and period.start <= first["time"] < period.end


def _order_key(line: dict[str, Any], order: tuple[str, ...]) -> tuple:
    """A line's sort key: its columns named in ``order``, nulls first."""
    return tuple((0,) if line[c] is None else (1, line[c]) for c in order)


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
    cell_from = [label_column(n) for n in catalog.dimensions.cell_from_label]
    read = set(read_label_columns([catalog]))
    for batch in batches:
        for row in batch.to_pylist():
            counts.read += 1
            # cellFromLabel: without scope.cell, the first rule's label present is the cell.
            row["cell"] = next((row[c] for c in ("cell", *cell_from) if row.get(c)), None)
            # Labels the catalog does not read are gone, as a file's reader drops them:
            # they take no part in choosing among duplicates either.
            row = {k: v for k, v in row.items() if not is_kept_label(k) or k in read}
            by_key[(row["resource_id"], row["time"])].append(row)

    dimensions = {label_column(n) for n in catalog.dimensions.labels}
    by_resource: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (resource_id, _), same in by_key.items():
        counts.duplicates += len(same) - 1
        kept = min(same, key=duplicate_key)
        by_resource[resource_id].append(
            {k: v for k, v in kept.items() if not is_kept_label(k) or k in dimensions}
        )

    candidates: dict[str, list[Product]] = defaultdict(list)
    for entry in catalog.products:
        candidates[entry.resource_type].append(entry)
    matchers = {type_id: _Matcher(entries) for type_id, entries in candidates.items()}

    cuts = split_points(catalog.products, period)
    slices: list[_Slice] = []
    unmatched: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource_id in sorted(by_resource):
        rows = sorted(by_resource[resource_id], key=lambda r: r["time"])
        intervals, statuses = _resource_intervals(rows, matchers, options, period, cuts)
        for row, status in statuses:
            setattr(counts, status, getattr(counts, status) + 1)
            if status == "unmatched":
                unmatched[row["resource_type"]].append(row)
        if _missing_state(rows[0], period):
            counts.missing_state += 1
        slices.extend(_slices(intervals, period))

    order = line_item_order(catalog.dimensions.labels)
    lines = sorted(_price(period, catalog, slices), key=lambda line: _order_key(line, order))
    table = pa.Table.from_pylist(lines, schema=line_item_schema(catalog.dimensions.labels))
    groups = [
        UnmatchedGroup(
            resource_type=type_id,
            samples=len(rows),
            resources=len({r["resource_id"] for r in rows}),
            hint=nearest_hint(candidates[type_id], rows[0]),
        )
        for type_id, rows in sorted(unmatched.items())
    ]
    return RatingResult(table, counts, groups, catalog.version, period)
