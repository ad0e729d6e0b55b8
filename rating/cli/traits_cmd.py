"""``ratecard traits``: list the resource types and show one type's traits or JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rating.cli.catalog_options import traits_import_options
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy
from rating.model import ResourceType

traits_option = click.option(
    "--traits",
    "traits_file",
    type=click.Path(path_type=Path),
    help=(
        "Dhall file declaring your own resource types (added to the built-ins); "
        "its imports follow --allow-import."
    ),
)
"""``--traits FILE`` for every command that takes one: the command receives ``traits_file``."""


def resource_types(
    traits_file: Path | None,
    imports: ImportPolicy,
    known: tuple[ResourceType, ...] | None = None,
) -> tuple[ResourceType, ...]:
    """``known`` types (default: the built-ins) plus those ``traits_file`` declares.

    ``imports`` is the policy the traits file's imports are held to, as a catalog's are.
    """
    from rating.load.traits import (
        builtin_resource_types,
        load_resource_types,
        merge_resource_types,
    )

    types = builtin_resource_types() if known is None else known
    if traits_file is None:
        return types
    extra = load_resource_types(traits_file, imports)
    return merge_resource_types(types, extra, str(traits_file))


@click.group()
def traits() -> None:
    """Resource types and their traits (the schemas samples are validated against)."""


@traits.command("list")
@traits_option
@traits_import_options
def list_types(traits_file: Path | None, imports: ImportPolicy) -> None:
    """List resource types: id, platform, number of traits, description."""
    rows = [
        (rt.id, rt.platform, len(rt.traits), rt.description)
        for rt in resource_types(traits_file, imports)
    ]
    click.echo(_table(rows, ["id", "platform", "#traits", "description"]))


@traits.command("show")
@click.argument("type_id", metavar="TYPE")
@traits_option
@traits_import_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="json prints the JSON Schema of the type's traits.",
)
def show(type_id: str, traits_file: Path | None, imports: ImportPolicy, fmt: str) -> None:
    """Show the traits of resource type TYPE."""
    from rating.load.traits import json_schema

    types = resource_types(traits_file, imports)
    rt = next((t for t in types if t.id == type_id), None)
    if rt is None:
        known = ", ".join(t.id for t in types)
        raise RatecardError(f"unknown resource type {type_id!r} (known: {known})")
    if fmt == "json":
        click.echo(json.dumps(json_schema(rt), indent=2))
        return
    click.echo(f"{rt.id} — {rt.display_name} ({rt.platform}): {rt.description}")
    rows = [
        (t.name, t.type.value, "yes" if t.optional else "no", t.unit or "", t.description)
        for t in rt.traits
    ]
    click.echo(_table(rows, ["trait", "type", "optional", "unit", "description"]))


def _table(rows: list[tuple], headers: list[str]) -> str:
    """``rows`` as a text table (tabulate imported here: every command imports this module)."""
    from tabulate import tabulate

    return tabulate(rows, headers=headers)
