"""Reports flattened into one Arrow table of lines, for CSV and Parquet output.

Each report contributes, in order: per top-level line a ``seller`` row, then
for each product a ``product`` row followed by its ``resource`` rows, each
followed by its ``slice`` rows (the line items); then its ``discount`` rows.
``amount`` is rounded on ``seller`` and ``discount`` rows only; on detail rows
it equals ``exact_amount``. Money columns are DECIMAL(38, 12), never float.

Grouped ``--by`` dimensions, the table gains (after ``level``) a column
``group_dimension`` and one column ``by.<dimension>`` per dimension and,
before each group's contents, a ``group`` row per currency (``amount``: Σ
rounded top-level lines beneath); every row beneath carries the group's
values. ``group_dimension`` names the dimension of a ``group`` or ``day`` row's
group, so a tenant's subtotal is never mistaken for its "(none)" cell's.

With ``--granularity day``, ``day`` rows (``start``/``end``: the UTC day,
``exact_amount``: the day's exact sum) follow each group's rows or, without
``--by``, the whole report's discounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from rating.rate.result import MONEY, TIMESTAMP
from rating.report.daily import midnight
from rating.report.dimensions import parse_dimensions
from rating.report.model import (
    ChargebackRow,
    Conversion,
    DayTotal,
    Group,
    GroupChargebackRow,
    TenantReport,
    TopLine,
)

LINES_SCHEMA = pa.schema(
    [
        ("report_version", pa.string()),
        ("tenant", pa.string()),
        ("period", pa.string()),
        ("level", pa.string()),  # (group) | seller | product | resource | slice | discount | (day)
        ("seller_id", pa.string()),
        ("seller_product_group", pa.string()),
        ("currency", pa.string()),
        ("product_id", pa.string()),
        ("product_name", pa.string()),
        ("usage_type", pa.string()),
        ("resource_id", pa.string()),
        ("resource_name", pa.string()),
        ("resource_type", pa.string()),
        ("discount_id", pa.string()),
        ("discount_name", pa.string()),
        ("rule", pa.string()),
        ("start", TIMESTAMP),
        ("end", TIMESTAMP),
        ("quantity", MONEY),
        ("unit", pa.string()),
        ("unit_price", MONEY),
        ("source_amount", MONEY),
        ("rate", MONEY),  # discount percentage or fixed amount
        ("threshold", MONEY),
        ("exact_amount", MONEY),
        ("amount", MONEY),
        ("rounding_difference", MONEY),
        ("exchange_rate", MONEY),
        ("base_amount", MONEY),
        ("base_currency", pa.string()),
    ]
)

CHARGEBACK_SCHEMA = pa.schema(
    [
        ("tenant", pa.string()),
        ("seller_id", pa.string()),
        ("currency", pa.string()),
        ("amount", MONEY),
        ("base_amount", MONEY),
        ("base_currency", pa.string()),
    ]
)


def lines_schema(by: Sequence[str], *, interim: bool = False) -> pa.Schema:
    """``LINES_SCHEMA`` with ``group_dimension`` and a ``by.<dimension>`` column per ``--by``
    dimension after ``level``, and ``as_of`` after ``period`` for an interim invoice;
    unchanged without either."""
    schema = LINES_SCHEMA
    if interim:
        schema = schema.insert(schema.get_field_index("period") + 1, pa.field("as_of", TIMESTAMP))
    if not by:
        return schema
    position = schema.get_field_index("level") + 1
    for offset, name in enumerate(["group_dimension", *(_column(d) for d in by)]):
        schema = schema.insert(position + offset, pa.field(name, pa.string()))
    return schema


def run_by(reports: Sequence[TenantReport]) -> tuple[str, ...]:
    """The ``--by`` dimensions of one run's reports (the same for all of them)."""
    return reports[0].by if reports else ()


def run_schema(reports: Sequence[TenantReport]) -> pa.Schema:
    """The :func:`lines_schema` of one run's reports (interim or not, like all of them)."""
    return lines_schema(run_by(reports), interim=bool(reports) and reports[0].as_of is not None)


def report_rows(reports: Sequence[TenantReport]) -> list[dict[str, Any]]:
    """Every report's lines as dicts keyed by :func:`lines_schema` names (missing = null).

    Decimals keep their own scale here (a rounded EUR amount is ``1.00``); the
    Arrow table rescales every money column to 12 places.
    """
    names = run_schema(reports).names
    return [
        {name: row.get(name) for name in names}
        for report in reports
        for row in _report_rows(report)
    ]


def report_lines(reports: Sequence[TenantReport]) -> pa.Table:
    """Every report's lines as one :func:`lines_schema` table, in report order."""
    return pa.Table.from_pylist(report_rows(reports), schema=run_schema(reports))


def chargeback_rows(rows: Iterable[ChargebackRow]) -> list[dict[str, Any]]:
    """The chargeback summary as dicts keyed by ``CHARGEBACK_SCHEMA`` names."""
    return [{name: getattr(row, name) for name in CHARGEBACK_SCHEMA.names} for row in rows]


def chargeback_table(rows: Iterable[ChargebackRow]) -> pa.Table:
    """The chargeback summary as a ``CHARGEBACK_SCHEMA`` table."""
    return pa.Table.from_pylist(chargeback_rows(rows), schema=CHARGEBACK_SCHEMA)


def group_chargeback_schema(by: Sequence[str]) -> pa.Schema:
    """The grouped chargeback's columns: one per dimension, then as ``CHARGEBACK_SCHEMA``."""
    return pa.schema(
        [
            *(pa.field(name, pa.string()) for name in by),
            *(field for field in CHARGEBACK_SCHEMA if field.name not in ("tenant", "seller_id")),
        ]
    )


def group_chargeback_rows(
    by: Sequence[str], rows: Iterable[GroupChargebackRow]
) -> list[dict[str, Any]]:
    """The grouped chargeback as dicts keyed by :func:`group_chargeback_schema` names."""
    return [
        {
            **dict(zip(by, row.values, strict=True)),
            "currency": row.currency,
            "amount": row.amount,
            "base_amount": row.base_amount,
            "base_currency": row.base_currency,
        }
        for row in rows
    ]


def group_chargeback_table(by: Sequence[str], rows: Iterable[GroupChargebackRow]) -> pa.Table:
    """The grouped chargeback as a :func:`group_chargeback_schema` table."""
    return pa.Table.from_pylist(group_chargeback_rows(by, rows), schema=group_chargeback_schema(by))


def _column(dimension: str) -> str:
    return f"by.{dimension}"


def _report_rows(report: TenantReport) -> Iterator[dict[str, Any]]:
    common = {
        "report_version": report.report_version,
        "tenant": report.tenant,
        "period": report.period,
        "as_of": report.as_of,
    }
    if report.by:
        for group in report.groups:
            yield from _group_rows(common, group, (), report.base_currency)
    else:
        for line in report.lines:
            yield from _top_rows(common, line)
    dimensions = parse_dimensions(report.by)
    for discount in report.discounts:
        yield {
            **common,
            **{_column(d.name): d.discount_value(discount, report.tenant) for d in dimensions},
            "level": "discount",
            "seller_id": discount.seller_id,
            "seller_product_group": discount.seller_product_group,
            "currency": discount.currency,
            "discount_id": discount.discount_id,
            "discount_name": discount.display_name,
            "rule": discount.rule,
            "source_amount": discount.source_amount,
            "rate": discount.rate,
            "threshold": discount.threshold,
            "exact_amount": discount.exact_amount,
            "amount": discount.amount,
            "rounding_difference": discount.rounding_difference,
            **_conversion(discount.conversion),
        }
    if not report.by:
        # With --by the outermost groups' days add up to the report's, and report-level
        # rows (empty by.* columns) could not be told from a "(none)" group's.
        yield from _day_rows(common, report.days)


def _group_rows(
    common: dict[str, Any],
    group: Group,
    path: tuple[tuple[str, str | None], ...],
    base_currency: str | None,
) -> Iterator[dict[str, Any]]:
    """A group's subtotal rows, its day rows, then its groups' or top-level lines' rows."""
    path = (*path, (_column(group.dimension), group.value))
    within = {**common, **dict(path)}
    own = {**within, "group_dimension": group.dimension}
    for total in group.totals:
        yield {
            **own,
            "level": "group",
            "currency": total.currency,
            "exact_amount": total.exact_amount,
            "amount": total.amount,
            "rounding_difference": total.rounding_difference,
            "base_amount": total.base_amount,
            "base_currency": base_currency if total.base_amount is not None else None,
        }
    yield from _day_rows(own, group.days)
    for child in group.groups:
        yield from _group_rows(common, child, path, base_currency)
    for line in group.lines:
        yield from _top_rows(within, line)


def _day_rows(common: dict[str, Any], days: Iterable[DayTotal]) -> Iterator[dict[str, Any]]:
    for day in days:
        yield {
            **common,
            "level": "day",
            "currency": day.currency,
            "start": midnight(day.day),
            "end": midnight(day.day + timedelta(days=1)),
            "exact_amount": day.exact_amount,
            "amount": day.exact_amount,
        }


def _top_rows(common: dict[str, Any], line: TopLine) -> Iterator[dict[str, Any]]:
    seller = {
        **common,
        "seller_id": line.seller_id,
        "seller_product_group": line.seller_product_group,
        "currency": line.currency,
    }
    yield {
        **seller,
        "level": "seller",
        "exact_amount": line.exact_amount,
        "amount": line.amount,
        "rounding_difference": line.rounding_difference,
        **_conversion(line.conversion),
    }
    for product in line.details:
        item = {
            **seller,
            "product_id": product.product_id,
            "product_name": product.product_name,
            "usage_type": product.usage_type,
            "unit": product.unit,
        }
        yield {**item, "level": "product", **_exact(product.quantity, product.amount)}
        for resource in product.resources:
            item_resource = {
                **item,
                "resource_id": resource.resource_id,
                "resource_name": resource.resource_name,
                "resource_type": resource.resource_type,
            }
            yield {
                **item_resource,
                "level": "resource",
                **_exact(resource.quantity, resource.amount),
            }
            for piece in resource.slices:
                yield {
                    **item_resource,
                    "level": "slice",
                    "start": piece.start,
                    "end": piece.end,
                    "unit_price": piece.unit_price,
                    **_exact(piece.quantity, piece.amount),
                }


def _exact(quantity: Decimal, amount: Decimal) -> dict[str, Decimal]:
    return {"quantity": quantity, "exact_amount": amount, "amount": amount}


def _conversion(conversion: Conversion | None) -> dict[str, Any]:
    if conversion is None:
        return {}
    return {
        "exchange_rate": conversion.exchange_rate,
        "base_amount": conversion.base_amount,
        "base_currency": conversion.base_currency,
    }


def text(value: Any) -> str:
    """How a cell is written as text (CSV, tables): ISO UTC times, plain decimals, '' for null."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)
