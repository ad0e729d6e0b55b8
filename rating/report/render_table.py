"""Terminal tables (tabulate): a header, the top-level lines with their product
details indented beneath, discount/fee lines, and totals per currency.

Resource and slice drill-down is left to the JSON, CSV and Parquet outputs; a
terminal is for reading totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tabulate import tabulate

from rating.report.lines import text
from rating.report.model import ChargebackRow, Conversion, TenantReport
from rating.report.rounding import EXACT

_INDENT = "· "  # tabulate strips leading spaces


def render_table(report: TenantReport) -> str:
    """The report as plain-text tables ending in a newline."""
    header = [
        f"Tenant usage report: {report.tenant}",
        f"Period: {report.period} [{text(report.period_start)}, {text(report.period_end)})",
        f"Generated: {text(report.generated_at)}   Rounding: {report.rounding}",
        f"Catalog: {report.catalog_name} {report.catalog_version}   "
        f"Report version: {report.report_version}",
    ]
    converted = report.base_currency is not None
    rows = []
    for line in report.lines:
        rows.append(
            [
                f"{line.seller_id} / {line.seller_product_group}",
                "",
                "",
                line.currency,
                text(line.amount),
                _trim(line.rounding_difference),
                *_base(line.conversion, converted),
            ]
        )
        for detail in line.details:
            rows.append(
                [
                    f"{_INDENT}{detail.product_name} ({detail.usage_type})",
                    _trim(detail.quantity),
                    detail.unit,
                    line.currency,
                    _trim(detail.amount),
                    "",
                    *(["", ""] if converted else []),
                ]
            )
    for discount in report.discounts:
        rows.append(
            [
                f"{discount.display_name} [{discount.rule} {text(discount.rate)}"
                f" on {_trim(discount.source_amount)}]",
                "",
                "",
                discount.currency,
                text(discount.amount),
                _trim(discount.rounding_difference),
                *_base(discount.conversion, converted),
            ]
        )
    headers = ["line", "quantity", "unit", "currency", "amount", "rounding"]
    if converted:
        headers += ["rate", f"amount {report.base_currency}"]
    totals = [[t.currency, text(t.amount), _trim(t.rounding_difference)] for t in report.totals]
    if report.base_total is not None:
        totals.append([f"{report.base_currency} (converted)", text(report.base_total), ""])
    return (
        "\n\n".join(
            [
                "\n".join(header),
                tabulate(rows, headers=headers, disable_numparse=True),
                tabulate(totals, headers=["total", "amount", "rounding"], disable_numparse=True),
            ]
        )
        + "\n"
    )


def render_chargeback_table(rows: Iterable[ChargebackRow]) -> str:
    """The cross-tenant chargeback summary as one table."""
    body = [
        [row.tenant, row.seller_id, row.currency, text(row.amount), text(row.base_amount)]
        for row in rows
    ]
    headers = ["tenant", "seller", "currency", "amount", "base amount"]
    return "Chargeback summary\n\n" + tabulate(body, headers=headers, disable_numparse=True) + "\n"


def _trim(value: Decimal) -> str:
    """Unrounded values without the trailing zeros of their 12 places (tables are for reading)."""
    trimmed = value.normalize(EXACT)
    return text(trimmed if trimmed.as_tuple().exponent <= 0 else trimmed.quantize(1))


def _base(conversion: Conversion | None, converted: bool) -> list[str]:
    if not converted or conversion is None:
        return []
    return [text(conversion.exchange_rate), text(conversion.base_amount)]
