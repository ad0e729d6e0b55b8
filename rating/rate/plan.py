"""Compile a catalog into one relational rating plan: lookup tables plus SQL text.

The plan is the production engine's "program". Everything that depends on the
catalog is turned into small tables (one row per entry, one row per price tier)
and a handful of generated SQL expressions (one boolean filter per entry,
evaluated only on the *distinct matching signatures* of the input, not on every
sample), so matching cost stays flat when the catalog grows and no Python code
ever loops over samples. The statements are plain SQL over those tables and the
ingested sample table ``s``, run in order by the DuckDB engine
(:mod:`rating.rate.engine`) or the Spark engine (:mod:`rating.rate.spark`).

Exactness: times are BIGINT microseconds; quantities and amounts are wide
integers (DuckDB HUGEINT, Spark DECIMAL(38,0)) in units of 10^-12 (``*12``
columns), computed with exact integer division and ``%``, rounded half-even by
:func:`round_half_even`, then turned into DECIMAL(38,12). No DOUBLE and no
rounding decimal division is ever involved in money. A line's quantity is
priced *exactly*: it is carried as an integer ``qx`` in units of 10^-12/``qden``
(``qden`` is one denominator per product id that every quantity of it divides),
so ranges, tiers and amounts are exact and each amount is rounded once
(:func:`_round_sum_ctes`); only the reported quantity is rounded to 12 places.

Engine-specific spellings (integer division, the wide integer type, epoch
conversions, regex full match, list predicates, exploding a range, exact
money) come from a :class:`~rating.rate.dialect.Dialect`, so DuckDB and Spark
run the same plan (docs/spark.md). The rest is SQL both accept as written.
Every trait column name and every value from the catalog or the samples is
written by the dialect's ``identifier`` and ``literal``, never quoted here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa

from rating.errors import RatecardError
from rating.model import (
    Catalog,
    Condition,
    ConditionOp,
    PriceModel,
    Product,
    ScopeLevel,
    UsageKind,
)
from rating.period import Period, from_epoch_us
from rating.rate.dialect import DUCKDB, Dialect
from rating.rate.result import LINE_ITEM_SCHEMA, Counts, RateOptions
from rating.rate.timeline import (
    creation_boundaries,
    is_calendar,
    measure_factor,
    month_weight,
    months,
    split_points,
    validity_boundaries,
)
from rating.scopes import MATCHED_SCOPE_COLUMNS, SCOPE_COLUMNS, label_column
from rating.service_categories import service_category

SCALE12 = 10**12
US_PER_S = 10**6
US_PER_DAY = 86_400 * US_PER_S
NEG_INF_US = -(2**62)  # validity segment start before every boundary
INFX = 10**37  # "no upper bound" for tiers, in exact-quantity units (see ``qden``)
DOUBLE_SCALE = 10**9  # Double trait values enter integer arithmetic as value × 10^9

# Scope columns (rating.scopes, SCOPE_COLUMNS): all are carried to line items and split
# slices when they change; only MATCHED_SCOPE_COLUMNS enter matching signatures.
_SPECIFICITY = {level: level.specificity for level in ScopeLevel}


def time_range_sql(d: Dialect) -> str:
    """First and last sample time (epoch µs) of table ``s``: the period when none is given."""
    return f"SELECT min({d.epoch_us('time')}), max({d.epoch_us('time')}) FROM s"


def round_half_even(num: str, den: str, d: Dialect) -> str:
    """SQL for num / den rounded half to even, both integer expressions, den > 0.

    Integer division truncates toward zero, so the sign is handled separately. Callers pass
    column names or cheap expressions (they are repeated).
    """

    def nonneg(x: str) -> str:
        quo, rem = d.idiv(x, den), f"(({x}) % ({den}))"
        bump = (
            f"CASE WHEN 2 * {rem} > ({den}) OR (2 * {rem} = ({den}) AND {quo} % 2 = 1) "
            "THEN 1 ELSE 0 END"
        )
        return f"({quo} + {bump})"

    return f"(CASE WHEN ({num}) >= 0 THEN {nonneg(num)} ELSE -{nonneg('-(' + num + ')')} END)"


def _round_sum_ctes(source: str, whole: str, part: str, den: str, d: Dialect) -> str:
    """CTEs ending in ``rounded``: ``source`` plus ``amount12``, the exact amount rounded once.

    The amount is ``whole``/10^12 + ``part``/(10^12 · ``den``) (10^-24 units and
    a fraction of them). Multiplying ``whole`` by ``den`` to add them could
    overflow 38 digits, so the whole 10^-12 units of ``whole`` are kept apart
    and only its remainder joins the fraction: base = those units + floor of
    the fraction, then half-even on what is left (parity taken on the sum, so
    ties go to an even amount).
    """
    s = str(SCALE12)
    return f"""u AS (
          SELECT {source}.*, {d.idiv(whole, s)} AS wq, ({whole} % {s}) * {den} + {part} AS fn,
            {s} * {den} AS fd
          FROM {source}
        ),
        v AS (
          SELECT u.*, wq + {d.idiv("fn", "fd")} - CASE WHEN fn % fd < 0 THEN 1 ELSE 0 END AS base,
            fn % fd + CASE WHEN fn % fd < 0 THEN fd ELSE 0 END AS rest
          FROM u
        ),
        rounded AS (
          SELECT v.*, base + CASE WHEN 2 * rest > fd OR (2 * rest = fd AND base % 2 <> 0)
                                  THEN 1 ELSE 0 END AS amount12
          FROM v
        )"""


def ceil_div(num: str, den: str, d: Dialect) -> str:
    """SQL ceil(num / den) for num >= 0, den > 0 (integers)."""
    return d.idiv(f"({num}) + ({den}) - 1", den)


def to_us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=moment.tzinfo)
    return (delta.days * 86_400 + delta.seconds) * US_PER_S + delta.microseconds


def to12(value: Decimal, what: str) -> int:
    scaled = value * SCALE12
    if scaled != scaled.to_integral_value():
        raise RatecardError(f"{what}: {value} has more than 12 decimal places")
    return int(scaled)


@dataclass(frozen=True)
class Stage:
    """One step of the plan: a SELECT whose result later stages read under ``name``."""

    name: str
    sql: str
    view: bool = False  # cheap to recompute: a view, not a stored table


@dataclass(frozen=True)
class RatingPlan:
    """Everything the engine needs: lookup tables and the SQL of each stage.

    The engine loads the input into table ``s`` (every column but the source position),
    registers :attr:`entries`, :attr:`tiers` under those names, materializes the
    stages of :meth:`run_order` in order (a stage may replace an earlier one of
    the same name), then reads :attr:`line_items_sql`, :attr:`counts_sql` and
    :attr:`unmatched_sql`.
    """

    entries: pa.Table  # one row per catalog entry (entry_idx = catalog order)
    tiers: pa.Table  # price tiers per entry, in 10^-12 units
    stages: tuple[Stage, ...]  # in order, for inputs without repeated (resource, time) keys
    deduplication: tuple[Stage, ...]  # redone after stage ``dupkeys`` when it has rows
    line_items_sql: str  # final SELECT in LINE_ITEM_SCHEMA, sorted by LINE_ITEM_ORDER
    counts_sql: str  # one row: duplicates, rated, unmatched, outside_period, missing_state
    duplicates_sql: str  # one row, one boolean: do some samples repeat a (resource, time)?
    unmatched_sql: str  # per resource type: samples, resources, first unmatched resource
    kept_columns: tuple[str, ...]  # of stage ``kept``: ``t`` (µs) and the columns rating reads
    dialect: Dialect  # the engine the SQL is spelled for

    def run_order(self, has_duplicates: Callable[[], bool]) -> Iterator[Stage]:
        """The stages to materialize, in order.

        ``has_duplicates`` is asked once stage ``dupkeys`` exists (it runs
        :attr:`duplicates_sql`): only then are the samples deduplicated and
        scanned again.
        """
        for stage in self.stages:
            yield stage
            if stage.name == "dupkeys" and has_duplicates():
                yield from self.deduplication

    def counts(self, row: Sequence[int], read: int, rejected: int = 0) -> Counts:
        """The reconciliation from :attr:`counts_sql`'s one row."""
        duplicates, rated, unmatched, outside, missing_state = row
        return Counts(
            read=read,
            rejected=rejected,
            duplicates=duplicates,
            outside_period=outside,
            rated=rated,
            unmatched=unmatched,
            missing_state=missing_state,
        )

    @staticmethod
    def sample_row(row: dict) -> dict:
        """A row of :meth:`first_unmatched_sql` in the normalized-sample shape."""
        return {**row, "time": from_epoch_us(row.pop("t"))}

    def first_unmatched_sql(self, resource_id: str) -> str:
        """The earliest unmatched sample of a resource (for the nearest-product hint)."""
        d = self.dialect
        listed = ", ".join(f"k.{d.identifier(c)}" for c in self.kept_columns)
        return f"""SELECT {listed}
            FROM kept k JOIN status x ON x.resource_id = k.resource_id AND x.t = k.t
            WHERE x.status = 'unmatched' AND k.resource_id = {d.literal(resource_id)}
            ORDER BY k.t LIMIT 1"""


def _quantity_factor(product: Product, catalog: Catalog, days: int, double: bool) -> Fraction:
    """10^-12 usage units per unit of a line's raw count (exact; its denominator matters).

    The count is the raw measure of :mod:`rating.rate.timeline` for Time,
    TimeQuantity and Quantity (Double trait values enter as value ×
    DOUBLE_SCALE), the days present for a prorated Recurring fee, else 1.
    """
    if product.usage.kind == UsageKind.RECURRING and product.usage.prorate:
        return Fraction(SCALE12, days)
    factor = measure_factor(product, catalog) * SCALE12
    return factor / DOUBLE_SCALE if double else factor


def _condition_sql(
    cond: Condition, column: str | None, arrow_type: pa.DataType | None, d: Dialect
) -> str:
    """Boolean SQL for one filter condition on a signature row (never NULL).

    Mirrors :func:`rating.rate.matching.condition_holds`: numbers compare
    numerically, list traits hold when any element does (NotOneOf: when none
    equals a listed value), Regex sees the value's text.
    """
    col = d.identifier(column) if column else "NULL"
    op = cond.op
    if op is ConditionOp.PRESENT:
        return f"({col} IS NOT NULL)"
    if op is ConditionOp.ABSENT:
        return f"({col} IS NULL)"
    if column is None or arrow_type is None:
        return "FALSE"
    is_list = pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)
    element = arrow_type.value_type if is_list else arrow_type
    numeric = pa.types.is_integer(element) or pa.types.is_floating(element)
    boolean = pa.types.is_boolean(element)

    def one_of(x: str) -> str:
        values = [v for v in cond.values if _comparable(v, numeric, boolean)]
        listed = ", ".join(d.literal(_as_sql_value(v)) for v in values)
        return f"COALESCE({x} IN ({listed}), FALSE)" if values else "FALSE"

    def holds(x: str) -> str:
        if op in (ConditionOp.EQUALS, ConditionOp.ONE_OF, ConditionOp.NOT_ONE_OF):
            return one_of(x)
        if op is ConditionOp.REGEX:
            return f"COALESCE({d.full_match(x, cond.pattern or '')}, FALSE)"
        if op is ConditionOp.RANGE:
            if not numeric:
                return "FALSE"
            parts = [f"{x} IS NOT NULL"]
            if cond.at_least is not None:
                parts.append(f"{x} >= {d.literal(cond.at_least)}")
            if cond.below is not None:
                parts.append(f"{x} < {d.literal(cond.below)}")
            return "(" + " AND ".join(parts) + ")"
        raise RatecardError(f"condition on {cond.trait}: unsupported operator {op}")

    inner = f"COALESCE({d.any_element(col, 'x', holds('x'))}, FALSE)" if is_list else holds(col)
    if op is ConditionOp.NOT_ONE_OF:
        return f"({col} IS NOT NULL AND NOT {inner})"
    return f"({inner})"


def _comparable(value: object, numeric: bool, boolean: bool) -> bool:
    if numeric:
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if boolean:
        return isinstance(value, bool)
    return isinstance(value, str)


def _as_sql_value(value: object) -> object:
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _tier_rows(idx: int, product: Product, qden: int) -> list[dict]:
    """Price tiers as cumulative bounds in exact-quantity units (10^-12/``qden``), prices
    in 10^-12; PerUnit and Package become one open tier."""
    price = product.price
    where = f"{product.source or product.id}: price"
    if price.model in (PriceModel.GRADUATED, PriceModel.VOLUME) and price.tiers:
        rows, low = [], 0
        for number, tier in enumerate(price.tiers):
            high = INFX if tier.up_to is None else to12(tier.up_to, where) * qden
            rows.append(
                dict(
                    entry_idx=idx,
                    tier_no=number,
                    lox=low,
                    hix=high,
                    vhix=high,
                    price12=to12(tier.unit_price, where),
                )
            )
            low = high
        rows[-1]["vhix"] = INFX  # Volume: beyond every bound means the last tier
        return rows
    return [
        dict(
            entry_idx=idx,
            tier_no=0,
            lox=0,
            hix=INFX,
            vhix=INFX,
            price12=to12(price.unit_price, where),
        )
    ]


def _list_price(product: Product) -> Decimal:
    price = product.price
    if price.model in (PriceModel.GRADUATED, PriceModel.VOLUME) and price.tiers:
        return price.tiers[0].unit_price
    return price.unit_price


def _td_us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * US_PER_S + delta.microseconds


# Big integers travel as text and are cast to HUGEINT in SQL (Arrow has no int128).
_ENTRY_SCHEMA = pa.schema(
    [
        ("entry_idx", pa.int64()),
        ("product_id", pa.string()),
        ("resource_type", pa.string()),
        *((f"e_{c}", pa.string()) for c in MATCHED_SCOPE_COLUMNS),  # the selector's fields
        ("spec", pa.int64()),
        ("vf", pa.int64()),
        ("vu", pa.int64()),
        ("cf", pa.int64()),
        ("cu", pa.int64()),
        ("kind", pa.string()),
        ("utrait", pa.int64()),
        ("cal", pa.bool_()),
        ("qmul", pa.string()),
        ("qden", pa.string()),
        ("prorate", pa.bool_()),
        ("product_name", pa.string()),
        ("seller_id", pa.string()),
        ("seller_product_group", pa.string()),
        ("service_category", pa.string()),
        ("usage_type", pa.string()),
        ("unit", pa.string()),
        ("currency", pa.string()),
        ("model", pa.string()),
        ("list_price", pa.string()),
        ("incx", pa.string()),
        ("pkgx", pa.string()),
        ("min12", pa.string()),
    ]
)
_TIER_SCHEMA = pa.schema(
    [
        ("entry_idx", pa.int64()),
        ("tier_no", pa.int64()),
        ("lox", pa.string()),
        ("hix", pa.string()),
        ("vhix", pa.string()),
        ("price12", pa.string()),
    ]
)
_NOT_IN_KEY = {"resource_id", "time", "source_file", "source_line"}
RUNNING = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"  # a running-sum window frame
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


def compile_plan(
    catalog: Catalog,
    period: Period,
    options: RateOptions,
    schema: pa.Schema,
    dialect: Dialect = DUCKDB,
) -> RatingPlan:
    """Compile ``catalog`` for one period and an input of the given Arrow ``schema``.

    The SQL is spelled for ``dialect``'s engine; the lookup tables are the same for all.
    """
    return compile_plans([catalog], period, options, schema, dialect)[0]


def compile_plans(
    catalogs: Sequence[Catalog],
    period: Period,
    options: RateOptions,
    schema: pa.Schema,
    dialect: Dialect = DUCKDB,
) -> list[RatingPlan]:
    """One plan per catalog, run in order in one session (``ratecard diff``).

    The scan is most of a run and hardly depends on the catalog, so a plan
    reuses the previous plan's scan when both derive the same ``cell`` from
    the samples (``cellFromLabel``): the first plan of such a group scans for
    all of them (:func:`_scan_stages` over :func:`_shape` of the group — every
    column, validity boundary and creation cut any of them needs), so its runs
    split wherever any catalog's would. Each plan then merges those runs back
    into exactly its own (:func:`_merged_runs_stage`) before cutting them into
    pieces, so every result equals the catalog's own plan's.
    """
    types = {f.name: f.type for f in schema}
    plans: list[RatingPlan] = []
    for group in _scan_groups(catalogs):
        products = [p for catalog in group for p in catalog.products]
        numbers = {column: i for i, column in enumerate(_usage_columns(products, types))}
        creation_cuts = [to_us(b) for b in creation_boundaries(products)]
        scan_shape = _shape(group, period, options, schema, dialect, numbers, creation_cuts)
        shared = len(group) > 1
        scan, deduplication = _scan_stages(scan_shape, "scan_runs" if shared else "runs")
        for catalog in group:
            one = _compile_one(catalog, period, options, schema, dialect, numbers, creation_cuts)
            own = (_merged_runs_stage(one.shape, scan_shape),) if shared else ()
            stages = (*scan, *own, *one.stages)
            plans.append(dataclasses.replace(one.plan, stages=stages, deduplication=deduplication))
            scan, deduplication = (), ()  # the group's later plans reuse the first one's scan
    return plans


def _scan_groups(catalogs: Sequence[Catalog]) -> Iterator[list[Catalog]]:
    """Consecutive catalogs giving samples the same cell: they share one scan."""
    group: list[Catalog] = []
    for catalog in catalogs:
        if group and group[0].dimensions.cell_from_label != catalog.dimensions.cell_from_label:
            yield group
            group = []
        group.append(catalog)
    if group:
        yield group


def _condition_columns(products: Sequence[Product], types: dict[str, pa.DataType]) -> list[str]:
    """The trait columns the input has that filters read, in catalog order."""
    named = (f"traits.{cond.trait}" for p in products for cond in p.filter)
    return [column for column in dict.fromkeys(named) if column in types]


def _usage_columns(products: Sequence[Product], types: dict[str, pa.DataType]) -> list[str]:
    """The trait columns the input has that TimeQuantity and Quantity usages measure."""
    measured = (UsageKind.TIME_QUANTITY, UsageKind.QUANTITY)
    named = (f"traits.{p.usage.trait}" for p in products if p.usage.kind in measured)
    return [column for column in dict.fromkeys(named) if column in types]


def _shape(
    catalogs: Sequence[Catalog],
    period: Period,
    options: RateOptions,
    schema: pa.Schema,
    dialect: Dialect,
    numbers: dict[str, int],
    creation_cuts: list[int],
    filters: tuple[str, ...] = (),
) -> _Shape:
    """What the SQL text of ``catalogs`` is generated from: for one catalog its own
    facts, for a group of catalogs sharing a scan everything any of them needs.

    ``numbers`` numbers the usage trait columns and ``creation_cuts`` are the
    grandfathering cuts of the whole group, so every plan of the group agrees
    on the scan's ``present_<n>`` and ``created_seg`` columns.
    """
    types = {f.name: f.type for f in schema}
    products = [p for catalog in catalogs for p in catalog.products]
    usage_traits = {column: numbers[column] for column in _usage_columns(products, types)}
    labels = (n for catalog in catalogs for n in catalog.dimensions.labels)
    return _Shape(
        d=dialect,
        input_columns=tuple(n for n in schema.names if n not in ("source_file", "source_line")),
        p0=to_us(period.start),
        p1=to_us(period.end),
        days=period.days,
        default_iv=_td_us(options.interval),
        type_intervals={t: _td_us(d) for t, d in options.interval_by_type.items()},
        key_columns=tuple(sorted(n for n in schema.names if n not in _NOT_IN_KEY)),
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


@dataclass(frozen=True)
class _Compiled:
    """One catalog's plan without the scan, and the shape its SQL was generated from."""

    plan: RatingPlan
    shape: _Shape
    stages: tuple[Stage, ...]  # pieces onwards: what reads the runs


def _compile_one(
    catalog: Catalog,
    period: Period,
    options: RateOptions,
    schema: pa.Schema,
    dialect: Dialect,
    numbers: dict[str, int],
    creation_cuts: list[int],
) -> _Compiled:
    """The lookup tables and the SQL after the scan of one catalog (see :func:`compile_plans`)."""
    types = {f.name: f.type for f in schema}
    products = catalog.products
    entry_rows, tier_rows, filters, factors = [], [], [], []

    def creation_segment(moment: datetime | None) -> int | None:  # see _creation_segment
        return None if moment is None else creation_cuts.index(to_us(moment)) + 1

    for idx, p in enumerate(products):
        conds = []
        for cond in p.filter:
            column = f"traits.{cond.trait}"
            present = column in types
            conds.append(
                _condition_sql(cond, column if present else None, types.get(column), dialect)
            )
        utrait, double = None, False
        if p.usage.kind in (UsageKind.TIME_QUANTITY, UsageKind.QUANTITY):
            column = f"traits.{p.usage.trait}"
            if column in types:
                utrait = numbers[column]
                double = pa.types.is_floating(types[column])
                conds.append(dialect.identifier(f"present_{utrait}"))
            else:
                conds.append("FALSE")
        filters.append(" AND ".join(conds) if conds else "TRUE")
        factors.append(_quantity_factor(p, catalog, period.days, double))
        price = p.price
        where = f"{p.source or p.id}: price"
        entry_rows.append(
            dict(
                entry_idx=idx,
                product_id=p.id,
                resource_type=p.resource_type,
                **{f"e_{c}": getattr(p.scope, c) for c in MATCHED_SCOPE_COLUMNS},
                spec=_SPECIFICITY[p.scope.level],
                vf=to_us(p.valid_from) if p.valid_from else None,
                vu=to_us(p.valid_until) if p.valid_until else None,
                cf=creation_segment(p.created_from),
                cu=creation_segment(p.created_until),
                kind=str(p.usage.kind),
                utrait=utrait,
                cal=is_calendar(p),
                prorate=bool(p.usage.prorate),
                product_name=p.display_name,
                seller_id=p.seller.seller_id,
                seller_product_group=p.seller.seller_product_group,
                service_category=service_category(p),
                usage_type=p.usage_type,
                unit=p.usage.unit,
                currency=price.currency,
                model=str(price.model),
                list_price=str(_list_price(p)),
                incx=to12(price.included_quantity, where),
                pkgx=to12(price.package_size, where) if price.package_size else None,
                min12=None
                if price.minimum_charge is None
                else str(to12(price.minimum_charge, where)),
            )
        )
    # One denominator per product id: its lines share a pricing group, so their exact
    # quantities add up without rounding.
    qden: dict[str, int] = {}
    for row, factor in zip(entry_rows, factors, strict=True):
        qden[row["product_id"]] = math.lcm(qden.get(row["product_id"], 1), factor.denominator)
    for row, factor, p in zip(entry_rows, factors, products, strict=True):
        den = qden[p.id]
        row.update(
            qmul=str(int(factor * den)),
            qden=str(den),
            incx=str(row["incx"] * den),
            pkgx=None if row["pkgx"] is None else str(row["pkgx"] * den),
        )
        tier_rows.extend(
            {**tier, **{k: str(tier[k]) for k in ("lox", "hix", "vhix", "price12")}}
            for tier in _tier_rows(row["entry_idx"], p, den)
        )
    shape = _shape(
        [catalog], period, options, schema, dialect, numbers, creation_cuts, tuple(filters)
    )
    plan = RatingPlan(
        entries=pa.Table.from_pylist(entry_rows, schema=_ENTRY_SCHEMA),
        tiers=pa.Table.from_pylist(tier_rows, schema=_TIER_SCHEMA),
        stages=(),
        deduplication=(),
        line_items_sql=_line_items_sql(shape, period.label, catalog.version),
        counts_sql=_counts_sql(shape),
        duplicates_sql="SELECT EXISTS (SELECT 1 FROM dupkeys)",
        unmatched_sql=_UNMATCHED_SQL,
        kept_columns=shape.kept_columns,
        dialect=dialect,
    )
    return _Compiled(plan, shape, (_pieces_stage(shape), *_rating_stages(shape)))


@dataclass(frozen=True)
class _Shape:
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
    filters: tuple[str, ...]
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


def _trait_int(expr: str, arrow_type: pa.DataType, d: Dialect) -> str:
    """A usage trait as an exact integer: Double values are scaled by DOUBLE_SCALE.

    (Doubles with more than 9 decimals are rounded there; integers are exact.)
    """
    if pa.types.is_floating(arrow_type):
        return d.wide(f"round({expr} * {DOUBLE_SCALE})")
    return d.wide(expr)


def _validity_start(sh: _Shape, time: str) -> str:
    """SQL: the validity boundary at or before ``time`` (prices change only at boundaries)."""
    if not sh.boundaries:
        return str(NEG_INF_US)
    cases = " ".join(f"WHEN {time} >= {b} THEN {b}" for b in reversed(sh.boundaries))
    return f"CASE {cases} ELSE {NEG_INF_US} END"


def _creation_segment(sh: _Shape, resource: str) -> str:
    """SQL (a window over ``resource``'s rows): how many creation cuts lie at or before
    its creation time (:func:`rating.rate.timeline.creation_time`); 0 without any cut."""
    if not sh.creation_cuts:
        return "0"
    return _segment(sh.creation_cuts, f"MIN(t) OVER (PARTITION BY {resource})")


def _segment(cuts: Sequence[int], time: str) -> str:
    """SQL: how many of the sorted ``cuts`` lie at or before ``time``."""
    numbered = reversed(list(enumerate(cuts, 1)))
    return f"CASE {' '.join(f'WHEN {time} >= {c} THEN {i}' for i, c in numbered)} ELSE 0 END"


def _month_weight(sh: _Shape, time: str) -> str:
    """SQL: the weight of one µs of the month holding ``time`` (1 without calendar units)."""
    if not sh.months:
        return "1"
    cases = " ".join(f"WHEN {time} >= {start} THEN {w}" for start, w in reversed(sh.months))
    return f"CASE {cases} ELSE 1 END"


def _coverage_end(sh: _Shape, t: str, t_next: str, iv: str, event: str, t_next_event: str) -> str:
    """SQL: where the interval starting at sample time ``t`` ends, clipped to the period.

    A sample holds until the next sample, at most ``iv``; a create/update holds
    until the resource's next event (or the period's end); a delete covers nothing.
    """
    held = f"least(COALESCE({t_next}, {t} + {iv}), {t} + {iv})"
    return f"""least(CASE WHEN {event} IS NULL THEN {held}
                  WHEN {event} = 'delete' THEN {t}
                  ELSE COALESCE({t_next_event}, greatest({t}, {sh.p1})) END, {sh.p1})"""


def _run_break(sh: _Shape) -> str:
    """SQL: 1 when a sample starts a new run after the previous one (columns ``*_prev``).

    A sample continues the previous one's run when both are plain samples, both
    covered (or both not), contiguous, in the same validity segment and of the
    same shape. Such samples land in the same slice for every product, so a run
    is rated as one row (over-splitting a run would change nothing).
    """
    p0, p1 = sh.p0, sh.p1
    prev_ce = f"least(t_prev + iv, t, {p1})"
    prev_covered = f"(greatest(t_prev, {p0}) < {prev_ce})"

    def in_period(time: str) -> str:
        return f"({time} >= {p0} AND {time} < {p1})"

    return f"""CASE WHEN t_prev IS NULL OR t IS NULL OR event_prev IS NOT NULL OR event IS NOT NULL
                    THEN 1
               WHEN NOT covered AND NOT {prev_covered} THEN 0
               WHEN covered AND {prev_covered} AND {prev_ce} = cs
                    AND {in_period("t")} = {in_period("t_prev")}
                    AND {_validity_start(sh, "t")} = {_validity_start(sh, "t_prev")}
                    AND shape_no = shape_no_prev THEN 0
               ELSE 1 END"""


def _scan_stages(sh: _Shape, runs: str) -> tuple[tuple[Stage, ...], tuple[Stage, ...]]:
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
    # much faster than text); a shape number stands for all the other columns.
    shape = ["resource_id", *sh.shape_columns]
    shapes = f"""
        SELECT *, DENSE_RANK() OVER (ORDER BY resource_id) AS res_no, {d.unique_id()} AS shape_no
        FROM (SELECT DISTINCT {", ".join(d.identifier(c) for c in shape)} FROM kept)"""
    # Lifecycle events are few: their next event and the previous one (packed as
    # 2·t + is_delete) come from a small side table. It has one row per key even
    # before deduplication, so joining it never multiplies samples.
    events = """
        SELECT resource_id, t, LEAD(t) OVER e AS t_next_event,
          LAG(2 * t + CASE WHEN event = 'delete' THEN 1 ELSE 0 END) OVER e AS prev_event
        FROM (SELECT resource_id, t, min(event) AS event FROM kept
              WHERE event IS NOT NULL GROUP BY resource_id, t)
        WINDOW e AS (PARTITION BY resource_id ORDER BY t)"""
    iv_cases = " ".join(f"WHEN {d.literal(k)} THEN {v}" for k, v in sh.type_intervals.items())
    iv = str(sh.default_iv)
    if iv_cases:
        iv = f"CASE k.resource_type {iv_cases} ELSE {iv} END"
    first_t = (
        "MIN(CASE WHEN event IS DISTINCT FROM 'delete' THEN t END) OVER (PARTITION BY res_no "
        "ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
        if sh.one_time
        else "CAST(NULL AS BIGINT)"
    )
    created_seg = _creation_segment(sh, "res_no")
    same_shape = " AND ".join(
        f"k.{d.identifier(c)} IS NOT DISTINCT FROM g.{d.identifier(c)}" for c in shape
    )
    ce = _coverage_end(sh, "t", "t_next", "iv", "event", "t_next_event")
    # Only run starts and each resource's last row leave the window: the row before a
    # run start ends the previous run, and its coverage end follows from the start's
    # LAG values (a run of more than one row ends in a plain sample, see _run_break).
    iv_prev = "LAG(iv) OVER r" if iv_cases else iv
    intervals = f"""
        WITH k AS (
          SELECT g.res_no, k.t, k.event, {iv} AS iv, g.shape_no, e.t_next_event, e.prev_event
          FROM kept k JOIN shapes g ON {same_shape}
          LEFT JOIN events e
            ON k.event IS NOT NULL AND e.resource_id = k.resource_id AND e.t = k.t
        ),
        w AS (
          SELECT *, LAG(t) OVER r AS t_prev, LAG(event) OVER r AS event_prev,
            LAG(shape_no) OVER r AS shape_no_prev, {iv_prev} AS iv_prev,
            LEAD(t) OVER r AS t_next, ROW_NUMBER() OVER r AS rn,
            {first_t} AS first_t, {created_seg} AS created_seg
          FROM k WINDOW r AS (PARTITION BY res_no ORDER BY t)
        ),
        c AS (SELECT *, greatest(t, {p0}) AS cs, {ce} AS ce FROM w),
        v AS (
          SELECT *, cs < ce AND event IS DISTINCT FROM 'delete' AS covered,
            COALESCE(t = t_prev OR t = t_next, FALSE) AS dup
          FROM c
        ),
        b AS (SELECT *, {_run_break(sh)} AS brk FROM v)
        SELECT res_no, t, rn, event, cs, ce, covered, first_t, created_seg, prev_event,
          shape_no, brk, t_prev, iv_prev, dup
        FROM b WHERE brk = 1 OR t_next IS NULL OR dup"""
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
    before_next = _coverage_end(sh, "x_t_prev", "x_t", "x_iv_prev", "NULL", "NULL")
    run_rows = f"""
        WITH ends AS (
          SELECT *, ce AS first_ce, LEAD(rn) OVER r AS x_rn, LEAD(brk) OVER r AS x_brk,
            LEAD(t) OVER r AS x_t, LEAD(t_prev) OVER r AS x_t_prev,
            LEAD(iv_prev) OVER r AS x_iv_prev, LEAD(ce) OVER r AS x_ce
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


def _merged_runs_stage(own: _Shape, scan: _Shape) -> Stage:
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
                      AND {_validity_start(own, "t")} = {_validity_start(own, "b_t")} THEN 0
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


def _pieces_stage(sh: _Shape) -> Stage:
    """Runs cut at the split points (:mod:`rating.rate.timeline`): ``pieces``.

    One row per piece ``[ps, pe)`` of a run's coverage, with the validity
    segment it is matched in (``vstart``), its month weight (``mw``) and
    whether it is the run's first piece (the one its samples' own times lie
    in: Quantity and OneTime use only that one). A run that covers nothing
    stays one piece.
    """
    validity, weight = _validity_start(sh, "ps"), _month_weight(sh, "ps")
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
          SELECT r.*, {_segment(sh.cuts, "cs")} AS k0, {_segment(sh.cuts, "ce - 1")} AS k1
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


def _rating_stages(sh: _Shape) -> tuple[Stage, ...]:
    """Runs (from :func:`_scan_stages`) into priced lines: matching, slices, pricing."""
    p0, p1, d = sh.p0, sh.p1, sh.d
    wide = d.wide_int
    sig = sh.sig_columns
    sig_list = ", ".join(d.identifier(c) for c in sig)
    filter_cases = " ".join(f"WHEN {i} THEN ({f})" for i, f in enumerate(sh.filters))
    filter_case = f"CASE e.entry_idx {filter_cases} ELSE FALSE END" if filter_cases else "FALSE"
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
    # Scope and name columns come from each line's first sample (joined back at the end).
    raw = f"""
        WITH rec AS (
          SELECT resource_id, product_id, min(start_us) AS start_us, max(end_us) AS end_us,
            min_by(entry_idx, start_us) AS entry_idx, min_by(first_sample, start_us) AS sample_t
          FROM slices WHERE kind = 'Recurring' GROUP BY resource_id, product_id
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
        SELECT b.resource_id, b.product_id, b.start_us, b.end_us, b.entry_idx, {line_cols}, b.qx
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
                     ORDER BY r.start_us, r.resource_id, r.entry_idx, r.end_us {RUNNING})"""
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
        {_round_sum_ctes("z", "whole24", "part24", "qden", d)}
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


def _line_items_sql(sh: _Shape, label: str, version: str) -> str:
    d, dec = sh.d, "DECIMAL(38,12)"
    wide = d.wide_int
    money = d.money

    # Minimum charges compare and subtract in 10^-12 units: Spark's DECIMAL(38,12)
    # subtraction would drop the last decimal place. The top-up line carries each scope
    # field the group's lines share (null where they differ), so scoped discounts reach it.
    carried = [d.identifier(c) for c in sh.carried]
    below = [d.identifier(c) for c in sh.carried if c != "tenant"]  # the group is one tenant's
    shared = ", ".join(
        f"CASE WHEN min(p.{c}) = max(p.{c}) AND count(p.{c}) = count(*) THEN min(p.{c}) END AS {c}"
        for c in below
    )
    scope = ", ".join(c for c in LINE_ITEM_SCHEMA.names if c in SCOPE_COLUMNS)  # in file order
    labels = "".join(f", {d.identifier(c)}" for c in sh.dimensions)  # after catalog_version
    return f"""
        WITH g AS (
          SELECT p.tenant, p.product_id, p.currency, sum(p.amount12) AS sum12,
            max(CAST(e.min12 AS {wide})) AS min12, {shared}
          FROM priced p JOIN entries e USING (entry_idx)
          GROUP BY p.tenant, p.product_id, p.currency
        ),
        biggest AS (
          SELECT p.tenant, p.product_id, p.currency,
            min_by(p.entry_idx, p.gpos) AS entry_idx
          FROM priced p JOIN entries e USING (entry_idx) JOIN g
            ON g.tenant IS NOT DISTINCT FROM p.tenant AND g.product_id = p.product_id
               AND g.currency = p.currency AND CAST(e.min12 AS {wide}) = g.min12
          GROUP BY p.tenant, p.product_id, p.currency
        ),
        top_up AS (
          SELECT g.product_id, g.currency, b.entry_idx,
            {", ".join(f"g.{c}" for c in carried)}, {money("g.min12 - g.sum12")} AS amount
          FROM g JOIN biggest b
            ON b.tenant IS NOT DISTINCT FROM g.tenant AND b.product_id = g.product_id
               AND b.currency = g.currency
          WHERE g.min12 IS NOT NULL AND g.sum12 < g.min12
        ),
        lines AS (
          SELECT {", ".join(f"p.{c}" for c in carried)}, p.resource_id,
            p.resource_type, p.resource_name, p.product_id, e.product_name, e.seller_id,
            e.seller_product_group, e.service_category, e.usage_type,
            {money("p.q12")} AS quantity, e.unit,
            CAST(e.list_price AS {dec}) AS unit_price, {money("p.amount12")} AS amount,
            e.currency, p.start_us, p.end_us
          FROM priced p JOIN entries e USING (entry_idx)
          UNION ALL
          SELECT {", ".join(f"u.{c}" for c in carried)}, NULL,
            e.resource_type, NULL, u.product_id,
            e.product_name, e.seller_id, e.seller_product_group, e.service_category,
            'minimum charge',
            CAST(1 AS {dec}), '1', u.amount, u.amount, u.currency, {sh.p0}, {sh.p1}
          FROM top_up u JOIN entries e USING (entry_idx)
        )
        SELECT {d.literal(label)} AS period, {scope},
          resource_id, resource_type, resource_name, product_id, product_name, seller_id,
          seller_product_group, service_category, usage_type,
          CAST(quantity AS {dec}) AS quantity, unit,
          unit_price, CAST(amount AS {dec}) AS amount, currency,
          {d.timestamp_us("start_us")} AS {d.identifier("start")},
          {d.timestamp_us("end_us")} AS {d.identifier("end")},
          {d.literal(version)} AS catalog_version{labels}
        FROM lines
        ORDER BY tenant NULLS FIRST, product_id NULLS FIRST, resource_id NULLS FIRST,
          start_us NULLS FIRST, end_us NULLS FIRST, currency NULLS FIRST,
          quantity NULLS FIRST"""


def _counts_sql(sh: _Shape) -> str:
    """One row: duplicates, rated, unmatched, outside_period and missing_state.

    missing_state counts resources whose earliest row is an update or delete
    inside the period (a resource's first row always starts a run).
    """
    return f"""
    SELECT (SELECT COALESCE(sum(n - 1), 0) FROM dupkeys) AS duplicates,
      COALESCE(sum(n) FILTER (WHERE status = 'rated'), 0) AS rated,
      COALESCE(sum(n) FILTER (WHERE status = 'unmatched'), 0) AS unmatched,
      COALESCE(sum(n) FILTER (WHERE status = 'outside_period'), 0) AS outside_period,
      (SELECT count(*) FROM (
         SELECT min(t) AS first_t,
           min(CASE WHEN event IN ('update', 'delete') THEN t END) AS blind_t
         FROM runs GROUP BY resource_id
       ) f WHERE blind_t = first_t AND first_t >= {sh.p0} AND first_t < {sh.p1}
      ) AS missing_state
    FROM status"""


_UNMATCHED_SQL = """
    SELECT resource_type, sum(n) AS samples, count(DISTINCT resource_id) AS resources,
      min(resource_id) AS first_id
    FROM status WHERE status = 'unmatched'
    GROUP BY resource_type ORDER BY resource_type"""
