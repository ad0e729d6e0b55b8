"""``ratecard init DIR``: a catalog repository with vendored libraries and CI jobs."""

from __future__ import annotations

from pathlib import Path

import click

from rating.errors import RatecardError
from rating.outputs import writable_directory


@click.command()
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Write into a non-empty DIR, replacing files.")
@click.option(
    "--prelude",
    is_flag=True,
    help="Also vendor the Dhall Prelude v23.1.0 as DIR/Prelude (import ./Prelude/…).",
)
def init(directory: Path, force: bool, prelude: bool) -> None:
    """Scaffold a catalog repository in DIR (catalog.dhall, libraries, samples, CI)."""
    from rating.scaffold import scaffold

    writable_directory(directory, "DIR")
    try:
        written = scaffold(directory, force=force, prelude=prelude)
    except OSError as error:  # a full disk, a file appearing meanwhile: say where, not how
        where = error.filename or directory
        raise RatecardError(f"DIR {directory}: cannot write {where}: {error.strerror}") from None
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && ratecard check catalog.dhall")
