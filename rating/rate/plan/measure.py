"""Measuring time and usage: where a time lies, how far a sample covers, ``pieces``.

Validity segments are CASE expressions over the catalog's few sorted
boundaries; the scan (:mod:`rating.rate.plan.scan`) reads them to break runs.
The split points, a month start each for calendar units, are a lookup table
(:func:`segments_table`) the ``pieces`` stage joins runs to.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from fractions import Fraction

import pyarrow as pa

from rating.model import Catalog, Product, UsageKind
from rating.rate.plan.arithmetic import DOUBLE_SCALE, NEG_INF_US, POS_INF_US, SCALE12
from rating.rate.plan.shape import Shape
from rating.rate.plan.stages import Stage
from rating.rate.timeline import measure_factor


def quantity_factor(product: Product, catalog: Catalog, days: int, double: bool) -> Fraction:
    """10^-12 usage units per unit of a line's raw count (exact; its denominator matters).

    The count is the raw measure of :mod:`rating.rate.timeline` for Time,
    TimeQuantity and Quantity (Double trait values enter as value ×
    DOUBLE_SCALE), the days present for a prorated Recurring fee, else 1.
    """
    if product.usage.kind == UsageKind.RECURRING and product.usage.prorate:
        return Fraction(SCALE12, days)
    factor = measure_factor(product, catalog) * SCALE12
    return factor / DOUBLE_SCALE if double else factor


def validity_start(sh: Shape, time: str) -> str:
    """SQL: the validity boundary at or before ``time`` (prices change only at boundaries)."""
    return _floor(sh.boundaries, [str(b) for b in sh.boundaries], time, str(NEG_INF_US))


def segment(cuts: Sequence[int], time: str) -> str:
    """SQL: how many of the sorted ``cuts`` lie at or before ``time``."""
    return _floor(cuts, [str(i) for i in range(1, len(cuts) + 1)], time, "0")


def _floor(bounds: Sequence[int], labels: Sequence[str], time: str, below: str) -> str:
    """SQL: the label of the greatest of the sorted ``bounds`` at or before ``time``,
    ``below`` when there is none (or ``time`` is null).

    A binary search in nested CASEs: a row takes log2 comparisons, not one per
    bound; an hourly price schedule has 744 boundaries a month, which the scan
    tests for every sample.
    """
    if not bounds:
        return below
    mid = len(bounds) // 2
    above = _floor(bounds[mid + 1 :], labels[mid + 1 :], time, labels[mid])
    return (
        f"CASE WHEN {time} >= {bounds[mid]} THEN {above} "
        f"ELSE {_floor(bounds[:mid], labels[:mid], time, below)} END"
    )


def coverage_end(sh: Shape, t: str, t_next: str, iv: str, event: str, exists: str) -> str:
    """SQL: where the interval starting at row time ``t`` ends, clipped to the period.

    Every row holds until the resource's next row (``t_next``), so no instant
    is covered twice: a plain sample at most ``iv``, unless the resource
    ``exists`` (a create or update came before it, no delete since); a
    create/update, or a sample of a resource that exists, as long as there is
    no next row, to the period's end; a delete covers nothing.
    """
    capped = f"least(COALESCE({t_next}, {t} + {iv}), {t} + {iv})"
    held = f"COALESCE({t_next}, greatest({t}, {sh.p1}))"
    return f"""least(CASE WHEN {event} = 'delete' THEN {t}
                  WHEN {event} IS NOT NULL OR {exists} THEN {held}
                  ELSE {capped} END, {sh.p1})"""


SEGMENT_SCHEMA = pa.schema(
    [("k", pa.int64()), ("seg_start", pa.int64()), ("seg_end", pa.int64()), ("mw", pa.int64())]
)
# Up to this many split points a run finds its segments by a binary search in SQL (log2
# comparisons a row); beyond, by a range join with the segments table: the search's SQL
# grows with the cuts (a period of centuries has one a month), the join's does not.
SEARCHED_CUTS = 4096


def segments_table(sh: Shape) -> pa.Table:
    """The time line cut at the split points: segment ``k`` is ``[seg_start, seg_end)``,
    with the weight of the month it lies in (1 without calendar units), from far past to
    far future, so every instant lies in exactly one. Stage ``pieces`` joins runs to it.
    """
    bounds = [NEG_INF_US, *sh.cuts, POS_INF_US]
    months = [start for start, _ in sh.months]
    weights = [w for _, w in sh.months]

    def weight(at: int) -> int:  # of the month holding ``at``; the first month's before it
        return weights[max(bisect_right(months, at) - 1, 0)] if weights else 1

    starts = bounds[:-1]
    return pa.table(
        [range(len(starts)), starts, bounds[1:], [weight(max(at, sh.p0)) for at in starts]],
        schema=SEGMENT_SCHEMA,
    )


def pieces_stage(sh: Shape) -> Stage:
    """Runs cut at the split points (:mod:`rating.rate.timeline`): ``pieces``.

    One row per piece ``[ps, pe)`` of a run's coverage, with the validity
    segment it is matched in (``vstart``), its month weight (``mw``) and
    whether it is the run's first piece (the one its samples' own times lie
    in: Quantity and OneTime use only that one). A covered run has a piece in
    every segment (:func:`segments_table`) it overlaps; a run that covers
    nothing stays one piece, in the segment of its start. Without split points
    in the period there is one segment, and ``pieces`` a view over ``runs``.
    """
    if len(sh.cuts) <= SEARCHED_CUTS:
        explode = sh.d.explode_range("k0", "k1 + 1")
        located = f"""
        x AS (
          SELECT r.*, {segment(sh.cuts, "cs")} AS k0, {segment(sh.cuts, "ce - 1")} AS k1
          FROM runs r
        ),
        y AS (
          SELECT x.*, {explode} AS k FROM x WHERE covered
          UNION ALL
          SELECT x.*, k0 AS k FROM x WHERE NOT covered
        ),
        l AS (SELECT y.*, g.seg_start, g.seg_end, g.mw FROM y JOIN segments g ON g.k = y.k)"""
    else:
        located = """
        l AS (
          SELECT r.*, g.seg_start, g.seg_end, g.mw
          FROM runs r JOIN segments g ON g.seg_start < r.ce AND g.seg_end > r.cs
          WHERE r.covered
          UNION ALL
          SELECT r.*, g.seg_start, g.seg_end, g.mw
          FROM runs r JOIN segments g ON g.seg_start <= r.cs AND r.cs < g.seg_end
          WHERE NOT r.covered
        )"""
    return Stage(
        "pieces",
        f"""
        WITH {located},
        z AS (
          SELECT l.*, CASE WHEN covered THEN greatest(cs, seg_start) ELSE cs END AS ps,
            CASE WHEN covered THEN least(ce, seg_end) ELSE ce END AS pe,
            NOT covered OR seg_start <= cs AS first_piece
          FROM l
        )
        SELECT z.*, {validity_start(sh, "ps")} AS vstart FROM z""",
        view=not sh.cuts,  # one piece per run: cheaper to recompute than to store
    )
