"""A catalog with errors never bills: the one gate every rating command passes.

``rating.open_catalog`` (behind ``rate``, ``report`` and ``export``) and
``test`` pass their catalog through :func:`require_no_errors`, which runs
exactly the rules ``check`` runs.
Errors stop the command (exit 1) before a single sample is read, listed one
line each; warnings are shown and rating goes on. Findings are cached by the
catalog model itself and the checker's code, so an unchanged catalog is
checked once, not on every run; a catalog reading the environment or the
network (``Catalog.volatile``) is checked every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from rating.cache import private_cache_dir, write_private
from rating.check import check_catalog
from rating.check.findings import Finding, Severity
from rating.check.output import one_line
from rating.errors import RatecardError
from rating.model import Catalog

SHOWN = 10
"""Errors listed before "… and N more": enough to act on, short enough to read."""


def require_no_errors(
    catalog: Catalog,
    path: Path,
    *,
    run_examples: bool = True,
    echo: Callable[[str], None] | None = None,
) -> None:
    """Raise (exit 1) if ``check`` finds an error in ``catalog``.

    Each finding is passed to ``echo`` (default: stderr) as one line: every
    warning, and the first :data:`SHOWN` errors followed by ``… and N more``.
    """
    show = echo or _stderr
    findings = catalog_findings(catalog, run_examples=run_examples)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    for finding in findings:
        if finding.severity is Severity.WARNING:
            show(one_line(finding, str(path)))
    for finding in errors[:SHOWN]:
        show(one_line(finding, str(path)))
    if len(errors) > SHOWN:
        show(f"… and {len(errors) - SHOWN} more")
    if errors:
        raise RatecardError(
            f"{path}: the catalog has {len(errors)} error(s) (see `ratecard check`); "
            "nothing was rated",
            exit_code=1,
        )


def catalog_findings(catalog: Catalog, *, run_examples: bool = True) -> list[Finding]:
    """:func:`check_catalog`'s findings, cached unless the catalog is volatile."""
    if catalog.volatile:
        return check_catalog(catalog, run_examples=run_examples)
    digest = hashlib.sha256(_code_digest().encode())
    digest.update(pickle.dumps((catalog, run_examples), protocol=pickle.HIGHEST_PROTOCOL))
    file = private_cache_dir() / f"check-{digest.hexdigest()}.json"
    try:
        return [_finding(item) for item in json.loads(file.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError, KeyError):
        pass
    findings = check_catalog(catalog, run_examples=run_examples)
    with contextlib.suppress(OSError):  # an unwritable cache only costs the next run a check
        write_private(file, json.dumps([f.as_dict() for f in findings]).encode())
    return findings


def _finding(item: dict) -> Finding:
    return Finding(
        item["file"],
        item["line"],
        Severity(item["severity"]),
        item["code"],
        item["message"],
        item["subject"],
    )


@cache
def _code_digest() -> str:
    """sha256 over ratecard's Python sources: new rules or a changed rater invalidate."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)
