"""The scan: samples of table ``s`` into runs, the one pass over every sample."""

from __future__ import annotations

from rating.rate.dialect import Dialect
from rating.rate.plan.arithmetic import RUNNING
from rating.rate.plan.measure import coverage_end, segment, validity_start
from rating.rate.plan.shape import Shape
from rating.rate.plan.stages import Stage
from rating.scopes import SCOPE_COLUMNS


def time_range_sql(d: Dialect) -> str:
    """First and last sample time (epoch µs) of table ``s``: the period when none is given."""
    return f"SELECT min({d.epoch_us('time')}), max({d.epoch_us('time')}) FROM s"


# What a run keeps of its first sample's row (besides its shape), before its ``n`` and ``ce``.
_RUN_START = (
    "t",
    "cs",
    "first_ce",
    "event",
    "covered",
    "first_t",
    "created_seg",
    "prev_event",
    "shape_no",
)


def _creation_segment(sh: Shape, resource: str) -> str:
    """SQL (a window over ``resource``'s rows): how many creation cuts lie at or before
    its creation time (:func:`rating.rate.timeline.creation_time`); 0 without any cut."""
    if not sh.creation_cuts:
        return "0"
    return segment(sh.creation_cuts, f"MIN(t) OVER (PARTITION BY {resource})")


def _run_break(sh: Shape) -> str:
    """SQL: 1 when a sample starts a new run after the previous one (columns ``*_prev``;
    ``sk`` a shape number, negative for events).

    A sample continues the previous one's run when both are plain samples, both
    covered (or both not), contiguous, in the same validity segment and of the
    same shape. Such samples land in the same slice for every product, so a run
    is rated as one row (over-splitting a run would change nothing). Two plain
    samples in a row share ``existed``: no event lies between them.
    """
    p0, p1 = sh.p0, sh.p1
    # The previous sample's interval, by its own type's interval.
    prev_ce = coverage_end(sh, "t_prev", "t", "iv_prev", "NULL", "existed")
    prev_covered = f"(greatest(t_prev, {p0}) < {prev_ce})"

    def in_period(time: str) -> str:
        return f"({time} >= {p0} AND {time} < {p1})"

    return f"""CASE WHEN t_prev IS NULL OR t IS NULL OR sk_prev < 0 OR sk < 0 THEN 1
               WHEN NOT plain_covered AND NOT {prev_covered} THEN 0
               WHEN plain_covered AND {prev_covered} AND {prev_ce} = cs
                    AND {in_period("t")} = {in_period("t_prev")}
                    AND {validity_start(sh, "t")} = {validity_start(sh, "t_prev")}
                    AND sk = sk_prev THEN 0
               ELSE 1 END"""


def _inside_run(sh: Shape, iv: str) -> str:
    """SQL: true for most samples that leave no row in stage ``iv`` (a run's inner samples).

    A plain sample of the previous one's shape, both in the period and the same
    validity segment, at most ``iv`` after it and before the next one, continues
    the run (:func:`_run_break` is 0: both are covered and contiguous) and is
    neither a duplicate nor its resource's last. These few comparisons drop
    those rows before the full test, which then runs on the rest only.
    """
    return f"""COALESCE(sk >= 0 AND sk = sk_prev AND t_prev >= {sh.p0} AND t < {sh.p1}
                    AND t_prev < t AND t <= t_prev + {iv} AND t < t_next
                    AND {validity_start(sh, "t")} = {validity_start(sh, "t_prev")}, FALSE)"""


def scan_stages(sh: Shape, runs: str) -> tuple[tuple[Stage, ...], tuple[Stage, ...]]:
    """Samples into runs, stage ``runs``: (the stages, and those to redo once
    duplicates are known).

    The scan sorts each resource's samples by time once, over narrow rows: a
    sample's *shape* (every column matching, measuring or the line item depends
    on) enters the window as a number from table ``shapes``. Each row decides
    only whether it starts a run (one window function per column it compares
    costs a pass over every sample): only run starts and each resource's last
    row leave the window, and a run's end follows from the next row that did.
    The window also finds samples repeating a (resource, time) key (stage
    ``dupkeys``): when there are any, ``kept`` becomes a deduplicated table and
    the window runs again, so inputs without duplicates pay nothing for them.
    """
    p0, d = sh.p0, sh.d
    needed = ", ".join(d.identifier(c) for c in sh.kept_columns)

    # A scope or label column the input lacks (plain batches from an older writer, a
    # reader not asked for the labels) is null.
    def value(c: str) -> str:
        return d.identifier(c) if c in sh.input_columns else "CAST(NULL AS STRING)"

    absent = [c for c in (*SCOPE_COLUMNS, *sh.dimensions) if c not in sh.input_columns]
    columns = [c for c in sh.input_columns if c != "time"] + absent
    if sh.cell_from:  # the catalog's cellFromLabel rules: the first present label
        cell = f"COALESCE({', '.join(value(c) for c in ('cell', *sh.cell_from))})"
        columns = [c for c in columns if c != "cell"]
    input_columns = ", ".join(
        [f"{value(c)} AS {d.identifier(c)}" for c in columns]
        + ([f"{cell} AS {d.identifier('cell')}"] if sh.cell_from else [])
    )
    timed = f"(SELECT {d.epoch_us('time')} AS t, {input_columns} FROM s)"
    kept_all = f"SELECT {needed} FROM {timed} x"
    # Of samples repeating a key the smallest by the canonical key is kept.
    canon = ", ".join(f"{d.identifier(c)} NULLS FIRST" for c in sh.key_columns)
    same_key = "d.resource_id = x.resource_id AND d.t = x.t"
    kept_unique = f"""
        SELECT {needed} FROM {timed} x
        WHERE NOT EXISTS (SELECT 1 FROM dupkeys d WHERE {same_key})
        UNION ALL
        SELECT {needed} FROM (
          SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.resource_id, x.t ORDER BY {canon}) AS rn
          FROM {timed} x WHERE EXISTS (SELECT 1 FROM dupkeys d WHERE {same_key})
        ) WHERE rn = 1"""
    # A resource's samples are ordered once, by a resource number (integers sort
    # much faster than text, and narrower ones faster still); a shape number
    # stands for all the other columns.
    # A sample finds its shape by a hash of the shape's columns (one integer to
    # join on instead of every column); only shapes sharing a hash with another
    # one (``h_shared``, a hash collision) are told apart by the columns themselves.
    shape = ["resource_id", *sh.shape_columns]
    shape_hash = d.row_hash([d.identifier(c) for c in shape])
    shapes = f"""
        SELECT *, CAST(DENSE_RANK() OVER (ORDER BY resource_id) AS INT) AS res_no,
          {d.unique_id()} AS shape_no, COUNT(*) OVER (PARTITION BY h) > 1 AS h_shared
        FROM (SELECT *, {shape_hash} AS h
              FROM (SELECT DISTINCT {", ".join(d.identifier(c) for c in shape)} FROM kept) u) v"""
    # Lifecycle events are few: the event and the previous one (packed as
    # 2·t + is_delete, for a delete's status) come from a small side table, keyed by resource
    # number. It has one row per key even before deduplication, so joining it
    # never multiplies samples (and once keys are unique its event is the sample's).
    events = """
        SELECT r.res_no, x.t, x.event,
          LAG(2 * x.t + CASE WHEN x.event = 'delete' THEN 1 ELSE 0 END) OVER e AS prev_event
        FROM (SELECT resource_id, t, min(event) AS event FROM kept
              WHERE event IS NOT NULL GROUP BY resource_id, t) x
        JOIN (SELECT DISTINCT resource_id, res_no FROM shapes) r ON r.resource_id = x.resource_id
        WINDOW e AS (PARTITION BY r.res_no ORDER BY x.t)"""
    # A sample's interval: a column only when it depends on the resource type.
    iv_cases = " ".join(f"WHEN {d.literal(k)} THEN {v}" for k, v in sh.type_intervals.items())
    iv = "iv" if iv_cases else str(sh.default_iv)
    iv_column = (
        f", CASE k.resource_type {iv_cases} ELSE {sh.default_iv} END AS iv" if iv_cases else ""
    )
    first_t = (
        "MIN(CASE WHEN ec <> 1 THEN t END) OVER (PARTITION BY res_no "
        "ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
        if sh.one_time
        else "CAST(NULL AS BIGINT)"
    )
    created_seg = _creation_segment(sh, "res_no")
    same_shape = " AND ".join(
        f"k.{d.identifier(c)} IS NOT DISTINCT FROM g.{d.identifier(c)}" for c in shape
    )

    sample_hash = d.row_hash([f"k.{d.identifier(c)}" for c in shape])

    def samples_of(shapes: str, test: str = "") -> str:
        """The samples of ``kept`` whose shape passes ``shapes`` (a filter of table
        ``shapes``), joined to it by hash (and by ``test`` too, where hashes collide)."""
        return f"""
          SELECT g.res_no, k.t{iv_column},
            CASE WHEN k.event IS NULL THEN 0 WHEN k.event = 'delete' THEN 1 ELSE 2 END AS ec,
            CASE WHEN k.event IS NULL THEN g.shape_no ELSE -1 - g.shape_no END AS sk
          FROM kept k JOIN shapes g ON g.h = {sample_hash} {test}
          WHERE {shapes}"""

    plain_ce = coverage_end(sh, "t", "t_next", iv, "NULL", "existed")
    ce = coverage_end(sh, "t", "t_next", iv, "event", "existed")
    # Only run starts and each resource's last row leave the window: the row before a
    # run start ends the previous run, and its coverage end follows from the start's
    # LAG values (a run of more than one row ends in a plain sample, see _run_break).
    # The window's rows are narrow: an event code (0 none, 1 delete, 2 another) and
    # the shape number, negated (-1 - shape_no) for events, so one LAG tells both
    # whether the previous sample was an event and its shape. Every event starts a
    # run, so only rows leaving the window look their events up. Every event leaves
    # it, so a window over those rows tells whether the resource ``existed`` before
    # each (the latest earlier event, packed as 2·t + is_delete, is a create or
    # update): then a plain sample, and the plain one before it, hold until the next
    # row (coverage_end).
    iv_prev = "LAG(iv) OVER r" if iv_cases else iv
    intervals = f"""
        WITH k AS (
          {samples_of("NOT g.h_shared")}
          UNION ALL
          {samples_of("g.h_shared", f"AND {same_shape}")}
        ),
        w AS (
          SELECT *, LAG(t) OVER r AS t_prev, LAG(sk) OVER r AS sk_prev, {iv_prev} AS iv_prev,
            LEAD(t) OVER r AS t_next, ROW_NUMBER() OVER r AS rn,
            {first_t} AS first_t, {created_seg} AS created_seg
          FROM k WINDOW r AS (PARTITION BY res_no ORDER BY t)
        ),
        u AS (
          SELECT *, COALESCE(t = t_prev OR t = t_next, FALSE) AS dup
          FROM w WHERE NOT {_inside_run(sh, iv)}
        ),
        o AS (
          SELECT u.*, e.event, e.prev_event,
            COALESCE(MAX(CASE WHEN u.ec <> 0 THEN 2 * u.t + CASE WHEN u.ec = 1 THEN 1 ELSE 0 END
                         END) OVER (PARTITION BY u.res_no ORDER BY u.t
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) % 2 = 0,
                     FALSE) AS existed
          FROM u LEFT JOIN events e ON u.sk < 0 AND e.res_no = u.res_no AND e.t = u.t
        ),
        v AS (SELECT *, greatest(t, {p0}) < {plain_ce} AS plain_covered, greatest(t, {p0}) AS cs
              FROM o),
        b AS (SELECT *, {_run_break(sh)} AS brk FROM v),
        c AS (SELECT *, {ce} AS ce FROM b WHERE brk = 1 OR t_next IS NULL OR dup)
        SELECT res_no, t, rn, event, cs, ce, cs < ce AND ec <> 1 AS covered,
          first_t, created_seg, prev_event, CASE WHEN sk < 0 THEN -1 - sk ELSE sk END AS shape_no,
          brk, t_prev, iv_prev, existed, dup
        FROM c"""
    dupkeys = """
        SELECT g.resource_id, v.t, count(*) AS n
        FROM iv v JOIN shapes g ON g.shape_no = v.shape_no WHERE v.dup
        GROUP BY g.resource_id, v.t"""
    presence = "".join(
        f", {d.identifier(c)} IS NOT NULL AS {d.identifier(f'present_{i}')}"
        for c, i in sh.usage_traits.items()
    )
    # A run: its start row and the next row of iv, either the next run's start (the
    # run ends in the row before it) or the resource's last row (the run's end).
    before_next = coverage_end(sh, "x_t_prev", "x_t", "x_iv_prev", "NULL", "x_existed")
    run_rows = f"""
        WITH ends AS (
          SELECT *, ce AS first_ce, LEAD(rn) OVER r AS x_rn, LEAD(brk) OVER r AS x_brk,
            LEAD(t) OVER r AS x_t, LEAD(t_prev) OVER r AS x_t_prev,
            LEAD(iv_prev) OVER r AS x_iv_prev, LEAD(existed) OVER r AS x_existed,
            LEAD(ce) OVER r AS x_ce
          FROM iv WINDOW r AS (PARTITION BY res_no ORDER BY t)
        ),
        r AS (
          SELECT {", ".join(_RUN_START)},
            CASE WHEN x_rn IS NULL THEN 1 WHEN x_brk = 1 THEN x_rn - rn
                 ELSE x_rn - rn + 1 END AS n,
            CASE WHEN x_rn IS NULL OR (x_brk = 1 AND x_rn = rn + 1) THEN ce
                 WHEN x_brk = 1 THEN {before_next} ELSE x_ce END AS ce
          FROM ends WHERE brk = 1
        )
        SELECT r.*, {", ".join(f"g.{d.identifier(c)}" for c in shape)}{presence}
        FROM r JOIN shapes g ON g.shape_no = r.shape_no"""
    scan = (
        Stage("kept", kept_all, view=True),
        Stage("shapes", shapes),
        Stage("events", events),
        Stage("iv", intervals),
        Stage("dupkeys", dupkeys),
    )
    redo = (Stage("kept", kept_unique, view=True), Stage("events", events), Stage("iv", intervals))
    return (*scan, Stage(runs, run_rows)), redo


def merged_runs_stage(own: Shape, scan: Shape) -> Stage:
    """One catalog's ``runs`` from the finer runs of a scan it shares (``scan_runs``).

    The shared scan breaks a run wherever any catalog of its group would
    (:func:`_run_break`): at each one's validity boundaries and at a change of
    any column one of them reads. Consecutive runs are joined again unless
    this catalog's own test breaks between them, applied to the earlier run's
    last sample — a covered run's samples share their validity segment and
    whether they lie in the period, and its coverage ends at the run's end.
    So the runs, and with them every piece, status and count, are exactly
    those of the catalog's own scan.
    """
    d, p0, p1 = own.d, own.p0, own.p1
    shape = [d.identifier(c) for c in own.shape_columns]

    def in_period(time: str) -> str:
        return f"({time} >= {p0} AND {time} < {p1})"

    same_shape = " AND ".join(f"LAG({c}) OVER r IS NOT DISTINCT FROM {c}" for c in shape)
    start = ["resource_id", *_RUN_START, *scan.shape_columns]
    start += [f"present_{i}" for i in scan.usage_traits.values()]
    listed = ", ".join(f"f.{d.identifier(c)}" for c in dict.fromkeys(start))
    return Stage(
        "runs",
        f"""
        WITH l AS (
          SELECT *, LAG(t) OVER r AS b_t, LAG(event) OVER r AS b_event,
            LAG(covered) OVER r AS b_covered, LAG(ce) OVER r AS b_ce, {same_shape} AS b_same
          FROM scan_runs WINDOW r AS (PARTITION BY resource_id ORDER BY t)
        ),
        b AS (
          SELECT *,
            CASE WHEN b_t IS NULL OR event IS NOT NULL OR b_event IS NOT NULL THEN 1
                 WHEN NOT covered AND NOT b_covered THEN 0
                 WHEN covered AND b_covered AND b_ce = cs AND b_same
                      AND {in_period("t")} = {in_period("b_t")}
                      AND {validity_start(own, "t")} = {validity_start(own, "b_t")} THEN 0
                 ELSE 1 END AS own_brk
          FROM l
        ),
        g AS (
          SELECT *, SUM(own_brk) OVER (PARTITION BY resource_id ORDER BY t {RUNNING}) AS own_no
          FROM b
        ),
        m AS (
          SELECT resource_id, own_no, min(t) AS t, sum(n) AS n, max_by(ce, t) AS ce
          FROM g GROUP BY resource_id, own_no
        )
        SELECT {listed}, m.n, m.ce
        FROM g f JOIN m ON m.resource_id = f.resource_id AND m.t = f.t""",
    )
