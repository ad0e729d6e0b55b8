"""``ratecard samples``: work with sample files (``validate``, ``convert`` and ``generate``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from tabulate import tabulate

from rating.cli.catalog_options import traits_import_options
from rating.cli.traits_cmd import resource_types, traits_option
from rating.generate.cli import generate
from rating.load.imports import ImportPolicy
from rating.outputs import writable_file

_SHOWN_PROBLEMS = 20


@click.group()
def samples() -> None:
    """Sample files: validate, convert between formats, or generate a synthetic fleet."""


@samples.command()
@click.argument("files", nargs=-1, required=True)
@traits_option
@traits_import_options
@click.option(
    "--rejects",
    "rejects_file",
    type=click.Path(path_type=Path),
    help="Write every rejected record to this JSON Lines file.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def validate(
    ctx: click.Context,
    files: tuple[str, ...],
    traits_file: Path | None,
    imports: ImportPolicy,
    rejects_file: Path | None,
    fmt: str,
) -> None:
    """Check sample FILEs (``-`` = stdin); exit 1 if any record is rejected."""
    from rating.load.samples import RejectSink, open_samples

    if rejects_file is not None:
        writable_file(rejects_file, "--rejects")
    sink = RejectSink(rejects_file, keep=_SHOWN_PROBLEMS)
    reader = open_samples(files, resource_types(traits_file, imports), rejects=sink)
    for _ in reader:
        pass
    if fmt == "json":
        report = {
            "files": [{"file": path, **vars(c)} for path, c in reader.counts.items()],
            "total": vars(reader.total),
            "problems": [str(r) for r in sink.first],
        }
        click.echo(json.dumps(report, indent=2))
    else:
        rows = [(path, c.read, c.valid, c.rejected) for path, c in reader.counts.items()]
        if len(rows) > 1:
            rows.append(("total", reader.total.read, reader.total.valid, reader.total.rejected))
        click.echo(tabulate(rows, headers=["file", "read", "valid", "rejected"]))
        if sink.first:
            click.echo(f"\nfirst problems ({len(sink.first)} of {sink.count}):")
            for reject in sink.first:
                click.echo(f"  {reject}")
    ctx.exit(1 if reader.total.rejected else 0)


@samples.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Output file: .jsonl, .csv (optionally .gz or .zst) or .parquet.",
)
@traits_option
@traits_import_options
@click.option(
    "--rejects",
    "rejects_file",
    type=click.Path(path_type=Path),
    help="Write every rejected record to this JSON Lines file.",
)
@click.pass_context
def convert(
    ctx: click.Context,
    files: tuple[str, ...],
    out: Path,
    traits_file: Path | None,
    imports: ImportPolicy,
    rejects_file: Path | None,
) -> None:
    """Convert sample FILEs (``-`` = stdin) to OUT, validating as ``rate`` does.

    Rejected records are left out and counted; exit 1 if there were any.
    """
    from rating.convert import convert as convert_samples
    from rating.load.samples import RejectSink

    if rejects_file is not None:
        writable_file(rejects_file, "--rejects")
    sink = RejectSink(rejects_file, keep=_SHOWN_PROBLEMS)
    reader = convert_samples(files, out, resource_types(traits_file, imports), sink)
    total = reader.total
    click.echo(
        f"read {total.read}, written {total.valid}, rejected {total.rejected} → {out}", err=True
    )
    for reject in sink.first:
        click.echo(f"  {reject}", err=True)
    ctx.exit(1 if total.rejected else 0)


samples.add_command(generate)
