"""Reports flattened into one Arrow table of lines, for CSV and Parquet output.

Each report contributes, in order: per top-level line a ``seller`` row, then
for each product a ``product`` row followed by its ``resource`` rows, each
followed by its ``slice`` rows (the line items); then its ``discount`` rows.
``amount`` is rounded on ``seller`` and ``discount`` rows only; on detail rows
it equals ``exact_amount``. Money columns are DECIMAL(38, 12), never float.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from rating.rate.result import MONEY, TIMESTAMP
from rating.report.model import ChargebackRow, Conversion, TenantReport, TopLine

LINES_SCHEMA = pa.schema(
    [
        ("report_version", pa.string()),
        ("tenant", pa.string()),
        ("period", pa.string()),
        ("level", pa.string()),  # seller | product | resource | slice | discount
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


def report_rows(reports: Iterable[TenantReport]) -> list[dict[str, Any]]:
    """Every report's lines as dicts keyed by ``LINES_SCHEMA`` names (missing = null).

    Decimals keep their own scale here (a rounded EUR amount is ``1.00``); the
    Arrow table rescales every money column to 12 places.
    """
    names = LINES_SCHEMA.names
    return [
        {name: row.get(name) for name in names}
        for report in reports
        for row in _report_rows(report)
    ]


def report_lines(reports: Iterable[TenantReport]) -> pa.Table:
    """Every report's lines as one ``LINES_SCHEMA`` table, in report order."""
    return pa.Table.from_pylist(report_rows(reports), schema=LINES_SCHEMA)


def chargeback_rows(rows: Iterable[ChargebackRow]) -> list[dict[str, Any]]:
    """The chargeback summary as dicts keyed by ``CHARGEBACK_SCHEMA`` names."""
    return [{name: getattr(row, name) for name in CHARGEBACK_SCHEMA.names} for row in rows]


def chargeback_table(rows: Iterable[ChargebackRow]) -> pa.Table:
    """The chargeback summary as a ``CHARGEBACK_SCHEMA`` table."""
    return pa.Table.from_pylist(chargeback_rows(rows), schema=CHARGEBACK_SCHEMA)


def _report_rows(report: TenantReport) -> Iterator[dict[str, Any]]:
    common = {
        "report_version": report.report_version,
        "tenant": report.tenant,
        "period": report.period,
    }
    for line in report.lines:
        yield from _top_rows(common, line)
    for discount in report.discounts:
        yield {
            **common,
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
