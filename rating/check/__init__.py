"""Catalog validation for authors and CI: rules, catalog examples, output formats.

``check_catalog`` never raises on a bad catalog; it returns findings, so a CI
run shows every problem at once. Loading errors (Dhall syntax or type errors)
happen before, in the loader, and are the caller's to report.
"""

from __future__ import annotations

from rating.check.examples import ExampleOutcome, run_example
from rating.check.findings import Collector, Finding, Severity
from rating.check.rules import RULES
from rating.model import Catalog

__all__ = ["Finding", "Severity", "check_catalog", "example_findings", "has_failures"]


def check_catalog(catalog: Catalog, *, run_examples: bool = True) -> list[Finding]:
    """All findings for ``catalog``, sorted by file, line and code."""
    out = Collector()
    for rule in RULES:
        rule(catalog, out)
    findings = out.findings
    # Examples of a catalog with errors would fail for the same reasons, or crash the rater.
    if run_examples and not any(f.severity is Severity.ERROR for f in findings):
        findings += example_findings(catalog)
    return sorted(set(findings), key=_order)


def example_findings(catalog: Catalog) -> list[Finding]:
    """One ``example-failed`` error per catalog example whose total does not match."""
    file = catalog.parts[0].file if catalog.parts else ""
    findings = []
    for example in catalog.examples:
        outcome: ExampleOutcome = run_example(catalog, example)
        if not outcome.passed:
            findings.append(
                Finding(file, None, Severity.ERROR, "example-failed", outcome.message, example.name)
            )
    return findings


def has_failures(findings: list[Finding], *, strict: bool = False) -> bool:
    """Whether the findings fail a CI run: any error, or any warning when strict."""
    return any(f.severity is Severity.ERROR or strict for f in findings)


def _order(finding: Finding) -> tuple:
    return (finding.file, finding.line or 0, finding.code, finding.message)
