"""``ratecard import``: platform output → samples (kubernetes, openstack, cloudfoundry,
cloudevents).

Each subcommand parses its input, lets the platform's importer turn it into
records, keeps those that pass the sample validation, and writes them as JSON
Lines to stdout or to ``--out`` in the format the file name says. The summary
(objects read, samples emitted, skips and notes by reason) goes to stderr.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from rating.cli.catalog_options import traits_import_options
from rating.cli.traits_cmd import resource_types, traits_option
from rating.errors import RatecardError
from rating.importers.outcome import Outcome, validated
from rating.importers.scope import ScopeMap, load_mapping, scope_map
from rating.load.imports import ImportPolicy
from rating.model import ResourceType


@click.group("import")
def import_() -> None:
    """Turn platform output (kubectl, OpenStack, Cloud Foundry, CloudEvents) into samples."""


_AT = click.option(
    "--at",
    "at",
    help="Sample time, RFC 3339 with a timezone (default: now, UTC, whole seconds).",
)
_MAPPING = click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    help="JSON or YAML file: platformInstance, location, tenants (key → tenant).",
)
_SHARED = (
    click.option("--platform-instance", help="scope.platformInstance of every sample."),
    click.option("--location", help="scope.location of every sample."),
    click.option("--tenant", help="Tenant of objects that name no namespace or project."),
    click.option(
        "--out",
        type=click.Path(path_type=Path),
        help="Write to this file (.jsonl, .csv, .parquet; .gz/.zst) instead of stdout.",
    ),
    click.option("--strict", is_flag=True, help="Exit 1 if any object was skipped."),
)


def _common(*, snapshot: bool) -> Callable[[Callable], Callable]:
    """The options every importer takes; the command receives ``common: _Common``.

    A ``snapshot`` importer samples state now (``--at``, ``--mapping``); the
    CloudEvents importer takes its times from the events and its scope from ``--map``.
    """
    names = ("platform_instance", "location", "tenant", "out", "strict")
    options = (_AT, _MAPPING, *_SHARED) if snapshot else _SHARED

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            common = _Common(
                at=kwargs.pop("at", None),
                mapping=kwargs.pop("mapping", None),
                **{name: kwargs.pop(name) for name in names},
            )
            return command(*args, common=common, **kwargs)

        for option in reversed(options):
            wrapped = option(wrapped)
        return wrapped

    return decorate


class _Common:
    """The shared options, and the run every importer ends with."""

    def __init__(
        self,
        at: str | None,
        mapping: Path | None,
        platform_instance: str | None,
        location: str | None,
        tenant: str | None,
        out: Path | None,
        strict: bool,
    ) -> None:
        self.at = _sample_time(at)
        self.mapping_path = mapping
        self.platform_instance = platform_instance
        self.location = location
        self.tenant = tenant
        self.out = out
        self.strict = strict

    def scope(self, platform_type: str, extra: Iterable[str] = ()) -> tuple[ScopeMap, dict]:
        """The scope map from the options and the mapping file, and the file's contents."""
        mapping = load_mapping(self.mapping_path, extra)
        platform_type = mapping.get("platformType", platform_type)
        scope = scope_map(
            platform_type,
            mapping,
            location=self.location,
            platform_instance=self.platform_instance,
            tenant=self.tenant,
        )
        return scope, mapping

    def finish(
        self,
        ctx: click.Context,
        what: str,
        records: Iterable[dict[str, Any]],
        outcome: Outcome,
        types: Sequence[ResourceType] | None = None,
    ) -> None:
        """Validate and write the records, print the summary, exit 0 (1 if --strict and skips)."""
        from rating.load.samples.writers import write_samples
        from rating.load.traits import builtin_resource_types

        types = types or builtin_resource_types()
        samples = validated(records, types, outcome)
        if self.out is None:
            for record in samples:
                sys.stdout.write(_json_line(record))
            sys.stdout.flush()
        else:
            try:
                write_samples(samples, self.out, types)
            except OSError as error:
                raise RatecardError(
                    f"{self.out}: cannot write: {error.strerror or error}"
                ) from None
        for line in outcome.lines(f"ratecard import {what}"):
            click.echo(line, err=True)
        ctx.exit(1 if self.strict and outcome.skipped else 0)


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _sample_time(at: str | None) -> str:
    """``--at`` checked as the readers check ``time``; default now (UTC, whole seconds)."""
    from rating.load.samples.records import parse_time

    if at is None:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if parse_time(at) is None:
        raise RatecardError(f"--at {at!r}: expected an RFC 3339 time with a timezone")
    return at


@import_.command()
@click.argument("input_path", metavar="INPUT", default="-")
@_common(snapshot=True)
@click.pass_context
def kubernetes(ctx: click.Context, input_path: str, common: _Common) -> None:
    """Pods and claims from ``kubectl get pods,pvc -A -o json`` (INPUT, default stdin)."""
    from rating.importers import kubernetes as k8s
    from rating.importers.source import json_documents

    scope, _ = common.scope(k8s.PLATFORM_TYPE)
    outcome = Outcome()
    records = k8s.import_objects(json_documents(input_path), scope, common.at, outcome)
    common.finish(ctx, "kubernetes", records, outcome)


_OPENSTACK_KINDS = (
    "servers",
    "volumes",
    "snapshots",
    "floating-ips",
    "routers",
    "load-balancers",
    "images",
)


@import_.command()
@click.argument("kind", type=click.Choice(_OPENSTACK_KINDS))
@click.argument("input_path", metavar="INPUT", default="-")
@click.option(
    "--flavors",
    type=click.Path(path_type=Path),
    help="servers: `openstack flavor list --long -f json` output, for vcpu, ramMb and disks.",
)
@_common(snapshot=True)
@click.pass_context
def openstack(
    ctx: click.Context, kind: str, input_path: str, flavors: Path | None, common: _Common
) -> None:
    """KIND from ``openstack … list --long -f json`` (INPUT, default stdin)."""
    from rating.importers import openstack as os_
    from rating.importers.source import json_documents

    scope, _ = common.scope(os_.PLATFORM_TYPE)
    flavor_rows = os_.rows(json_documents(str(flavors)), "flavors") if flavors else ()
    outcome = Outcome()
    records = os_.import_rows(
        os_.KINDS[kind],
        json_documents(input_path),
        os_.Flavors(flavor_rows),
        scope,
        common.at,
        outcome,
    )
    common.finish(ctx, f"openstack {kind}", records, outcome)


@import_.command()
@click.argument("apps_path", metavar="APPS", default="-")
@click.option(
    "--processes",
    "processes_path",
    required=True,
    help="`cf curl /v3/processes` output (every page), or - for stdin.",
)
@_common(snapshot=True)
@click.pass_context
def cloudfoundry(ctx: click.Context, apps_path: str, processes_path: str, common: _Common) -> None:
    """Apps from ``cf curl /v3/apps`` (APPS, default stdin) and their processes."""
    from rating.importers import cloudfoundry as cf
    from rating.importers.source import json_documents

    if apps_path == "-" and processes_path == "-":
        raise RatecardError("APPS and --processes cannot both be stdin")
    scope, _ = common.scope(cf.PLATFORM_TYPE)
    apps = cf.resources(json_documents(apps_path), apps_path)
    processes = cf.resources(json_documents(processes_path), processes_path)
    outcome = Outcome()
    records = cf.import_apps(apps, processes, scope, common.at, outcome)
    common.finish(ctx, "cloudfoundry", records, outcome)


@import_.command()
@click.argument("input_path", metavar="INPUT", default="-")
@click.option(
    "--map",
    "map_path",
    type=click.Path(path_type=Path),
    required=True,
    help="JSON or YAML: platformType, location, platformInstance, tenants, events.",
)
@traits_option
@traits_import_options
@_common(snapshot=False)
@click.pass_context
def cloudevents(
    ctx: click.Context,
    input_path: str,
    map_path: Path,
    traits_file: Path | None,
    imports: ImportPolicy,
    common: _Common,
) -> None:
    """Lifecycle events: CloudEvents 1.0 structured JSON, one per line (INPUT, default stdin).

    Each sample's time is its event's ``time``; the scope comes from the --map file.
    """
    from rating.importers import cloudevents as ce
    from rating.importers.source import read_text

    common.mapping_path = map_path
    scope, mapping = common.scope("", extra=("platformType", "events"))
    if not scope.platform_type:
        raise RatecardError(f"{map_path}: platformType: missing (e.g. platformType: OpenStack)")
    mappings = ce.event_mappings(mapping, map_path)
    outcome = Outcome()
    records = ce.import_events(read_text(input_path).splitlines(), mappings, scope, outcome)
    types = resource_types(traits_file, imports)
    common.finish(ctx, "cloudevents", records, outcome, types)
