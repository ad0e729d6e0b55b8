"""Catalog rules. Each rule is ``rule(catalog, out)`` and reports into a Collector."""

from collections.abc import Callable

from rating.check.findings import Collector
from rating.check.rules.catalog_level import (
    check_discounts,
    check_examples,
    check_fx,
    check_resource_types,
)
from rating.check.rules.controls import check_controls
from rating.check.rules.imports import check_remote_imports
from rating.check.rules.overlap import check_overlaps
from rating.check.rules.partners import check_parts
from rating.check.rules.prices import check_prices
from rating.check.rules.products import check_products
from rating.check.rules.validity import check_validity_gaps
from rating.model import Catalog

Rule = Callable[[Catalog, Collector], None]

RULES: tuple[Rule, ...] = (
    check_resource_types,
    check_products,
    check_prices,
    check_overlaps,
    check_validity_gaps,
    check_discounts,
    check_fx,
    check_parts,
    check_examples,
    check_remote_imports,
    check_controls,
)
