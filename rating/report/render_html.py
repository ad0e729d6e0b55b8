"""The HTML showback site: ``index.html`` plus one self-contained page per tenant.

Every page carries its own stylesheet, script and SVG charts, so the site
works from ``file://``, can be mailed page by page and fetches nothing when
viewed; a Content-Security-Policy (``default-src 'none'``, the inline script
and stylesheet allowed by their hashes) makes the browser enforce that, and
stops any script that is not ours even if a name slipped through escaping.

Tenant, product, seller and resource names come from samples and catalogs,
i.e. from people we do not trust: the Jinja2 environment autoescapes every
value, and nothing from a report is ever placed in a script or style.

Numbers are the JSON report's exact Decimals, shown shorter but never
through a float: each numeric cell carries the JSON text in ``data-value``
(which the table sorting reads) and shows the same value without trailing
zeros (money keeps at least its currency's minor unit).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from rating.currencies import is_currency, minor_unit
from rating.report.breakdowns import PER_TENANT, Breakdown
from rating.report.chargeback import chargeback_summary
from rating.report.chart import (
    PALETTE_SIZE,
    DailySeries,
    Trend,
    daily_series,
    group_label,
    nonzero_days,
    render_svg,
    trend_series,
)
from rating.report.gauges import SiteControls, tenant_gauges, worst_levels
from rating.report.lines import text
from rating.report.model import DiscountLine, Group, TenantReport, TopLine

_TEMPLATES = Path(__file__).resolve().parent / "templates"

INDEX = "index.html"


@dataclass(frozen=True)
class Num:
    """A numeric cell: ``value`` is the JSON report's text, ``shown`` what the page shows."""

    value: str
    shown: str


def site_pages(
    reports: Sequence[TenantReport],
    names: Sequence[str],
    breakdowns: Sequence[Breakdown] = (),
    controls: SiteControls | None = None,
    trend: Trend = (),
) -> list[tuple[str, str]]:
    """(file name, HTML) per report (``names``, in report order), then ``index.html``;
    ``trend`` (several months) adds a trend section to every page."""
    pages = dict(zip((r.tenant for r in reports), names, strict=True))
    return [
        *(
            (name, render_tenant_page(report, breakdowns, controls, trend))
            for report, name in zip(reports, names, strict=True)
        ),
        (INDEX, render_index(reports, pages, breakdowns, controls, trend)),
    ]


def render_index(
    reports: Sequence[TenantReport],
    pages: dict[str, str],
    breakdowns: Sequence[Breakdown] = (),
    controls: SiteControls | None = None,
    trend: Trend = (),
) -> str:
    """The period's totals per tenant, per seller and product group, per cell, service
    category and label, and the chargeback."""
    first = reports[0] if reports else None
    rows = chargeback_summary(reports)
    return _render(
        "index.html.j2",
        title=f"Showback {first.period}" if first else "Showback",
        first=first,
        pages=pages,
        reports=reports,
        tenant_totals=[
            (report, total, _total_row(total.currency, total))
            for report in reports
            for total in report.totals
        ],
        currency_totals=_currency_totals(reports),
        groups=_group_rows(reports),
        chargeback=[
            {
                "row": row,
                "amount": _rounded(row.amount),
                "base_amount": None if row.base_amount is None else _rounded(row.base_amount),
            }
            for row in rows
        ],
        has_base=any(row.base_currency for row in rows),
        breakdowns=[_index_breakdown(number, b) for number, b in enumerate(breakdowns)],
        levels=worst_levels(controls),
        trends=_trends(trend, None),
        palette=PALETTE_SIZE,
    )


def render_tenant_page(
    report: TenantReport,
    breakdowns: Sequence[Breakdown] = (),
    controls: SiteControls | None = None,
    trend: Trend = (),
) -> str:
    """One tenant's report: totals, lines with rounding, details, discounts, breakdowns,
    chart, drill-down."""
    return _render(
        "tenant.html.j2",
        title=f"{report.tenant} — {report.period}",
        report=report,
        base=report.base_currency,
        totals=[(total, _total_row(total.currency, total)) for total in report.totals],
        base_total=None if report.base_total is None else _rounded(report.base_total),
        lines=[_top_line(line) for line in report.lines],
        discounts=[_discount(line) for line in report.discounts],
        breakdowns=[
            {"number": number, "breakdown": b, "rows": rows}
            for number, b in enumerate(breakdowns)
            if (rows := _group_totals(b.groups(report.tenant)))
        ],
        resources=[
            {
                "line": line,
                "detail": detail,
                "resource": resource,
                "quantity": _plain(resource.quantity),
                "amount": _exact(resource.amount, line.currency),
            }
            for line in report.lines
            for detail in line.details
            for resource in detail.resources
        ],
        slices=[
            {
                "line": line,
                "detail": detail,
                "resource": resource,
                "slice": piece,
                "quantity": _plain(piece.quantity),
                "unit_price": _plain(piece.unit_price),
                "amount": _exact(piece.amount, line.currency),
            }
            for line in report.lines
            for detail in line.details
            for resource in detail.resources
            for piece in resource.slices
        ],
        charts=[_chart(number, series) for number, series in enumerate(daily_series(report))],
        palette=PALETTE_SIZE,
        gauges=tenant_gauges(controls, report.tenant),
        trends=_trends(trend, report.tenant),
    )


def _chart(number: int, series: DailySeries) -> dict[str, Any]:
    """A currency's chart (SVG) and its text alternative: the amounts per day and group."""
    return {
        "number": number,
        "series": series,
        "svg": render_svg(series, title_id=f"chart-{number}-t", desc_id=f"chart-{number}-d"),
        "days": [
            (
                day,
                [_exact(series.amount(group, day), series.currency) for group in series.groups],
                _exact(series.day_total(day), series.currency),
            )
            for day in nonzero_days(series)
        ],
        "group_totals": [
            _exact(series.group_total(group), series.currency) for group in series.groups
        ],
    }


def _trends(trend: Trend, tenant: str | None) -> list[dict[str, Any]]:
    """The trend charts (a tenant's totals, or on the index every tenant's stacked) and
    their tables: a month without the tenant's report, or without the currency, is None
    (shown "—"); the month total on the index adds the tenants that have one."""
    if len(trend) < 2:
        return []
    charts = []
    for number, series in enumerate(trend_series(trend, tenant)):
        months = []
        for month in series.days:
            cells = [series.amounts.get((group, month)) for group in series.groups]
            present = [cell for cell in cells if cell is not None]
            total = sum(present, Decimal(0)) if present else None
            months.append(
                (
                    _month(month),
                    [None if cell is None else _rounded(cell) for cell in cells],
                    None if total is None else _rounded(total),
                )
            )
        name = f"trend-{number}"
        charts.append(
            {
                "number": number,
                "series": series,
                "svg": render_svg(
                    series,
                    title_id=f"{name}-t",
                    desc_id=f"{name}-d",
                    title=f"Monthly total in {series.currency}",
                    desc=f"{'Bars' if tenant else 'Bars stacked by tenant'}, one per month; "
                    f"the table “Monthly total in {series.currency} as a table” below the "
                    "chart lists the same amounts.",
                    x_label=_month,
                ),
                "months": months,
            }
        )
    return charts


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _group_totals(groups: Sequence[Group]) -> list[dict[str, Any]]:
    """A tenant's groups per currency; none when no group has a value (no cells, say)."""
    if all(group.value is None for group in groups):
        return []
    return [
        {"value": group.value, "currency": total.currency, **_total_row(total.currency, total)}
        for group in groups
        for total in group.totals
    ]


def _index_breakdown(number: int, breakdown: Breakdown) -> dict[str, Any]:
    """A breakdown on the index: per tenant and cell, else its chargeback across tenants."""
    if breakdown.dimension == PER_TENANT:
        rows = [
            {"tenant": report.tenant, **row}
            for report in breakdown.reports
            for row in _group_totals(report.groups)
        ]
        return {"number": number, "breakdown": breakdown, "per_tenant": True, "rows": rows}
    rows = [
        {
            "value": row.values[0],
            "currency": row.currency,
            "amount": _rounded(row.amount),
            "base_amount": None if row.base_amount is None else _rounded(row.base_amount),
            "base_currency": row.base_currency,
        }
        for row in breakdown.chargeback()
    ]
    return {"number": number, "breakdown": breakdown, "per_tenant": False, "rows": rows}


def _top_line(line: TopLine) -> dict[str, Any]:
    return {
        "line": line,
        "label": group_label(line),
        "exact": _exact(line.exact_amount, line.currency),
        "difference": _exact(line.rounding_difference, line.currency),
        "amount": _rounded(line.amount),
        "conversion": _conversion(line),
        "details": [
            {
                "detail": detail,
                "quantity": _plain(detail.quantity),
                "amount": _exact(detail.amount, line.currency),
            }
            for detail in line.details
        ],
    }


def _discount(line: DiscountLine) -> dict[str, Any]:
    return {
        "line": line,
        "kind": "fee" if line.amount > 0 else "discount",
        "source": _exact(line.source_amount, line.currency),
        "rate": _plain(line.rate),
        "threshold": None if line.threshold is None else _plain(line.threshold),
        "exact": _exact(line.exact_amount, line.currency),
        "difference": _exact(line.rounding_difference, line.currency),
        "amount": _rounded(line.amount),
        "conversion": _conversion(line),
    }


def _conversion(line: TopLine | DiscountLine) -> dict[str, Any] | None:
    conversion = line.conversion
    if conversion is None:
        return None
    return {
        "rate": _plain(conversion.exchange_rate),
        "amount": _rounded(conversion.base_amount),
        "currency": conversion.base_currency,
    }


def _total_row(currency: str, total: Any) -> dict[str, Num]:
    return {
        "amount": _rounded(total.amount),
        "exact": _exact(total.exact_amount, currency),
        "difference": _exact(total.rounding_difference, currency),
    }


def _currency_totals(reports: Sequence[TenantReport]) -> list[tuple[str, Num]]:
    """Σ tenant totals per currency (rounded amounts, so they add up to what tenants owe)."""
    sums: dict[str, Decimal] = {}
    for report in reports:
        for total in report.totals:
            sums[total.currency] = sums.get(total.currency, Decimal(0)) + total.amount
    return [(currency, _rounded(amount)) for currency, amount in sorted(sums.items())]


def _group_rows(reports: Sequence[TenantReport]) -> list[dict[str, Any]]:
    """One row per tenant and top-level or discount line: who owes which group what."""
    rows = []
    for report in reports:
        for line in report.lines:
            rows.append(
                {
                    "tenant": report.tenant,
                    "seller": line.seller_id,
                    "group": line.seller_product_group,
                    "kind": "usage",
                    "currency": line.currency,
                    "amount": _rounded(line.amount),
                }
            )
        for discount in report.discounts:
            rows.append(
                {
                    "tenant": report.tenant,
                    "seller": discount.seller_id,
                    "group": discount.display_name,
                    "kind": "fee" if discount.amount > 0 else "discount",
                    "currency": discount.currency,
                    "amount": _rounded(discount.amount),
                }
            )
    return rows


def _rounded(value: Decimal) -> Num:
    """A rounded amount: already at the currency's minor unit, shown as the JSON has it."""
    return Num(f"{value:f}", f"{value:f}")


def _exact(value: Decimal, currency: str) -> Num:
    """An unrounded amount: trailing zeros dropped, but at least the currency's minor unit."""
    places = minor_unit(currency) if is_currency(currency) else 2
    shown = value.normalize()
    exponent = shown.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -places:
        shown = shown.quantize(Decimal(1).scaleb(-places))
    return Num(f"{value:f}", f"{shown:f}")


def _plain(value: Decimal) -> Num:
    """A quantity, price or rate: trailing zeros dropped."""
    return Num(f"{value:f}", f"{value.normalize():f}")


def _render(template: str, **context: Any) -> str:
    return (
        _environment()
        .get_template(template)
        .render(
            script=_asset("site.js"),
            style=_asset("site.css"),
            csp=_content_security_policy(),
            index=INDEX,
            text=text,
            **context,
        )
    )


@cache
def _environment() -> jinja2.Environment:
    # Autoescaping is on for every template whatever its name: the values are untrusted.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _asset(name: str) -> Markup:
    """Our own stylesheet or script, inlined verbatim (hashed for the CSP)."""
    return Markup((_TEMPLATES / name).read_text(encoding="utf-8"))


@cache
def _content_security_policy() -> str:
    def digest(name: str) -> str:
        raw = hashlib.sha256(str(_asset(name)).encode("utf-8")).digest()
        return f"'sha256-{base64.b64encode(raw).decode('ascii')}'"

    return (
        f"default-src 'none'; script-src {digest('site.js')}; style-src {digest('site.css')}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
