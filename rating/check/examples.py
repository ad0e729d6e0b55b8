"""Operator-authored catalog tests: price each example with the reference rater.

An example is a handful of samples and the total they must cost; it pins the
catalog's behaviour the way a unit test pins code. Totals are compared after
rounding to the currency's minor unit, as reports round them.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from rating.check.rules.catalog_level import example_shape_problems
from rating.errors import RatecardError
from rating.model import Catalog, CatalogExample
from rating.period import Period


@dataclass(frozen=True)
class ExampleOutcome:
    name: str
    passed: bool
    message: str  # why it failed, or "expected … got …" when it passed
    ran: bool = True  # False when only the shape could be validated


def rater_available() -> bool:
    return importlib.util.find_spec("rating.rate.reference") is not None


def run_example(catalog: Catalog, example: CatalogExample) -> ExampleOutcome:
    """Rate the example's samples over its period and compare the total."""
    problems = example_shape_problems(example, catalog)
    if problems:
        return ExampleOutcome(example.name, False, f'example "{example.name}": {problems[0]}')
    if not rater_available():
        return ExampleOutcome(example.name, True, "shape valid (rater not installed)", ran=False)
    from rating.rate.reference import rate
    from rating.rate.result import RateOptions

    batches, problem = _batches(catalog, example)
    if problem is not None:
        return ExampleOutcome(example.name, False, f'example "{example.name}": {problem}')
    try:
        result = rate(catalog, batches, Period.parse(example.period), RateOptions())
    except RatecardError as error:
        return ExampleOutcome(example.name, False, f'example "{example.name}": {error}')
    got = _total(result, example)
    expected = _round(example.expected_total, example.currency)
    verdict = f"expected {expected} {example.currency}, got {got} {example.currency}"
    return ExampleOutcome(example.name, got == expected, f'example "{example.name}": {verdict}')


def _batches(catalog: Catalog, example: CatalogExample) -> tuple[list, str | None]:
    """The samples as normalized Arrow batches, or the first invalid sample."""
    from rating.load.samples.records import RecordValidator, RowBuilder, normalize

    validator = RecordValidator(catalog.resource_types)
    builder = RowBuilder(catalog.resource_types)
    for line, record in enumerate(example.samples, start=1):
        problem = validator.check(record)
        if problem is not None:
            field, reason, _ = problem
            return [], f"sample {line}: {field}: {reason}" if field else f"sample {line}: {reason}"
        resource_type = validator.types[record["resource"]["type"]]
        builder.add(normalize(record, resource_type), f"example:{example.name}", line)
    batch = builder.flush()
    return ([batch] if batch is not None else []), None


def _total(result, example: CatalogExample) -> Decimal:
    table = result.line_items
    total = Decimal(0)
    for product_id, currency, amount in zip(
        table.column("product_id").to_pylist(),
        table.column("currency").to_pylist(),
        table.column("amount").to_pylist(),
        strict=True,
    ):
        if currency == example.currency and example.product_id in (None, product_id):
            total += amount
    return _round(total, example.currency)


def _round(amount: Decimal, currency: str) -> Decimal:
    from rating.currencies import minor_unit

    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_EVEN)
