"""Rules on prices: tiers, packages, negative amounts, currencies."""

from __future__ import annotations

import itertools
from collections import defaultdict
from decimal import Decimal

from rating.check.findings import Collector
from rating.check.rules.common import currency_known, entries
from rating.model import Catalog, Price, PriceModel, Product


def check_prices(catalog: Catalog, out: Collector) -> None:
    currencies: dict[str, set[str]] = defaultdict(set)
    first_source: dict[str, tuple[str | None, str]] = {}
    for part, product in entries(catalog):
        where = {"source": product.source, "file": part.file, "subject": product.id}
        label = f'product "{product.id}"'
        price = product.price
        currencies[product.id].add(price.currency)
        first_source.setdefault(product.id, (product.source, part.file))
        if not currency_known(price.currency):
            out.error(
                "unknown-currency",
                f'{label}: unknown currency "{price.currency}" (ISO 4217)',
                **where,
            )
        if price.model in (PriceModel.GRADUATED, PriceModel.VOLUME):
            _check_tiers(label, price, out, where)
        if price.model is PriceModel.PACKAGE and (
            price.package_size is None or price.package_size <= 0
        ):
            out.error(
                "package-without-size",
                f"{label}: Package price needs a positive package size",
                **where,
            )
        _check_negative(label, product, out, where)
        if product.valid_from and product.valid_until and product.valid_until <= product.valid_from:
            out.error("empty-validity", f"{label}: validUntil is not after validFrom", **where)
    for product_id, used in currencies.items():
        if len(used) > 1:
            source, file = first_source[product_id]
            out.warning(
                "mixed-currencies",
                f'product "{product_id}": entries price in different currencies '
                f"({', '.join(sorted(used))})",
                source=source,
                file=file,
                subject=product_id,
            )


def _check_tiers(label: str, price: Price, out: Collector, where: dict) -> None:
    tiers = price.tiers
    if not tiers:
        out.error("missing-tiers", f"{label}: {price.model} price without tiers", **where)
        return
    for index, tier in enumerate(tiers[:-1]):
        if tier.up_to is None:
            out.error(
                "unbounded-tier",
                f"{label}: tier {index + 1} of {len(tiers)} has no upTo; only the last may be open",
                **where,
            )
    bounds = [t.up_to for t in tiers if t.up_to is not None]
    for lower, upper in itertools.pairwise(bounds):
        if upper < lower:
            out.error(
                "unsorted-tiers",
                f"{label}: tiers are not sorted by upTo ({lower} before {upper})",
                **where,
            )
        elif upper == lower:
            out.error("overlapping-tiers", f"{label}: two tiers end at upTo {upper}", **where)
    if bounds and bounds[0] <= 0:
        out.error(
            "overlapping-tiers",
            f"{label}: first tier ends at upTo {bounds[0]}, not above 0",
            **where,
        )
    if tiers[-1].up_to is not None:
        out.warning(
            "bounded-last-tier",
            f"{label}: last tier ends at upTo {tiers[-1].up_to}; quantities above it have no price",
            **where,
        )


def _check_negative(label: str, product: Product, out: Collector, where: dict) -> None:
    price = product.price
    amounts = [("unit price", price.unit_price), ("included quantity", price.included_quantity)]
    amounts += [(f"tier {i + 1} unit price", t.unit_price) for i, t in enumerate(price.tiers)]
    if price.minimum_charge is not None:
        amounts.append(("minimum charge", price.minimum_charge))
    for what, amount in amounts:
        if amount < 0:
            out.error("negative-price", f"{label}: negative {what} {amount}", **where)
    sizes = [("package size", price.package_size)]
    sizes += [(f"tier {i + 1} upTo", t.up_to) for i, t in enumerate(price.tiers)]
    for what, amount in [*amounts, *sizes]:
        if amount is not None and abs(amount) >= MAX_NUMBER:
            out.error(
                "number-out-of-range",
                f"{label}: {what} {amount} is out of range (must be below {MAX_NUMBER:.0e})",
                **where,
            )


MAX_NUMBER = Decimal("1e15")
"""Prices and quantities beyond this overflow DECIMAL(38, 12) amounts once multiplied."""
