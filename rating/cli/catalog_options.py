"""``--allow-import``: what a catalog (or a ``--traits`` file) may import beyond its directory.

One decorator for every command that loads a catalog (check, test, rate,
report, export) and one for those that load only a ``--traits`` file (traits,
samples validate), so they all refuse and allow the same imports. The
``RATECARD_ALLOW_IMPORT`` environment variable (comma-separated) adds to the
options, for CI jobs that set it once. See docs/security.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click

from rating.load.imports import ENV_VARIABLE, ImportKind, ImportPolicy


def import_options(subject: str) -> Callable[[Callable], Callable]:
    """Add ``--allow-import KIND`` (repeatable); the command receives ``imports: ImportPolicy``.

    ``subject`` is what the policy applies to, for the help text.
    """

    def decorate(command: Callable) -> Callable:
        option = click.option(
            "--allow-import",
            "allow_import",
            multiple=True,
            type=click.Choice([kind.value for kind in ImportKind]),
            help=(
                f"Let {subject} import env: variables, remote (http/https) files or files "
                f"outside its directory (repeatable; also {ENV_VARIABLE}=env,remote)."
            ),
        )

        @functools.wraps(command)
        def wrapped(*args, allow_import: tuple[str, ...], **kwargs):
            return command(*args, imports=ImportPolicy.from_options(allow_import), **kwargs)

        return option(wrapped)

    return decorate


catalog_options = import_options("the catalog")
"""For the commands that load a catalog; ``rate``'s ``--traits`` file shares the policy."""

traits_import_options = import_options("the --traits file")
"""For the commands that load only a ``--traits`` file."""
