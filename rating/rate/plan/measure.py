"""Measuring time and usage: where a time lies, how far a sample covers, ``pieces``.

Validity segments, cut segments and month weights are CASE expressions over
the shape's sorted boundaries; the scan (:mod:`rating.rate.plan.scan`) reads
them to break runs, the ``pieces`` stage to cut runs at the split points.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from rating.model import Catalog, Product, UsageKind
from rating.rate.plan.arithmetic import DOUBLE_SCALE, NEG_INF_US, SCALE12
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


def _month_weight(sh: Shape, time: str) -> str:
    """SQL: the weight of one µs of the month holding ``time`` (1 without calendar units)."""
    if not sh.months:
        return "1"
    cases = " ".join(f"WHEN {time} >= {start} THEN {w}" for start, w in reversed(sh.months))
    return f"CASE {cases} ELSE 1 END"


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


def pieces_stage(sh: Shape) -> Stage:
    """Runs cut at the split points (:mod:`rating.rate.timeline`): ``pieces``.

    One row per piece ``[ps, pe)`` of a run's coverage, with the validity
    segment it is matched in (``vstart``), its month weight (``mw``) and
    whether it is the run's first piece (the one its samples' own times lie
    in: Quantity and OneTime use only that one). A run that covers nothing
    stays one piece.
    """
    validity, weight = validity_start(sh, "ps"), _month_weight(sh, "ps")
    if not sh.cuts:
        return Stage(
            "pieces",
            f"""SELECT *, {validity} AS vstart, {weight} AS mw
                FROM (SELECT *, cs AS ps, ce AS pe, TRUE AS first_piece FROM runs) r""",
            view=True,
        )

    def cut(k: str) -> str:  # the k-th cut (1-based)
        cases = " ".join(f"WHEN {k} = {i} THEN {c}" for i, c in enumerate(sh.cuts, 1))
        return f"CASE {cases} END"

    explode = sh.d.explode_range("k0", "k1 + 1")
    return Stage(
        "pieces",
        f"""
        WITH x AS (
          SELECT r.*, {segment(sh.cuts, "cs")} AS k0, {segment(sh.cuts, "ce - 1")} AS k1
          FROM runs r
        ),
        y AS (
          SELECT x.*, {explode} AS k FROM x WHERE covered
          UNION ALL
          SELECT x.*, k0 AS k FROM x WHERE NOT covered
        ),
        z AS (
          SELECT y.*, CASE WHEN k = k0 THEN cs ELSE {cut("k")} END AS ps,
            CASE WHEN k >= k1 THEN ce ELSE {cut("k + 1")} END AS pe, k = k0 AS first_piece
          FROM y
        )
        SELECT z.*, {validity} AS vstart, {weight} AS mw FROM z""",
    )
