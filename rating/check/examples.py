"""Operator-authored catalog tests: price each example with the reference rater.

An example is a handful of samples and the total they must cost; it pins the
catalog's behaviour the way a unit test pins code. The line-item total is
compared exactly, to the 12 decimal places line items keep: comparing after
rounding to the currency's minor unit let a wrong price pass (0.064 expected,
0.06 billed). An example may also pin one tenant's report total, which is
rounded by construction and includes discounts, fees and FX.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from decimal import Decimal

from rating.check.rules.catalog_level import example_shape_problems
from rating.errors import RatecardError
from rating.model import Catalog, CatalogExample, ExpectedReport
from rating.period import Period

LINE_ITEM_PLACES = Decimal("1e-12")  # the scale of line-item amounts (DECIMAL(38,12))


@dataclass(frozen=True)
class ExampleOutcome:
    name: str
    passed: bool
    message: str  # why it failed, or "expected … got …" when it passed
    ran: bool = True  # False when only the shape could be validated


def rater_available() -> bool:
    return importlib.util.find_spec("rating.rate.reference") is not None


def run_example(catalog: Catalog, example: CatalogExample) -> ExampleOutcome:
    """Rate the example's samples over its period; compare the total (and the report's)."""
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
    period = Period.parse(example.period)
    try:
        result = rate(catalog, batches, period, RateOptions())
        verdicts = [_line_item_verdict(result, example)]
        if example.expected_report is not None:
            verdicts.append(_report_verdict(catalog, result, period, example.expected_report))
    except RatecardError as error:
        return ExampleOutcome(example.name, False, f'example "{example.name}": {error}')
    passed = all(ok for ok, _ in verdicts)
    message = "; ".join(text for _, text in verdicts)
    return ExampleOutcome(example.name, passed, f'example "{example.name}": {message}')


def _batches(catalog: Catalog, example: CatalogExample) -> tuple[list, str | None]:
    """The samples as normalized Arrow batches, or the first invalid sample."""
    from rating.load.samples.records import RecordValidator, RowBuilder, normalize

    validator = RecordValidator(catalog.resource_types)
    builder = RowBuilder(catalog.resource_types, labels=catalog.dimensions.read_labels)
    for line, record in enumerate(example.samples, start=1):
        problem = validator.check(record)
        if problem is not None:
            field, reason, _ = problem
            return [], f"sample {line}: {field}: {reason}" if field else f"sample {line}: {reason}"
        resource_type = validator.types[record["resource"]["type"]]
        builder.add(normalize(record, resource_type), f"example:{example.name}", line)
    batch = builder.flush()
    return ([batch] if batch is not None else []), None


def _line_item_verdict(result, example: CatalogExample) -> tuple[bool, str]:
    """Σ line-item amounts in the example's currency (and product), to 12 places."""
    table = result.line_items
    got = Decimal(0)
    for product_id, currency, amount in zip(
        table.column("product_id").to_pylist(),
        table.column("currency").to_pylist(),
        table.column("amount").to_pylist(),
        strict=True,
    ):
        if currency == example.currency and example.product_id in (None, product_id):
            got += amount
    got = got.quantize(LINE_ITEM_PLACES)
    verdict = f"expected {example.expected_total:f} {example.currency}, got {_plain(got)}"
    return got == example.expected_total, f"{verdict} {example.currency}"


def _report_verdict(
    catalog: Catalog, result, period: Period, expected: ExpectedReport
) -> tuple[bool, str]:
    """The tenant's report total: converted when ``currency`` is the base currency."""
    from rating.report import build_reports

    reports = {r.tenant: r for r in build_reports(catalog, result.line_items, period)}
    report = reports.get(expected.tenant)
    if report is None:
        known = ", ".join(sorted(reports)) or "none"
        return False, f"report of {expected.tenant!r}: no line items (tenants: {known})"
    if expected.currency == report.base_currency and report.base_total is not None:
        got: Decimal | None = report.base_total
    else:
        got = next((t.amount for t in report.totals if t.currency == expected.currency), None)
    if got is None:
        return False, f"report of {expected.tenant!r}: no total in {expected.currency}"
    verdict = f"report of {expected.tenant!r}: expected {expected.total:f}, got {got:f}"
    return got == expected.total, f"{verdict} {expected.currency}"


def _plain(amount: Decimal) -> str:
    """A line-item sum without exponent or padding: 0.06, not 0.060000000000 or 6E-2."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
