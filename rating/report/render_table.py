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
from rating.report.model import (
    ChargebackRow,
    Conversion,
    Group,
    GroupChargebackRow,
    TenantReport,
    TopLine,
)
from rating.report.rounding import EXACT

_INDENT = "· "  # tabulate strips leading spaces
NONE = "(none)"  # how a missing dimension value is shown


def render_table(report: TenantReport) -> str:
    """The report as plain-text tables ending in a newline."""
    header = [
        f"Tenant usage report: {report.tenant}",
        f"Period: {report.period} [{text(report.period_start)}, {text(report.period_end)})",
        *_interim(report),
        f"Generated: {text(report.generated_at)}   Rounding: {report.rounding}",
        f"Catalog: {report.catalog_name} {report.catalog_version}   "
        f"Report version: {report.report_version}",
    ]
    converted = report.base_currency is not None
    rows = []
    if report.by:
        for group in report.groups:
            rows.extend(_group_rows(group, converted, 0))
    else:
        for line in report.lines:
            rows.extend(_line_rows(line, converted, 0))
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
    if report.by:
        header.append(f"By: {', '.join(report.by)} (subtotals: sums of rounded lines)")
    parts = [
        "\n".join(header),
        tabulate(rows, headers=headers, disable_numparse=True),
        tabulate(totals, headers=["total", "amount", "rounding"], disable_numparse=True),
    ]
    if report.granularity == "day":
        parts.append(_days_table(report))
    return "\n\n".join(parts) + "\n"


def _interim(report: TenantReport) -> list[str]:
    """The header line of an interim invoice; none for a final one."""
    if report.as_of is None:
        return []
    return [f"INTERIM invoice as of {text(report.as_of)}: period {report.period} is not over"]


def _group_rows(group: Group, converted: bool, depth: int) -> list[list[str]]:
    """A group's subtotal row per currency, then its groups or top-level lines, indented."""
    rows = [
        [
            f"{_INDENT * depth}{group.dimension}: {_value(group.value)}",
            "",
            "",
            total.currency,
            text(total.amount),
            _trim(total.rounding_difference),
            *(["", text(total.base_amount)] if converted else []),
        ]
        for total in group.totals
    ]
    for child in group.groups:
        rows.extend(_group_rows(child, converted, depth + 1))
    for line in group.lines:
        rows.extend(_line_rows(line, converted, depth + 1))
    return rows


def _line_rows(line: TopLine, converted: bool, depth: int) -> list[list[str]]:
    """A top-level line (rounded) and its product details (exact) beneath it."""
    rows = [
        [
            f"{_INDENT * depth}{line.seller_id} / {line.seller_product_group}",
            "",
            "",
            line.currency,
            text(line.amount),
            _trim(line.rounding_difference),
            *_base(line.conversion, converted),
        ]
    ]
    for detail in line.details:
        rows.append(
            [
                f"{_INDENT * (depth + 1)}{detail.product_name} ({detail.usage_type})",
                _trim(detail.quantity),
                detail.unit,
                line.currency,
                _trim(detail.amount),
                "",
                *(["", ""] if converted else []),
            ]
        )
    return rows


def _days_table(report: TenantReport) -> str:
    """Exact daily amounts (UTC) of the leaf groups, or of the whole report without --by."""
    rows = []
    if report.by:
        for path, group in _leaves(report.groups, ()):
            rows.extend(
                [*path, day.day.isoformat(), day.currency, _trim(day.exact_amount)]
                for day in group.days
            )
    else:
        rows = [[day.day.isoformat(), day.currency, _trim(day.exact_amount)] for day in report.days]
    headers = [*report.by, "day (UTC)", "currency", "exact amount"]
    return "Daily, exact\n\n" + tabulate(rows, headers=headers, disable_numparse=True)


def _leaves(
    groups: Iterable[Group], path: tuple[str, ...]
) -> Iterable[tuple[tuple[str, ...], Group]]:
    for group in groups:
        here = (*path, _value(group.value))
        if group.groups:
            yield from _leaves(group.groups, here)
        else:
            yield here, group


def render_chargeback_table(rows: Iterable[ChargebackRow]) -> str:
    """The cross-tenant chargeback summary as one table."""
    body = [
        [row.tenant, row.seller_id, row.currency, text(row.amount), text(row.base_amount)]
        for row in rows
    ]
    headers = ["tenant", "seller", "currency", "amount", "base amount"]
    return "Chargeback summary\n\n" + tabulate(body, headers=headers, disable_numparse=True) + "\n"


def render_group_chargeback_table(by: tuple[str, ...], rows: Iterable[GroupChargebackRow]) -> str:
    """The chargeback summary grouped ``--by`` dimensions, as one table."""
    body = [
        [*(_value(v) for v in row.values), row.currency, text(row.amount), text(row.base_amount)]
        for row in rows
    ]
    headers = [*by, "currency", "amount", "base amount"]
    return "Chargeback summary\n\n" + tabulate(body, headers=headers, disable_numparse=True) + "\n"


def _value(value: str | None) -> str:
    return NONE if value is None else value


def _trim(value: Decimal) -> str:
    """Unrounded values without the trailing zeros of their 12 places (tables are for reading)."""
    trimmed = value.normalize(EXACT)
    return text(trimmed if trimmed.as_tuple().exponent <= 0 else trimmed.quantize(1))


def _base(conversion: Conversion | None, converted: bool) -> list[str]:
    if not converted or conversion is None:
        return []
    return [text(conversion.exchange_rate), text(conversion.base_amount)]
