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
    if not sh.boundaries:
        return str(NEG_INF_US)
    cases = " ".join(f"WHEN {time} >= {b} THEN {b}" for b in reversed(sh.boundaries))
    return f"CASE {cases} ELSE {NEG_INF_US} END"


def segment(cuts: Sequence[int], time: str) -> str:
    """SQL: how many of the sorted ``cuts`` lie at or before ``time``."""
    numbered = reversed(list(enumerate(cuts, 1)))
    return f"CASE {' '.join(f'WHEN {time} >= {c} THEN {i}' for i, c in numbered)} ELSE 0 END"


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


SEGMENT_SCHEMA = pa.schema([("at", pa.int64()), ("until", pa.int64()), ("mw", pa.int64())])


def segments_table(sh: Shape) -> pa.Table:
    """The time line cut at the split points: one row per segment ``[at, until)`` with
    the weight of the month it lies in (1 without calendar units), from far past to far
    future, so every instant lies in exactly one. Stage ``pieces`` joins runs to it.

    A table, not SQL text: a period of centuries has a cut per month, and as CASE
    branches those made megabytes of SQL for the engine to parse.
    """
    bounds = [NEG_INF_US, *sh.cuts, POS_INF_US]
    months = [start for start, _ in sh.months]
    weights = [w for _, w in sh.months]

    def weight(at: int) -> int:  # of the month holding ``at``; the first month's before it
        return weights[max(bisect_right(months, at) - 1, 0)] if weights else 1

    return pa.table(
        [bounds[:-1], bounds[1:], [weight(max(at, sh.p0)) for at in bounds[:-1]]],
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
    return Stage(
        "pieces",
        f"""
        WITH z AS (
          SELECT r.*, greatest(r.cs, g.at) AS ps, least(r.ce, g.until) AS pe,
            g.at <= r.cs AS first_piece, g.mw
          FROM runs r JOIN segments g ON g.at < r.ce AND g.until > r.cs
          WHERE r.covered
          UNION ALL
          SELECT r.*, r.cs AS ps, r.ce AS pe, TRUE AS first_piece, g.mw
          FROM runs r JOIN segments g ON g.at <= r.cs AND r.cs < g.until
          WHERE NOT r.covered
        )
        SELECT z.*, {validity_start(sh, "ps")} AS vstart FROM z""",
        view=not sh.cuts,  # one piece per run: cheaper to recompute than to store
    )
