"""The daily cost chart of the HTML site: exact daily amounts and their inline SVG.

A report keeps each line item as a time slice ``[start, end)`` with its exact
amount, so daily costs come from the report itself: a slice covering several
UTC days is split across them in proportion to the time it covers on each, in
units of the amount's last decimal place, the leftover units going to the
largest remainders (largest-remainder allocation, :mod:`rating.report.daily`).
The days of one slice therefore add up to its amount exactly, and a product
group's days add up to its top-level line's exact amount. A slice without times (a minimum-charge
top-up) is spread over the whole period the same way.

The chart is SVG text generated here (no JavaScript library, nothing fetched
when viewed); its geometry is computed in Decimal too, so no amount ever
passes through a float. Colours are CSS classes (``g0`` … ``g7``) that the
page's stylesheet maps to light and dark palettes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from markupsafe import Markup, escape

from rating.report.daily import split_by_day, utc_days
from rating.report.model import TenantReport, TopLine

PALETTE_SIZE = 8
Trend = Sequence[tuple[date, Sequence[TenantReport]]]
"""The reports of each month of a ``--period A..B`` run: (first day of the month, reports),
in order."""
_WIDTH = Decimal(720)
_HEIGHT = Decimal(240)
_LEFT = Decimal(64)
_RIGHT = Decimal(8)
_TOP = Decimal(12)
_BOTTOM = Decimal(28)
_PIXEL = Decimal("0.1")


@dataclass(frozen=True)
class DailySeries:
    """One currency's daily costs per product group (``seller / group``), exact."""

    currency: str
    days: tuple[date, ...]
    groups: tuple[str, ...]
    amounts: dict[tuple[str, date], Decimal]

    def amount(self, group: str, day: date) -> Decimal:
        return self.amounts.get((group, day), Decimal(0))

    def day_total(self, day: date) -> Decimal:
        return sum((self.amount(group, day) for group in self.groups), Decimal(0))

    def group_total(self, group: str) -> Decimal:
        return sum((self.amount(group, day) for day in self.days), Decimal(0))


def group_label(line: TopLine) -> str:
    """How a top-level line's product group is named in the chart and its table."""
    return f"{line.seller_id} / {line.seller_product_group}"


def daily_series(report: TenantReport) -> list[DailySeries]:
    """One series per currency of the report's top-level lines, sorted by currency."""
    days = utc_days(report.period_start, report.period_end)
    by_currency: dict[str, dict[tuple[str, date], Decimal]] = {}
    groups: dict[str, list[str]] = {}
    for line in report.lines:
        label = group_label(line)
        amounts = by_currency.setdefault(line.currency, {})
        if label not in groups.setdefault(line.currency, []):
            groups[line.currency].append(label)
        for detail in line.details:
            for resource in detail.resources:
                for piece in resource.slices:
                    start = piece.start or report.period_start
                    end = piece.end or report.period_end
                    for day, share in split_by_day(piece.amount, start, end):
                        key = (label, day)
                        amounts[key] = amounts.get(key, Decimal(0)) + share
    return [
        DailySeries(currency, days, tuple(groups[currency]), by_currency[currency])
        for currency in sorted(by_currency)
    ]


def render_svg(
    series: DailySeries,
    *,
    title_id: str,
    desc_id: str,
    title: str | None = None,
    desc: str | None = None,
    x_label: Callable[[date], str] | None = None,
) -> Markup:
    """The series as a stacked bar chart, one bar per day, as inline SVG markup.

    ``title``, ``desc`` and ``x_label`` (a bar's axis label and tooltip) default to the
    daily chart's; the trend passes its own (a bar per month). Every text from the
    report (group labels) is escaped here: the SVG is built as text outside the
    template and handed to it as Markup.
    """
    low = min((_stack_low(series, day) for day in series.days), default=Decimal(0))
    high = max((_stack_high(series, day) for day in series.days), default=Decimal(0))
    ticks = axis_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    plot_height = _HEIGHT - _TOP - _BOTTOM
    band = (_WIDTH - _LEFT - _RIGHT) / max(len(series.days), 1)

    def y(value: Decimal) -> Decimal:
        return _px(_TOP + (high - value) / (high - low) * plot_height)

    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">'
        f"{escape(title or f'Daily cost in {series.currency} by product group')}</title>",
        f'<desc id="{desc_id}">{escape(desc or _daily_desc(series.currency))}</desc>',
    ]
    for tick in ticks:
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y(tick)}" '
            f'y2="{y(tick)}"/><text class="tick" x="{_LEFT - 6}" y="{y(tick) + 4}" '
            f'text-anchor="end">{tick:f}</text>'
        )
    label_every = 1 if len(series.days) <= 16 else 7
    for index, day in enumerate(series.days):
        x = _px(_LEFT + band * index + band / 10)
        width = _px(band * 8 / 10)
        below = above = Decimal(0)
        for number, group in enumerate(series.groups):
            value = series.amount(group, day)
            if value == 0:
                continue
            base = above if value > 0 else below
            top, bottom = (base + value, base) if value > 0 else (base, base + value)
            if value > 0:
                above += value
            else:
                below += value
            parts.append(
                f'<rect class="g{number % PALETTE_SIZE}" x="{x}" y="{y(top)}" '
                f'width="{width}" height="{_px(y(bottom) - y(top))}">'
                f"<title>{escape(x_label(day) if x_label else day.isoformat())} "
                f"{escape(group)}: {value.normalize():f} "
                f"{escape(series.currency)}</title></rect>"
            )
        if index % label_every == 0:
            parts.append(
                f'<text class="tick" x="{_px(_LEFT + band * index + band / 2)}" '
                f'y="{_HEIGHT - 10}" text-anchor="middle">'
                f"{escape(x_label(day) if x_label else day.day)}</text>"
            )
    parts.append(
        f'<line class="axis" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y(Decimal(0))}" '
        f'y2="{y(Decimal(0))}"/></svg>'
    )
    return Markup("".join(parts))


def _daily_desc(currency: str) -> str:
    return (
        f"Stacked bars, one per day of the period; the table “Daily cost in {currency} as a "
        "table” below the chart lists the same amounts."
    )


def axis_ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    """Round tick values (1, 2 or 5 × 10^k apart) from ≤ ``low`` to ≥ ``high``, 0 included."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    span = high - low
    if span == 0:
        return [Decimal(0), Decimal(1)]
    raw = span / 4
    power = Decimal(1).scaleb(raw.adjusted())
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= raw)
    first = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    ticks = [first]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return [tick.normalize() + 0 for tick in ticks]


def _stack_high(series: DailySeries, day: date) -> Decimal:
    return sum((v for g in series.groups if (v := series.amount(g, day)) > 0), Decimal(0))


def _stack_low(series: DailySeries, day: date) -> Decimal:
    return sum((v for g in series.groups if (v := series.amount(g, day)) < 0), Decimal(0))


def _px(value: Decimal) -> Decimal:
    return value.quantize(_PIXEL, rounding=ROUND_HALF_EVEN)


def nonzero_days(series: DailySeries) -> Iterable[date]:
    """Days with any cost, for the chart's data table (empty days are left out)."""
    return (day for day in series.days if any(series.amount(g, day) for g in series.groups))


def trend_series(months: Trend, tenant: str | None = None) -> list[DailySeries]:
    """The trend across months, one series per currency: a bar per month (``days`` are the
    months' first days) of ``tenant``'s report total, one group "Total"; or, for no
    tenant, of every tenant's total stacked, a group per tenant. The amounts are the
    reports' rounded ``totals``; a tenant without a report (or without the currency) in
    a month has no amount for it (:meth:`DailySeries.amounts` lacks the key)."""
    amounts: dict[str, dict[tuple[str, date], Decimal]] = {}
    groups: dict[str, list[str]] = {}
    for month, reports in months:
        for report in reports:
            if tenant is not None and report.tenant != tenant:
                continue
            group = "Total" if tenant is not None else report.tenant
            for total in report.totals:
                amounts.setdefault(total.currency, {})[(group, month)] = total.amount
                if group not in groups.setdefault(total.currency, []):
                    groups[total.currency].append(group)
    days = tuple(month for month, _ in months)
    return [
        DailySeries(currency, days, tuple(sorted(groups[currency])), amounts[currency])
        for currency in sorted(amounts)
    ]
