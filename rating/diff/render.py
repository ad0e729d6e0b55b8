"""A :class:`~rating.diff.CatalogDiff` as a terminal table, Markdown (for a pull request) or JSON.

Table and Markdown say the same things in the same order — entry changes,
tenant totals, product and discount sums, samples — from one list of
sections; only the headings and the table style differ. They list what
changed and count what did not; JSON lists everything. Amounts are printed
from their Decimals, never through floats.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from tabulate import tabulate

from rating.diff import CatalogDiff
from rating.diff.bills import AmountChange, MatchChange

FORMATS = ("table", "json", "markdown")

_FROM_ZERO_NOTE = (
    "∞: the amount was zero before, so it moved by more than any percentage "
    "(a tenant's fails any --fail-above)"
)


@dataclass(frozen=True)
class _Section:
    title: str
    note: str  # under the title; may be empty
    headers: tuple[str, ...]
    rows: list[list[str]]
    empty: str  # said instead of the table when there are no rows
    code: tuple[int, ...] = ()  # columns of catalog text (regexes…): code spans in Markdown


def render(diff: CatalogDiff, fmt: str) -> str:
    """The diff in ``fmt`` (one of :data:`FORMATS`), ending with a newline."""
    if fmt == "json":
        return json.dumps(_document(diff), indent=2, ensure_ascii=False) + "\n"
    markdown = fmt == "markdown"
    title = f"ratecard diff: {_code(diff.old, markdown)} → {_code(diff.new, markdown)}"
    out = [f"### {title}" if markdown else title, f"Period: {diff.period}"]
    for section in _sections(diff):
        heading = f"**{section.title}**" if markdown else section.title
        out += ["", f"{heading} ({section.note})" if section.note else heading, ""]
        if not section.rows:
            out.append(section.empty)
            continue
        rows = [
            [_cell(text, markdown, column in section.code) for column, text in enumerate(row)]
            for row in section.rows
        ]
        out.append(
            tabulate(
                rows,
                section.headers,
                "github" if markdown else "simple",
                disable_numparse=True,  # amounts are exact text, not floats
            )
        )
    if any(change.percent.is_infinite() for change in _changed(diff)):
        out += ["", _FROM_ZERO_NOTE]
    out += ["", _samples(diff.samples)]
    return "\n".join(out) + "\n"


def _sections(diff: CatalogDiff) -> Iterator[_Section]:
    yield _Section(
        "Catalog changes",
        "",
        ("change", "kind", "id", "aspect", "old", "new", "source"),
        [
            [*where, aspect.aspect, aspect.old, aspect.new, entry.source or ""]
            for entry in diff.entries
            for where in [(entry.status, entry.kind, entry.id)]
            for aspect in entry.changes
        ],
        "No product or discount changed.",
        code=(4, 5),
    )
    amounts = ("currency", "old", "new", "delta", "delta %")
    tenants = [change for change in diff.bills.tenants if change.delta]
    yield _Section(
        "Tenant totals",
        f"after discounts, fees and rounding; most moved first; {_unchanged(diff.bills.tenants)}",
        ("tenant", *amounts),
        [[change.name, *_amounts(change)] for change in tenants],
        "No tenant's total changed.",
    )
    lines = [change for change in diff.bills.lines if change.delta]
    yield _Section(
        "Products, discounts and fees",
        f"summed over tenants; {_unchanged(diff.bills.lines)}",
        ("kind", "id", *amounts),
        [[change.kind, change.name, *_amounts(change)] for change in lines],
        "No product's, discount's or fee's amount changed.",
    )


def _changed(diff: CatalogDiff) -> Iterator[AmountChange]:
    for change in (*diff.bills.tenants, *diff.bills.lines):
        if change.delta:
            yield change


def _unchanged(changes: tuple[AmountChange, ...]) -> str:
    return f"{sum(1 for change in changes if not change.delta)} unchanged"


def _amounts(change: AmountChange) -> list[str]:
    return [
        change.currency,
        _money(change.old),
        _money(change.new),
        _money(change.delta),
        _percent(change.percent),
    ]


def _samples(samples: MatchChange) -> str:
    return (
        f"Samples: {samples.read:,} read; unmatched {samples.old_unmatched:,} → "
        f"{samples.new_unmatched:,} ({samples.newly_matched:,} newly matched, "
        f"{samples.newly_unmatched:,} newly unmatched; net per resource type)"
    )


def _document(diff: CatalogDiff) -> dict:
    return {
        "old": diff.old,
        "new": diff.new,
        "period": diff.period,
        "entries": [
            {
                "kind": entry.kind,
                "id": entry.id,
                "change": entry.status,
                "source": entry.source,
                "aspects": [
                    {"aspect": a.aspect, "old": a.old, "new": a.new} for a in entry.changes
                ],
            }
            for entry in diff.entries
        ],
        "tenants": [_amount_document(change) for change in diff.bills.tenants],
        "lines": [_amount_document(change) for change in diff.bills.lines],
        "samples": vars(diff.samples),
    }


def _amount_document(change: AmountChange) -> dict:
    percent = change.percent
    return {
        "kind": change.kind,
        "id": change.name,
        "currency": change.currency,
        "old": str(change.old),
        "new": str(change.new),
        "delta": str(change.delta),
        "delta_percent": str(percent if percent.is_infinite() else percent.quantize(_CENT)),
    }


_CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    """Exact, without the line items' trailing zeros past the cents."""
    whole, _, fraction = format(value, "f").partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0") if fraction else ""
    return f"{whole}.{fraction}" if fraction else whole


def _percent(value: Decimal) -> str:
    if value.is_infinite():
        return f"{'+' if value > 0 else '-'}∞ (from 0)"
    return f"{value.quantize(_CENT):+} %"


def _code(text: str, markdown: bool) -> str:
    return f"`{text}`" if markdown else text


def _cell(text: str, markdown: bool, code: bool) -> str:
    """A table cell; in Markdown without a bare ``|`` and catalog text in code spans.

    Code spans keep a regex's backslashes and ``*`` literal, which plain cells would not.
    """
    if not markdown:
        return text
    escaped = text.replace("|", "\\|")
    return f"`{escaped}`" if code and escaped else escaped
