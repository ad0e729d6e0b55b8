"""``ratecard init``: scaffold a catalog repository.

The Dhall libraries are copied from the installed ratecard, so a repository
keeps evaluating the same way until its owner deliberately refreshes them;
CI installs ratecard and runs ``ratecard check`` on every change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rating.errors import RatecardError
from rating.library import catalog_dir, prelude_dir, traits_dir

TEMPLATES = Path(__file__).resolve().parent / "templates"

# template file -> path in the new repository (dot-files are stored without the dot)
FILES = {
    "catalog.dhall": "catalog.dhall",
    "README.md": "README.md",
    "samples/example.jsonl": "samples/example.jsonl",
    "github-workflow.yml": ".github/workflows/ratecard.yml",
    "gitlab-ci.yml": ".gitlab-ci.yml",
}


def scaffold(target: Path, *, force: bool = False, prelude: bool = False) -> list[Path]:
    """Write a starter catalog repository into ``target``; return the paths written.

    ``prelude`` also vendors the Dhall Prelude v23.1.0 as ``Prelude/``, for
    catalogs that want ``List/map`` and friends without a remote import (which
    the import policy refuses by default).
    """
    if target.exists() and not target.is_dir():
        raise RatecardError(f"{target}: exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise RatecardError(f"{target}: directory is not empty (use --force to write into it)")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    libraries = [("catalog", catalog_dir()), ("traits", traits_dir())]
    if prelude:
        libraries.append(("Prelude", prelude_dir()))
    for name, source in libraries:
        destination = target / name
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        written.append(destination)
    for template, relative in FILES.items():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES / template, destination)
        written.append(destination)
    return written
