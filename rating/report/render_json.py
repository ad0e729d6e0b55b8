"""JSON rendering: one document per report, keys in a fixed order, Decimals as strings.

Decimals are strings so no JSON reader turns money into floats; times are
ISO 8601 UTC with a ``Z``. Key order is the order written here (not sorted),
so the documents read top-down like the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from rating.report.lines import text
from rating.report.model import (
    ChargebackRow,
    Conversion,
    DayTotal,
    DiscountLine,
    Group,
    GroupChargebackRow,
    ProductDetail,
    ResourceDetail,
    TenantReport,
    TopLine,
    Total,
)


def render_json(report: TenantReport, *, indent: int | None = 2) -> str:
    """The report as one JSON document ending in a newline (``indent=None``: one line)."""
    return _dump(report_document(report), indent)


def render_chargeback_json(rows: Iterable[ChargebackRow], *, indent: int | None = 2) -> str:
    return _dump({"chargeback": [_chargeback(row) for row in rows]}, indent)


def render_group_chargeback_json(
    by: tuple[str, ...], rows: Iterable[GroupChargebackRow], *, indent: int | None = 2
) -> str:
    """The chargeback grouped ``--by``: one object per group and currency, keyed by dimension."""
    return _dump(
        {"by": list(by), "chargeback": [_group_chargeback(by, row) for row in rows]}, indent
    )


def report_document(report: TenantReport) -> dict[str, Any]:
    document = {
        "tenant": report.tenant,
        "period": {
            "label": report.period,
            "start": text(report.period_start),
            "end": text(report.period_end),
        },
        **_interim(report),
        "generatedAt": text(report.generated_at),
        "catalog": {"name": report.catalog_name, "version": report.catalog_version},
        "reportVersion": report.report_version,
        "rounding": report.rounding,
        "baseCurrency": report.base_currency,
        "lines": [_top_line(line, report.by) for line in report.lines],
        "discounts": [_discount(line) for line in report.discounts],
        **_cells(report),
        **_breakdown(report),
        "totals": [_total(total) for total in report.totals],
        "baseTotal": None if report.base_total is None else _money(report.base_total),
    }
    return document


def _interim(report: TenantReport) -> dict[str, Any]:
    """An interim invoice says so, and as of when (final reports unchanged)."""
    if report.as_of is None:
        return {}
    return {"interim": True, "asOf": text(report.as_of)}


def _cells(report: TenantReport) -> dict[str, Any]:
    """The per-cell breakdown, only when some line item has a cell (older reports unchanged)."""
    if not report.cells:
        return {}
    return {
        "cells": [
            {
                "cell": cell.cell,
                "currency": cell.currency,
                "exactAmount": _money(cell.exact_amount),
            }
            for cell in report.cells
        ]
    }


def _breakdown(report: TenantReport) -> dict[str, Any]:
    """``--by`` groups and ``--granularity day`` days, only when asked for (defaults unchanged)."""
    document: dict[str, Any] = {}
    if report.by:
        document["by"] = list(report.by)
    if report.granularity != "month":
        document["granularity"] = report.granularity
    if report.by:
        document["groups"] = [
            _group(group, daily=report.granularity == "day") for group in report.groups
        ]
    if report.granularity == "day":
        document["days"] = [_day(day) for day in report.days]
    return document


def _group(group: Group, *, daily: bool) -> dict[str, Any]:
    document = {
        "dimension": group.dimension,
        "value": group.value,
        "totals": [_total(total) for total in group.totals],
    }
    if daily:
        document["days"] = [_day(day) for day in group.days]
    if group.groups:
        document["groups"] = [_group(child, daily=daily) for child in group.groups]
    return document


def _day(day: DayTotal) -> dict[str, Any]:
    return {
        "day": day.day.isoformat(),
        "currency": day.currency,
        "exactAmount": _money(day.exact_amount),
    }


def _total(total: Total) -> dict[str, Any]:
    base = {} if total.base_amount is None else {"baseAmount": _money(total.base_amount)}
    return {
        "currency": total.currency,
        "amount": _money(total.amount),
        "exactAmount": _money(total.exact_amount),
        "roundingDifference": _money(total.rounding_difference),
        **base,
    }


def _top_line(line: TopLine, by: tuple[str, ...]) -> dict[str, Any]:
    group = {"group": dict(zip(by, line.group, strict=True))} if by else {}
    return {
        **group,
        "sellerId": line.seller_id,
        "sellerProductGroup": line.seller_product_group,
        "currency": line.currency,
        "amount": _money(line.amount),
        "exactAmount": _money(line.exact_amount),
        "roundingDifference": _money(line.rounding_difference),
        **_conversion(line.conversion),
        "details": [_product(detail) for detail in line.details],
    }


def _product(detail: ProductDetail) -> dict[str, Any]:
    return {
        "productId": detail.product_id,
        "productName": detail.product_name,
        "usageType": detail.usage_type,
        "quantity": _money(detail.quantity),
        "unit": detail.unit,
        "amount": _money(detail.amount),
        "resources": [_resource(resource) for resource in detail.resources],
    }


def _resource(resource: ResourceDetail) -> dict[str, Any]:
    return {
        "resourceId": resource.resource_id,
        "resourceName": resource.resource_name,
        "resourceType": resource.resource_type,
        "quantity": _money(resource.quantity),
        "amount": _money(resource.amount),
        "slices": [
            {
                "start": text(piece.start) or None,
                "end": text(piece.end) or None,
                "quantity": _money(piece.quantity),
                "unitPrice": _money(piece.unit_price),
                "amount": _money(piece.amount),
            }
            for piece in resource.slices
        ],
    }


def _discount(line: DiscountLine) -> dict[str, Any]:
    return {
        "discountId": line.discount_id,
        "displayName": line.display_name,
        "rule": line.rule,
        "sellerId": line.seller_id,
        "sellerProductGroup": line.seller_product_group,
        "currency": line.currency,
        "sourceAmount": _money(line.source_amount),
        "rate": _money(line.rate),
        "threshold": None if line.threshold is None else _money(line.threshold),
        "amount": _money(line.amount),
        "exactAmount": _money(line.exact_amount),
        "roundingDifference": _money(line.rounding_difference),
        **_conversion(line.conversion),
    }


def _conversion(conversion: Conversion | None) -> dict[str, Any]:
    if conversion is None:
        return {}
    return {
        "exchangeRate": _money(conversion.exchange_rate),
        "baseAmount": _money(conversion.base_amount),
        "baseCurrency": conversion.base_currency,
    }


def _chargeback(row: ChargebackRow) -> dict[str, Any]:
    return {
        "tenant": row.tenant,
        "sellerId": row.seller_id,
        "currency": row.currency,
        "amount": _money(row.amount),
        **_base_amount(row),
    }


def _group_chargeback(by: tuple[str, ...], row: GroupChargebackRow) -> dict[str, Any]:
    return {
        **dict(zip(by, row.values, strict=True)),
        "currency": row.currency,
        "amount": _money(row.amount),
        **_base_amount(row),
    }


def _base_amount(row: ChargebackRow | GroupChargebackRow) -> dict[str, Any]:
    if row.base_currency is None or row.base_amount is None:
        return {}
    return {"baseAmount": _money(row.base_amount), "baseCurrency": row.base_currency}


def _money(value: Decimal) -> str:
    return f"{value:f}"


def _dump(document: dict[str, Any], indent: int | None) -> str:
    separators = (",", ": ") if indent is not None else (",", ":")
    return json.dumps(document, indent=indent, ensure_ascii=False, separators=separators) + "\n"
