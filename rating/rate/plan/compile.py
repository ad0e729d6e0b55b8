"""Compiling catalogs into plans: the lookup tables, and each plan's stages in order."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pyarrow as pa

from rating.model import Catalog, PriceModel, Product, ScopeLevel, UsageKind
from rating.period import Period
from rating.rate.dialect import DUCKDB, Dialect
from rating.rate.plan.arithmetic import INFX, to12, to_us
from rating.rate.plan.match import condition_sql
from rating.rate.plan.measure import pieces_stage, quantity_factor, segments_table
from rating.rate.plan.outputs import UNMATCHED_SQL, counts_sql, line_items_sql
from rating.rate.plan.price import rating_stages
from rating.rate.plan.scan import merged_runs_stage, scan_stages
from rating.rate.plan.shape import Shape, shape_of, usage_columns
from rating.rate.plan.stages import RatingPlan, Stage
from rating.rate.result import RateOptions
from rating.rate.timeline import creation_boundaries, is_calendar
from rating.scopes import MATCHED_SCOPE_COLUMNS
from rating.service_categories import service_category

# Scope columns (rating.scopes, SCOPE_COLUMNS): all are carried to line items and split
# slices when they change; only MATCHED_SCOPE_COLUMNS enter matching signatures.
_SPECIFICITY = {level: level.specificity for level in ScopeLevel}


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
        ("filter_no", pa.int64()),  # its filter's place in Shape.filters (entries share them)
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
    all of them (:func:`scan_stages` over :func:`shape_of` of the group — every
    column, validity boundary and creation cut any of them needs), so its runs
    split wherever any catalog's would. Each plan then merges those runs back
    into exactly its own (:func:`merged_runs_stage`) before cutting them into
    pieces, so every result equals the catalog's own plan's.
    """
    types = {f.name: f.type for f in schema}
    plans: list[RatingPlan] = []
    for group in _scan_groups(catalogs):
        products = [p for catalog in group for p in catalog.products]
        numbers = {column: i for i, column in enumerate(usage_columns(products, types))}
        creation_cuts = [to_us(b) for b in creation_boundaries(products)]
        scan_shape = shape_of(group, period, options, schema, dialect, numbers, creation_cuts)
        shared = len(group) > 1
        scan, deduplication = scan_stages(scan_shape, "scan_runs" if shared else "runs")
        for catalog in group:
            one = _compile_one(catalog, period, options, schema, dialect, numbers, creation_cuts)
            own = (merged_runs_stage(one.shape, scan_shape),) if shared else ()
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


@dataclass(frozen=True)
class _Compiled:
    """One catalog's plan without the scan, and the shape its SQL was generated from."""

    plan: RatingPlan
    shape: Shape
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
    entry_rows, tier_rows, factors = [], [], []
    # Each distinct filter once: a catalog's entries share a few (500 entries, 8
    # filters), and matching tests a CASE on its number for every signature-entry pair.
    filters: dict[str, int] = {}

    def creation_segment(moment: datetime | None) -> int | None:  # see scan._creation_segment
        return None if moment is None else creation_cuts.index(to_us(moment)) + 1

    for idx, p in enumerate(products):
        conds = []
        for cond in p.filter:
            column = f"traits.{cond.trait}"
            present = column in types
            conds.append(
                condition_sql(cond, column if present else None, types.get(column), dialect)
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
        filter_no = filters.setdefault(" AND ".join(conds) if conds else "TRUE", len(filters))
        factors.append(quantity_factor(p, catalog, period.days, double))
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
                filter_no=filter_no,
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
    shape = shape_of(
        [catalog], period, options, schema, dialect, numbers, creation_cuts, tuple(filters)
    )
    plan = RatingPlan(
        entries=pa.Table.from_pylist(entry_rows, schema=_ENTRY_SCHEMA),
        tiers=pa.Table.from_pylist(tier_rows, schema=_TIER_SCHEMA),
        segments=segments_table(shape),
        stages=(),
        deduplication=(),
        line_items_sql=line_items_sql(shape, period.label, catalog.version),
        counts_sql=counts_sql(shape),
        duplicates_sql="SELECT EXISTS (SELECT 1 FROM dupkeys)",
        unmatched_sql=UNMATCHED_SQL,
        kept_columns=shape.kept_columns,
        dialect=dialect,
    )
    return _Compiled(plan, shape, (pieces_stage(shape), *rating_stages(shape)))
