"""``openstack … list --long -f json`` (and the matching API JSON) → OpenStack samples.

The CLI prints a JSON array of rows keyed by its column headers ("ID",
"Name", "Status", …); the APIs print snake_case keys inside a wrapper object
(``{"servers": […]}``). Every field here is looked up under both spellings.

What a list does not show comes from elsewhere: a server's vCPUs, RAM and
disks from ``openstack flavor list --long -f json`` (``--flavors``) or the
flavor the compute API embeds since microversion 2.47; the project from a
"Project"/"Project ID" column, else ``--tenant``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rating.importers.outcome import Outcome
from rating.importers.scope import ScopeMap

PLATFORM_TYPE = "OpenStack"
GIB = 1 << 30

_PROJECT = ("Project ID", "Project", "project_id", "tenant_id", "os-vol-tenant-attr:tenant_id")
_ERROR_STATES = ("error", "error_deleting", "error_extending", "error_restoring", "error_managing")

Row = dict[str, Any]
TraitsOf = Callable[[Row, "Flavors", Outcome, str], dict[str, Any]]


def field(row: Row, *names: str) -> Any:
    """The first of ``names`` the row has a non-null value for (CLI header, API key)."""
    for name in names:
        value = row.get(name)
        if value is not None:
            return value
    return None


class Flavors:
    """Flavors by name and by id, from ``openstack flavor list --long -f json``."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._by_key: dict[str, Row] = {}
        for row in rows:
            if isinstance(row, dict):
                for key in (field(row, "Name", "name"), field(row, "ID", "id")):
                    if isinstance(key, str):
                        self._by_key[key] = row

    def traits(self, server: Row) -> dict[str, Any] | None:
        """vcpu, ramMb and disks of a server's flavor, if known."""
        embedded = server.get("flavor")
        if isinstance(embedded, dict) and "vcpus" in embedded:  # compute API ≥ 2.47
            return _sizes(
                embedded["vcpus"],
                embedded.get("ram"),
                embedded.get("disk"),
                embedded.get("ephemeral"),
            )
        for key in (field(server, "Flavor", "Flavor Name"), field(server, "Flavor ID")):
            flavor = self._by_key.get(key) if isinstance(key, str) else None
            if flavor is not None:
                return _sizes(
                    field(flavor, "VCPUs", "vcpus"),
                    field(flavor, "RAM", "ram"),
                    field(flavor, "Disk", "disk"),
                    field(flavor, "Ephemeral", "OS-FLV-EXT-DATA:ephemeral"),
                )
        return None


def _sizes(vcpu: Any, ram: Any, disk: Any, ephemeral: Any) -> dict[str, Any]:
    """A flavor's sizes as traits; ``disk`` is root plus ephemeral."""
    total = disk + ephemeral if isinstance(disk, int) and isinstance(ephemeral, int) else None
    return _present(vcpu=vcpu, ramMb=ram, diskRoot=disk, diskEphemeral=ephemeral, disk=total)


def _server(row: Row, flavors: Flavors, outcome: Outcome, where: str) -> dict[str, Any]:
    flavor = field(row, "Flavor", "Flavor Name")
    if isinstance(row.get("flavor"), dict):
        flavor = row["flavor"].get("original_name", flavor)
    traits: dict[str, Any] = {"state": field(row, "Status", "status")}
    if isinstance(flavor, str):
        traits["flavor"] = flavor
    sizes = flavors.traits(row)
    if sizes is None:
        outcome.note("flavor not found (see --flavors): no vcpu, ramMb or disk", where)
    return {**traits, **(sizes or {})}


def _volume(row: Row, flavors: Flavors, outcome: Outcome, where: str) -> dict[str, Any]:
    status = field(row, "Status", "status")
    if status in _ERROR_STATES:
        outcome.note("volume or snapshot in an error state: emitted with its status", where)
    return _present(
        size=field(row, "Size", "size"),
        status=status,
        type=field(row, "Type", "Volume Type", "volume_type"),
        availabilityZone=field(row, "Availability Zone", "availability_zone"),
    )


def _snapshot(row: Row, flavors: Flavors, outcome: Outcome, where: str) -> dict[str, Any]:
    traits = _volume(row, flavors, outcome, where)
    traits["volumeSize"] = traits.pop("size", None)
    traits.pop("type", None)
    return traits


def _image(row: Row, flavors: Flavors, outcome: Outcome, where: str) -> dict[str, Any]:
    size = field(row, "Size", "size")
    gibibytes = None
    if isinstance(size, int):
        gibibytes = -(-size // GIB)  # whole GiB, rounded up (exact for any size)
        if size % GIB:
            outcome.note("image size not a whole GiB: rounded up", where)
    return _present(status=field(row, "Status", "status"), size=gibibytes)


def _load_balancer(row: Row, flavors: Flavors, outcome: Outcome, where: str) -> dict[str, Any]:
    return _present(
        operatingStatus=field(row, "operating_status", "Operating Status"),
        provider=field(row, "provider", "Provider"),
        listeners=_count(field(row, "listeners")),
        pools=_count(field(row, "pools")),
    )


def _no_traits(row: Row, flavors: Flavors, outcome: Outcome, where: str) -> dict[str, Any]:
    return {}


def _present(**traits: Any) -> dict[str, Any]:
    return {name: value for name, value in traits.items() if value is not None}


def _count(value: Any) -> int | None:
    return len(value) if isinstance(value, list) else None


@dataclass(frozen=True)
class Kind:
    """One ``ratecard import openstack KIND``: its resource type and how to read a row."""

    resource_type: str
    api_key: str  # the API's wrapper key, e.g. "servers"
    traits: TraitsOf


KINDS = {
    "servers": Kind("openstack.nova.server", "servers", _server),
    "volumes": Kind("openstack.cinder.volume", "volumes", _volume),
    "snapshots": Kind("openstack.cinder.snapshot", "snapshots", _snapshot),
    "floating-ips": Kind("openstack.neutron.floating-ip", "floatingips", _no_traits),
    "routers": Kind("openstack.neutron.router", "routers", _no_traits),
    "load-balancers": Kind("openstack.neutron.load-balancer", "loadbalancers", _load_balancer),
    "images": Kind("openstack.glance.image", "images", _image),
}


def import_rows(
    kind: Kind,
    documents: Iterable[Any],
    flavors: Flavors,
    scope: ScopeMap,
    at: str,
    outcome: Outcome,
) -> Iterator[dict[str, Any]]:
    """Samples at ``at`` of the rows of a list of ``kind``."""
    for row in rows(documents, kind.api_key):
        outcome.read += 1
        if not isinstance(row, dict):
            outcome.skip("not a JSON object", repr(row)[:40])
            continue
        resource_id = field(row, "ID", "id")
        name = field(row, "Name", "name")
        where = f"{kind.resource_type} {resource_id or name}"
        if not isinstance(resource_id, str) or not resource_id:
            outcome.skip("no ID", where)
            continue
        resource = {"id": resource_id, "type": kind.resource_type}
        if isinstance(name, str) and name:
            resource["name"] = name
        project = field(row, *_PROJECT)
        yield {
            "time": at,
            "resource": resource,
            "scope": scope.scope(project if isinstance(project, str) else None, outcome, where),
            "traits": kind.traits(row, flavors, outcome, where),
        }


def rows(documents: Iterable[Any], api_key: str) -> Iterator[Any]:
    """The rows of every document: a CLI array, or the array under the API's key."""
    for document in documents:
        if isinstance(document, list):
            yield from document
        elif isinstance(document, dict) and isinstance(document.get(api_key), list):
            yield from document[api_key]
        else:
            yield document
