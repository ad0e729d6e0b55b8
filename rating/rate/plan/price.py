"""Pieces into priced lines: matching, statuses, slices and aggregate pricing."""

from __future__ import annotations

import pyarrow as pa

from rating.rate.dialect import Dialect
from rating.rate.plan.arithmetic import (
    DOUBLE_SCALE,
    INFX,
    RUNNING,
    SCALE12,
    US_PER_DAY,
    ceil_div,
    round_half_even,
    round_sum_ctes,
)
from rating.rate.plan.shape import Shape
from rating.rate.plan.stages import Stage
from rating.scopes import MATCHED_SCOPE_COLUMNS


def _trait_int(expr: str, arrow_type: pa.DataType, d: Dialect) -> str:
    """A usage trait as an exact integer: Double values are scaled by DOUBLE_SCALE.

    (Doubles with more than 9 decimals are rounded there; integers are exact.)
    """
    if pa.types.is_floating(arrow_type):
        return d.wide(f"round({expr} * {DOUBLE_SCALE})")
    return d.wide(expr)


def rating_stages(sh: Shape) -> tuple[Stage, ...]:
    """Runs (from :func:`scan_stages`) into priced lines: matching, slices, pricing."""
    p0, p1, d = sh.p0, sh.p1, sh.d
    wide = d.wide_int
    sig = sh.sig_columns
    sig_list = ", ".join(d.identifier(c) for c in sig)
    filter_cases = " ".join(f"WHEN {i} THEN ({f})" for i, f in enumerate(sh.filters))
    filter_case = f"CASE e.filter_no {filter_cases} ELSE FALSE END" if filter_cases else "FALSE"
    uval_cases = " ".join(
        f"WHEN {i} THEN {_trait_int('v.' + d.identifier(c), sh.usage_types[c], d)}"
        for c, i in sh.usage_traits.items()
    )
    one = f"CAST(1 AS {wide})"
    uval = f"CASE e.utrait {uval_cases} ELSE {one} END" if uval_cases else one

    # 3. Matching on distinct signatures only; most specific scope, then catalog order.
    sigs = f"SELECT DISTINCT {sig_list} FROM pieces WHERE covered"
    created_in = "TRUE"
    if sh.creation_cuts:  # entries' creation windows, as segment numbers like created_seg
        created_in = (
            "(e.cf IS NULL OR e.cf <= g.created_seg) AND (e.cu IS NULL OR g.created_seg < e.cu)"
        )
    # Every scope field a selector sets must equal the sample's (the platform type is
    # always set: it joins). Names come from rating.scopes, never from a catalog.
    scope_in = " AND ".join(
        f"(e.e_{c} IS NULL OR e.e_{c} = g.{c})"
        for c in MATCHED_SCOPE_COLUMNS
        if c != "platform_type"
    )
    sig_match = f"""
        SELECT *, ROW_NUMBER() OVER (PARTITION BY {sig_list} ORDER BY product_id) AS pno
        FROM (
          SELECT g.*, e.entry_idx, e.product_id,
            ROW_NUMBER() OVER (PARTITION BY {", ".join("g." + d.identifier(c) for c in sig)},
                               e.product_id ORDER BY e.spec DESC, e.entry_idx) AS rk
          FROM sigs g JOIN entries e
            ON e.resource_type = g.resource_type AND e.e_platform_type = g.platform_type
          WHERE {scope_in}
            AND (e.vf IS NULL OR e.vf <= g.vstart) AND (e.vu IS NULL OR g.vstart < e.vu)
            AND {created_in}
            AND ({filter_case})
        ) WHERE rk = 1"""
    sig_on = " AND ".join(
        f"v.{d.identifier(c)} IS NOT DISTINCT FROM m.{d.identifier(c)}" for c in sig
    )
    joined = f"""
        SELECT v.resource_id, v.t, v.n, v.pe - v.ps AS dur, v.first_ce, v.event, v.covered,
          v.ps AS cs, v.pe AS ce, v.first_piece, v.mw, v.first_t, v.prev_event,
          v.resource_type, m.entry_idx, m.product_id, m.pno, e.kind, e.cal,
          {uval} AS uval, {", ".join(f"v.{d.identifier(c)}" for c in sh.carried)}
        FROM pieces v LEFT JOIN sig_match m ON v.covered AND {sig_on}
        LEFT JOIN entries e ON e.entry_idx = m.entry_idx"""
    # 4. Status of every kept row: rated when some piece of its own interval is; a
    # delete inherits the interval it closes. A run's samples share their validity
    # segment (_run_break), so a boundary can only fall in its last sample's
    # interval: the others lie within the first piece's segment and take its
    # status, the last one the best of all pieces. Where they differ the run
    # counts as two rows, both keyed by its start.
    code = "CASE WHEN NOT covered THEN 0 WHEN entry_idx IS NULL THEN 1 ELSE 2 END"

    def named(code: str) -> str:  # a status code's name
        return f"CASE {code} WHEN 0 THEN 'outside_period' WHEN 1 THEN 'unmatched' ELSE 'rated' END"

    status = f"""
        WITH st AS (
          SELECT resource_id, t, n, event, resource_type, prev_event,
            max(CASE WHEN first_piece THEN {code} END) AS head, max({code}) AS best
          FROM joined WHERE entry_idx IS NULL OR pno = 1
          GROUP BY resource_id, t, n, event, resource_type, prev_event
        )
        SELECT resource_id, t, n - 1 AS n, resource_type, {named("head")} AS status FROM st
        WHERE n > 1 AND head < best AND event IS DISTINCT FROM 'delete'
        UNION ALL
        SELECT resource_id, t, CASE WHEN head < best THEN 1 ELSE n END AS n, resource_type,
          {named("best")} AS status
        FROM st WHERE event IS DISTINCT FROM 'delete'
        UNION ALL
        SELECT d.resource_id, d.t, d.n, d.resource_type,
          CASE WHEN o.best IS NOT NULL THEN {named("o.best")}
               WHEN d.t >= {p0} AND d.t < {p1} THEN 'unmatched'
               ELSE 'outside_period' END AS status
        FROM (SELECT * FROM st WHERE event = 'delete') d
        LEFT JOIN (SELECT * FROM st WHERE event IS NOT NULL AND event <> 'delete') o
          ON d.prev_event % 2 = 0 AND o.resource_id = d.resource_id
             AND o.t = {d.idiv("d.prev_event", "2")}"""
    # 5. Measures and slices (gaps and islands per resource and product id).
    # A resource that moves to another tenant or location starts a new slice, so
    # every line item is billed to the scope its usage happened in.
    same_scope = "".join(
        f" AND LAG({d.identifier(c)}) OVER r IS NOT DISTINCT FROM {d.identifier(c)}"
        for c in sh.carried
    )
    timed = f"CAST(dur AS {wide}) * CASE WHEN cal THEN mw ELSE 1 END"
    weighted = f"""
        SELECT *, CASE kind WHEN 'Time' THEN {timed}
                            WHEN 'TimeQuantity' THEN {timed} * uval
                            WHEN 'Quantity' THEN CAST(n AS {wide}) * uval
                            ELSE CAST(0 AS {wide}) END AS w,
          CASE WHEN LAG(ce) OVER r = cs AND LAG(entry_idx) OVER r = entry_idx
                    AND (kind <> 'TimeQuantity' OR LAG(uval) OVER r = uval)
                    {same_scope}
               THEN 0 ELSE 1 END AS brk
        FROM joined
        WHERE entry_idx IS NOT NULL AND kind <> 'OneTime'
          AND NOT (kind = 'Quantity' AND (NOT first_piece OR t < {p0} OR t >= {p1}))
        WINDOW r AS (PARTITION BY resource_id, product_id ORDER BY cs, t)"""
    slices = f"""
        WITH weighted AS ({weighted})
        SELECT resource_id, product_id, min(cs) AS start_us, max(ce) AS end_us,
          min_by(entry_idx, cs) AS entry_idx, min_by(kind, cs) AS kind, sum(w) AS wsum,
          min_by(t, cs) AS first_sample
        FROM (SELECT *, SUM(brk) OVER (PARTITION BY resource_id, product_id ORDER BY cs, t
                                      {RUNNING}) AS isl FROM weighted) x
        GROUP BY resource_id, product_id, isl"""
    cols = [d.identifier(c) for c in ("resource_type", "resource_name", *sh.carried)]
    line_cols = ", ".join(f"v.{c}" for c in cols)
    qmul = f"CAST(e.qmul AS {wide})"
    days = d.explode_range(
        d.idiv("start_us", str(US_PER_DAY)), d.idiv("end_us - 1", str(US_PER_DAY)) + " + 1"
    )
    # Scope and name columns come from each line's first sample (joined back at the end);
    # a recurring line's from its earliest slice (ties to the earlier sample).
    raw = f"""
        WITH rec AS (
          SELECT resource_id, product_id, start_us, end_us, entry_idx, first_sample AS sample_t
          FROM (
            SELECT resource_id, product_id, start_us, entry_idx, first_sample,
              max(end_us) OVER (PARTITION BY resource_id, product_id) AS end_us,
              ROW_NUMBER() OVER (PARTITION BY resource_id, product_id
                                 ORDER BY start_us, first_sample) AS earliest
            FROM slices WHERE kind = 'Recurring'
          ) f WHERE earliest = 1
        ),
        day_counts AS (
          SELECT resource_id, product_id, count(DISTINCT day_no) AS n_days FROM (
            SELECT resource_id, product_id,
              {days} AS day_no
            FROM slices WHERE kind = 'Recurring')
          GROUP BY resource_id, product_id
        ),
        bare AS (
          SELECT x.resource_id, x.product_id, x.start_us, x.end_us, x.entry_idx,
            x.first_sample AS sample_t, x.wsum * {qmul} AS qx
          FROM slices x JOIN entries e USING (entry_idx)
          WHERE x.kind IN ('Time', 'TimeQuantity', 'Quantity')
          UNION ALL
          SELECT x.resource_id, x.product_id, x.start_us, x.end_us, x.entry_idx, x.sample_t,
            CASE WHEN e.prorate THEN CAST(n.n_days AS {wide}) * {qmul} ELSE {qmul} END AS qx
          FROM rec x JOIN entries e USING (entry_idx)
          LEFT JOIN day_counts n ON n.resource_id = x.resource_id AND n.product_id = x.product_id
          UNION ALL
          SELECT x.resource_id, x.product_id, x.t AS start_us, x.first_ce AS end_us, x.entry_idx,
            x.t AS sample_t, {qmul} AS qx
          FROM joined x JOIN entries e USING (entry_idx)
          WHERE x.kind = 'OneTime' AND x.first_piece AND x.t = x.first_t
            AND x.t >= {p0} AND x.t < {p1}
        )
        SELECT b.resource_id, b.product_id, b.start_us, b.end_us, b.entry_idx, {line_cols}, b.qx,
          b.sample_t
        FROM bare b JOIN runs v ON v.resource_id = b.resource_id AND v.t = b.sample_t"""
    # 6. Aggregate pricing: each line prices its range [a, b) of the group's cumulative quantity.
    ranged = f"""
        SELECT r.*, e.currency, CAST(e.incx AS {wide}) AS incx, e.model,
          CAST(e.pkgx AS {wide}) AS pkgx, CAST(e.qden AS {wide}) AS qden,
          {round_half_even("r.qx", f"CAST(e.qden AS {wide})", d)} AS q12,
          SUM(qx) OVER g AS bx, (SUM(qx) OVER g) - qx AS ax,
          SUM(qx) OVER (PARTITION BY r.tenant, r.product_id, e.currency) AS totalx,
          ROW_NUMBER() OVER g AS gpos
        FROM raw r JOIN entries e USING (entry_idx)
        WINDOW g AS (PARTITION BY r.tenant, r.product_id, e.currency
                     ORDER BY r.start_us, r.resource_id, r.entry_idx, r.end_us, r.sample_t
                     {RUNNING})"""
    overlap = f"greatest(CAST(0 AS {wide}), least(bx, hi_eff) - greatest(ax, lo_eff, incx))"
    blocks = (
        f"({ceil_div('greatest(bx - incx, 0)', 'pkgx', d)}"
        f" - {ceil_div('greatest(ax - incx, 0)', 'pkgx', d)})"
    )
    priced = f"""
        WITH x AS (
          SELECT r.*, CAST(t.price12 AS {wide}) AS price12,
            CASE WHEN r.model = 'Graduated' THEN CAST(t.lox AS {wide})
                 ELSE CAST(0 AS {wide}) END AS lo_eff,
            CASE WHEN r.model = 'Graduated' THEN CAST(t.hix AS {wide})
                 ELSE CAST({INFX} AS {wide}) END AS hi_eff
          FROM ranged r JOIN tiers t USING (entry_idx)
          WHERE r.model <> 'Volume' OR (r.totalx >= CAST(t.lox AS {wide})
                                        AND r.totalx < CAST(t.vhix AS {wide}))
        ),
        o AS (SELECT *, {overlap} AS ov FROM x),
        y AS (
          SELECT *, CASE WHEN model = 'Package' THEN {blocks} * price12 * {SCALE12}
                         ELSE {d.idiv("ov", "qden")} * price12 END AS whole24,
            CASE WHEN model = 'Package' THEN CAST(0 AS {wide})
                 ELSE (ov % qden) * price12 END AS part24
          FROM o
        ),
        z AS (
          SELECT resource_id, product_id, currency, gpos, any_value(start_us) AS start_us,
            any_value(end_us) AS end_us, any_value(entry_idx) AS entry_idx,
            {", ".join(f"any_value({c}) AS {c}" for c in cols)}, any_value(q12) AS q12,
            any_value(qden) AS qden, sum(whole24) AS whole24, sum(part24) AS part24
          FROM y GROUP BY tenant, product_id, currency, gpos, resource_id
        ),
        {round_sum_ctes("z", "whole24", "part24", "qden", d)}
        SELECT resource_id, product_id, currency, gpos, start_us, end_us, entry_idx,
          {", ".join(cols)}, q12, amount12
        FROM rounded"""
    return tuple(
        Stage(name, sql)
        for name, sql in (
            ("sigs", sigs),
            ("sig_match", sig_match),
            ("joined", joined),
            ("status", status),
            ("slices", slices),
            ("raw", raw),
            ("ranged", ranged),
            ("priced", priced),
        )
    )
