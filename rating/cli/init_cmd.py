"""``ratecard init DIR``: a catalog repository with vendored libraries and CI jobs."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Write into a non-empty DIR, replacing files.")
def init(directory: Path, force: bool) -> None:
    """Scaffold a catalog repository in DIR (catalog.dhall, libraries, samples, CI)."""
    from rating.scaffold import scaffold

    written = scaffold(directory, force=force)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && ratecard check catalog.dhall")
