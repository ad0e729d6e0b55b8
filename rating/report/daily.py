"""Exact daily buckets: splitting an amount or a line item across the UTC days it covers.

A line item covers ``[start, end)``; its share of a UTC day is the time it
covers on that day over the time it covers in all (microseconds, exact
integers). Shares are computed in units of the value's last decimal place
(10^-12 for line items): each day gets the floor of its proportional share and
the leftover units go, one each, to the days with the largest remainders
(ties to the earlier day). The days of one value therefore add up to it
exactly, whatever its sign, and no share is ever off by more than one unit.

A line item split into days (:func:`split_rows`) becomes one slice per day,
clipped to the day, with its quantity and its amount apportioned this way
(each separately, so both sum exactly to the line item's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

Row = Mapping[str, Any]

_SCALE = 12  # decimal places of line-item quantities and amounts (rating.rate.result.SCALE)


def split_by_day(amount: Decimal, start: datetime, end: datetime) -> list[tuple[date, Decimal]]:
    """``amount`` over the UTC days ``[start, end)`` touches, in proportion to the time
    on each, days with a zero share left out; the shares sum to ``amount`` exactly."""
    days = day_spans(start, end) or [(utc_day(start), 1)]
    shares = apportion(amount, [length for _, length in days])
    return [(day, share) for (day, _), share in zip(days, shares, strict=True) if share]


def split_rows(rows: Iterable[Row], spread: Callable[[Row], bool]) -> list[dict[str, Any]]:
    """Line items split at UTC midnight where ``spread(row)`` says they accrue over time;
    every other line item is kept whole (its day is the day of its start)."""
    split: list[dict[str, Any]] = []
    for row in rows:
        start, end = row["start"], row["end"]
        spans = day_spans(start, end) if start and end and spread(row) else []
        if len(spans) <= 1:
            split.append(dict(row))
            continue
        weights = [length for _, length in spans]
        quantities = apportion(row["quantity"], weights)
        amounts = apportion(row["amount"], weights)
        for (day, _), quantity, amount in zip(spans, quantities, amounts, strict=True):
            split.append(
                {
                    **row,
                    "start": max(start, midnight(day)),
                    "end": min(end, midnight(day + timedelta(days=1))),
                    "quantity": quantity,
                    "amount": amount,
                }
            )
    return split


def day_spans(start: datetime, end: datetime) -> list[tuple[date, int]]:
    """Each UTC day ``[start, end)`` overlaps, with the microseconds it covers on that day;
    empty when the interval is empty (``end <= start``)."""
    if end <= start:
        return []
    return [(day, _overlap(day, start, end)) for day in utc_days(start, end)]


def apportion(value: Decimal, weights: Sequence[int]) -> list[Decimal]:
    """``value`` split in proportion to positive integer ``weights`` (largest remainder).

    One share per weight, zeros kept; the shares sum to ``value`` exactly.
    """
    exponent = value.as_tuple().exponent
    scale = max(_SCALE, -exponent if isinstance(exponent, int) else _SCALE)
    units = int(value.scaleb(scale))
    total = sum(weights)
    floors = [(units * weight) // total for weight in weights]
    leftover = units - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-((units * weights[i]) % total), i))
    for index in by_remainder[:leftover]:
        floors[index] += 1
    return [Decimal(share).scaleb(-scale) for share in floors]


def utc_days(start: datetime, end: datetime) -> tuple[date, ...]:
    """The UTC days ``[start, end)`` touches (the day of ``start`` when it is empty)."""
    day = utc_day(start)
    days = [day]
    day += timedelta(days=1)
    while midnight(day) < end:
        days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def midnight(day: date) -> datetime:
    """The start of ``day`` in UTC."""
    return datetime.combine(day, time(), UTC)


def _overlap(day: date, start: datetime, end: datetime) -> int:
    """Microseconds of ``[start, end)`` on ``day`` (UTC)."""
    lower = max(start, midnight(day))
    upper = min(end, midnight(day + timedelta(days=1)))
    if upper <= lower:
        return 0
    delta = upper - lower
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
