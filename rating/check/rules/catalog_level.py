"""Rules across the catalog: discounts, FX, resource types, examples."""

from __future__ import annotations

import itertools

from rating.check.findings import Collector
from rating.check.rules.common import currency_known, regex_error
from rating.errors import RatecardError
from rating.identifiers import identifier_error
from rating.model import Catalog, CatalogExample, Discount, DiscountRule
from rating.period import Period
from rating.report.fx import rate_problem


def check_discounts(catalog: Catalog, out: Collector) -> None:
    for part in catalog.parts:
        for discount in part.discounts:
            where = {"source": discount.source, "file": part.file, "subject": discount.id}
            reason = identifier_error(discount.id)
            if reason is not None:
                out.error("bad-identifier", f"discount {discount.id!r}: id {reason}", **where)
            scope = discount.discount_scope
            for field, pattern in (
                ("sellerId", scope.seller_id),
                ("productDisplayName", scope.product_display_name),
                ("usageTypeDisplayName", scope.usage_type_display_name),
            ):
                reason = regex_error(pattern)
                if reason is not None:
                    out.error(
                        "bad-regex",
                        f'discount "{discount.id}": {field} regex {pattern!r} '
                        f"does not compile: {reason}",
                        **where,
                    )
            _check_discount_rule(discount, out, where)
            if not currency_known(discount.currency):
                out.error(
                    "unknown-currency",
                    f'discount "{discount.id}": unknown currency "{discount.currency}" (ISO 4217)',
                    **where,
                )


def _check_discount_rule(discount: Discount, out: Collector, where: dict) -> None:
    """Each rule has the parameters it needs; tier thresholds ascend without repeats."""
    label = f'discount "{discount.id}"'
    if discount.rule is DiscountRule.FIXED_PERCENTAGE:
        if discount.percentage is None:
            out.error(
                "incomplete-discount", f"{label}: FixedPercentage without a percentage", **where
            )
        return
    if not discount.tiers:
        out.error("incomplete-discount", f"{label}: {discount.rule} without tiers", **where)
    thresholds = [t.threshold for t in discount.tiers]
    if any(b <= a for a, b in itertools.pairwise(thresholds)):
        out.error(
            "unsorted-tiers",
            f"{label}: tier thresholds must ascend ({', '.join(map(str, thresholds))})",
            **where,
        )


def check_fx(catalog: Catalog, out: Collector) -> None:
    """Every currency in use converts to the base currency when one is set."""
    file = catalog.parts[0].file if catalog.parts else ""
    for rate in catalog.fx_rates:
        for code in (rate.from_currency, rate.to_currency):
            if not currency_known(code):
                out.error(
                    "unknown-currency", f'FX rate: unknown currency "{code}" (ISO 4217)', file=file
                )
        problem = rate_problem(rate.rate)
        if problem is not None:
            out.error(
                "bad-fx-rate",
                f"FX rate {rate.from_currency}->{rate.to_currency}: rate {rate.rate} {problem}",
                file=file,
            )
    base = catalog.base_currency
    if base is None:
        return
    if not currency_known(base):
        out.error("unknown-currency", f'base currency "{base}" is not an ISO 4217 code', file=file)
        return
    convertible = {base}
    for rate in catalog.fx_rates:
        if rate.to_currency == base:
            convertible.add(rate.from_currency)
        if rate.from_currency == base:
            convertible.add(rate.to_currency)
    in_use = {p.price.currency for p in catalog.products}
    in_use |= {d.currency for d in catalog.discounts if d.currency}
    for currency in sorted(in_use - convertible):
        if currency_known(currency):
            out.error(
                "missing-fx-rate",
                f"no FX rate converts {currency} to the base currency {base}",
                file=file,
            )


def check_resource_types(catalog: Catalog, out: Collector) -> None:
    """The units of catalog-defined (and built-in) resource types are valid UCUM."""
    from rating import units

    file = catalog.parts[0].file if catalog.parts else ""
    for resource_type in catalog.resource_types:
        for trait in resource_type.traits:
            if trait.unit is None:
                continue
            try:
                units.parse_unit(trait.unit)
            except Exception as bad:  # the units module reports invalid codes its own way
                out.error(
                    "invalid-unit",
                    f'resource type "{resource_type.id}": trait "{trait.name}" unit '
                    f'"{trait.unit}" is not a valid UCUM code: {bad}',
                    file=file,
                    subject=resource_type.id,
                )


_REQUIRED = (("time",), ("resource", "id"), ("resource", "type"), ("scope", "platformType"))


def example_shape_problems(example: CatalogExample, catalog: Catalog) -> list[str]:
    """Why an example cannot be run, as messages; empty when its shape is fine."""
    problems: list[str] = []
    try:
        Period.parse(example.period)
    except RatecardError as bad:
        problems.append(str(bad))
    if not currency_known(example.currency):
        problems.append(f'unknown currency "{example.currency}" (ISO 4217)')
    if example.product_id is not None and all(p.id != example.product_id for p in catalog.products):
        problems.append(f'no product "{example.product_id}" in the catalog')
    if not example.samples:
        problems.append("no samples")
    for index, sample in enumerate(example.samples, start=1):
        if not isinstance(sample, dict):
            problems.append(f"sample {index} is not a record")
            continue
        for path in _REQUIRED:
            node: object = sample
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if node in (None, ""):
                problems.append(f'sample {index} lacks "{".".join(path)}"')
        if not isinstance(sample.get("traits", {}), dict):
            problems.append(f'sample {index}: "traits" is not a record')
    return problems


def check_examples(catalog: Catalog, out: Collector) -> None:
    file = catalog.parts[0].file if catalog.parts else ""
    for example in catalog.examples:
        for problem in example_shape_problems(example, catalog):
            out.error(
                "invalid-example",
                f'example "{example.name}": {problem}',
                file=file,
                subject=example.name,
            )
