"""``--allow-import``: what a catalog may import beyond its directory and the libraries.

One decorator for every command that loads a catalog (check, test, rate,
report, export), so they all refuse and allow the same imports. The
``RATECARD_ALLOW_IMPORT`` environment variable (comma-separated) adds to the
options, for CI jobs that set it once. See docs/security.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click

from rating.load.imports import ENV_VARIABLE, ImportKind, ImportPolicy


def catalog_options(command: Callable) -> Callable:
    """Add ``--allow-import KIND`` (repeatable); the command receives ``imports: ImportPolicy``."""
    option = click.option(
        "--allow-import",
        "allow_import",
        multiple=True,
        type=click.Choice([kind.value for kind in ImportKind]),
        help=(
            "Let the catalog import env: variables, remote (http/https) files or files "
            f"outside its directory (repeatable; also {ENV_VARIABLE}=env,remote)."
        ),
    )

    @functools.wraps(command)
    def wrapped(*args, allow_import: tuple[str, ...], **kwargs):
        return command(*args, imports=ImportPolicy.from_options(allow_import), **kwargs)

    return option(wrapped)
