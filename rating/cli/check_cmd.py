"""``ratecard check`` (CI validation) and ``ratecard test`` (catalog examples).

Exit codes: 0 clean (warnings allowed), 1 findings that fail the run, 2 the
catalog could not be loaded at all (missing file, Dhall syntax or type error).
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from rating.check.findings import Finding, Severity
from rating.cli.catalog_options import catalog_options
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy
from rating.model import Catalog


def _load(catalog_path: Path, fmt: str = "human", imports: ImportPolicy | None = None) -> Catalog:
    """Load the catalog, or report the loader's message and exit 2.

    Machine formats also get the problem as an ``unusable-input`` finding on
    stdout, so a CI annotation points at the Dhall syntax or type error (or
    the refused import).
    """
    from rating.load.catalog import load_catalog

    try:
        return load_catalog(catalog_path, imports=imports)
    except RatecardError as error:
        message = str(error)
        if fmt != "human":
            from rating.check.output import render

            finding = unusable_input_finding(message, str(catalog_path))
            click.echo(render([finding], str(catalog_path), fmt))
        click.echo(f"ratecard: error: {message}", err=True)
        raise click.exceptions.Exit(2) from error


_LOCATED = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?:\d+:)? (?P<message>.*)$")


def unusable_input_finding(message: str, catalog_path: str) -> Finding:
    """The loader's error as a finding; its ``file:line[:column]:`` prefix becomes the location."""
    first = message.splitlines()[0] if message else "cannot load catalog"
    located = _LOCATED.match(first)
    if located is None:
        return Finding(catalog_path, None, Severity.ERROR, "unusable-input", first)
    return Finding(
        located["file"], int(located["line"]), Severity.ERROR, "unusable-input", located["message"]
    )


@click.command()
@click.argument("catalog_path", metavar="CATALOG", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["human", "json", "github", "gitlab"]),
    default="human",
    show_default=True,
    help="human text, JSON, GitHub Actions annotations or GitLab Code Quality JSON.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--no-examples", is_flag=True, help="Do not run the catalog's examples.")
@catalog_options
def check(
    catalog_path: Path, fmt: str, strict: bool, no_examples: bool, imports: ImportPolicy
) -> None:
    """Validate CATALOG (a catalog.dhall) and run its examples; exit 1 on errors."""
    from rating.check import has_failures
    from rating.check.gate import catalog_findings
    from rating.check.output import render

    catalog = _load(catalog_path, fmt, imports)
    findings = catalog_findings(catalog, run_examples=not no_examples)
    click.echo(render(findings, str(catalog_path), fmt))
    if has_failures(findings, strict=strict):
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("catalog_path", metavar="CATALOG", type=click.Path(path_type=Path))
@catalog_options
def test(catalog_path: Path, imports: ImportPolicy) -> None:
    """Price CATALOG's examples with the reference rater; exit 1 on a mismatch.

    A catalog with ``check`` errors is refused first (exit 1), as by every command that rates.
    """
    from rating.check.examples import run_example
    from rating.check.gate import require_no_errors

    catalog = _load(catalog_path, imports=imports)
    require_no_errors(catalog, catalog_path, run_examples=False)
    if not catalog.examples:
        click.echo(f"{catalog_path}: no examples")
        return
    failed = 0
    for example in catalog.examples:
        outcome = run_example(catalog, example)
        status = "ok" if outcome.passed else "FAIL"
        failed += not outcome.passed
        click.echo(f"{status:4} {outcome.message}")
    click.echo(f"{len(catalog.examples) - failed} passed, {failed} failed")
    if failed:
        raise click.exceptions.Exit(1)
