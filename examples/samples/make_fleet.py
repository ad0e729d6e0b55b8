"""Regenerate ``fleet-2026-10.{jsonl,csv,parquet}``: a small, realistic sample fleet.

Hourly samples from 2026-10-01T00:00Z to 2026-10-03T00:00Z for three tenants in
two locations, covering every built-in resource type. Notable events:

* ``vm-web-1`` is resized from m1.medium (2 vCPU, 4 GiB) to m1.large
  (4 vCPU, 8 GiB) at 2026-10-02T00:00Z;
* volume ``vol-scratch`` and its snapshot are deleted after their
  2026-10-01T17:00Z sample (no samples afterwards).

Below the tenant (issue #17), resources sit in cells (``scope.cell``: web, db,
ci, net, shop, orders) and carry labels (``costCenter``, OpenStack metadata or
Kubernetes labels); the pod and its volume claim name no cell: the example
catalog derives it from their ``kubernetes.io/namespace`` label.

Run: ``python examples/samples/make_fleet.py`` (deterministic output).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rating.load.samples.writers import write_samples
from rating.load.traits import builtin_resource_types

HERE = Path(__file__).resolve().parent
START = datetime(2026, 10, 1, tzinfo=UTC)
HOURS = 48
RESIZE = datetime(2026, 10, 2, tzinfo=UTC)
DELETED = datetime(2026, 10, 1, 18, tzinfo=UTC)

OPENSTACK = ("OpenStack", "eu-de-1", "pike")
K8S = ("Kubernetes", "eu-de-2", "k8s-prod")
CF = ("CloudFoundry", "eu-de-1", "cf-1")
OSB = ("OSB", "eu-de-2", "broker-1")
MESH = ("meshStack", "eu-de-1", "mesh")


def _server(t: datetime) -> dict[str, Any]:
    if t < RESIZE:
        return {"vcpu": 2, "ramMb": 4096, "flavor": "m1.medium", "disk": 40, "state": "ACTIVE"}
    return {"vcpu": 4, "ramMb": 8192, "flavor": "m1.large", "disk": 80, "state": "ACTIVE"}


# (resource id, type, name, (platformType, location, platformInstance), tenant, traits(t))
RESOURCES: list[tuple[str, str, str | None, tuple[str, str, str], str, Any]] = [
    ("vm-web-1", "openstack.nova.server", "web-1", OPENSTACK, "proj-42", _server),
    (
        "vm-db-1",
        "openstack.nova.server",
        "db-1",
        OPENSTACK,
        "proj-7",
        lambda t: {
            "vcpu": 8,
            "ramMb": 32768,
            "flavor": "m1.xlarge",
            "disk": 160,
            "diskRoot": 40,
            "diskEphemeral": 120,
            "state": "ACTIVE",
        },
    ),
    (
        "vol-data",
        "openstack.cinder.volume",
        "data",
        OPENSTACK,
        "proj-7",
        lambda t: {"size": 500, "status": "in-use", "type": "ssd", "availabilityZone": "eu-de-1a"},
    ),
    (
        "vol-scratch",
        "openstack.cinder.volume",
        "scratch",
        OPENSTACK,
        "proj-42",
        lambda t: {"size": 50, "status": "available", "type": "hdd"},
    ),
    (
        "snap-scratch",
        "openstack.cinder.snapshot",
        None,
        OPENSTACK,
        "proj-42",
        lambda t: {"volumeSize": 50, "status": "available", "replicationStatus": "disabled"},
    ),
    (
        "img-ubuntu",
        "openstack.glance.image",
        "ubuntu-24.04",
        OPENSTACK,
        "proj-42",
        lambda t: {"size": 3, "status": "active", "service": "cinder"},
    ),
    ("fip-1", "openstack.neutron.floating-ip", None, OPENSTACK, "proj-42", lambda t: {}),
    ("router-1", "openstack.neutron.router", "gw", OPENSTACK, "proj-7", lambda t: {}),
    (
        "lb-1",
        "openstack.neutron.load-balancer",
        "ingress",
        OPENSTACK,
        "proj-7",
        lambda t: {"listeners": 2, "pools": 1, "provider": "octavia", "operatingStatus": "ONLINE"},
    ),
    (
        "pod-api-0",
        "kubernetes.pod",
        "api-0",
        K8S,
        "team-blue",
        lambda t: {"milliCpu": 500, "ramMb": 1024, "status": "Running"},
    ),
    (
        "pvc-pg",
        "kubernetes.persistent-volume-claim",
        "pg-data",
        K8S,
        "team-blue",
        lambda t: {"storageMb": 20480, "storageClassName": "fast", "status": "Bound"},
    ),
    (
        "app-shop",
        "cloudfoundry.app",
        "shop",
        CF,
        "proj-42",
        lambda t: {
            "appState": "STARTED",
            "instances": 3 if t.hour >= 8 else 2,
            "ramMb": 512,
            "size": 1024,
        },
    ),
    (
        "si-redis",
        "cloudfoundry.service-instance",
        "cache",
        CF,
        "proj-42",
        lambda t: {"planId": "redis-small", "type": "managed_service_instance"},
    ),
    (
        "osb-pg-1",
        "osb.service-instance",
        "orders-db",
        OSB,
        "team-blue",
        lambda t: {"serviceId": "postgresql", "planId": "pg-m", "planName": "medium"},
    ),
    (
        "tenant-proj-42",
        "mesh.tenant",
        "proj-42",
        MESH,
        "proj-42",
        lambda t: {"platformType": "OpenStack", "landingZoneName": "prod"},
    ),
    (
        "tenant-team-blue",
        "mesh.tenant",
        "team-blue",
        MESH,
        "team-blue",
        lambda t: {"platformType": "Kubernetes"},
    ),
]


# resource id -> (cell, labels); a resource not listed has neither.
ALLOCATION: dict[str, tuple[str | None, dict[str, str]]] = {
    "vm-web-1": ("web", {"costCenter": "cc-100"}),
    "vm-db-1": ("db", {"costCenter": "cc-200"}),
    "vol-data": ("db", {"costCenter": "cc-200"}),
    "vol-scratch": ("ci", {"costCenter": "cc-100"}),
    "snap-scratch": ("ci", {}),
    "img-ubuntu": ("web", {}),
    "fip-1": ("web", {"costCenter": "cc-100"}),
    "router-1": ("net", {}),
    "lb-1": ("net", {"costCenter": "cc-200"}),
    "pod-api-0": (
        None,
        {"kubernetes.io/namespace": "api", "app.kubernetes.io/name": "api", "costCenter": "cc-300"},
    ),
    "pvc-pg": (None, {"kubernetes.io/namespace": "data", "costCenter": "cc-300"}),
    "app-shop": ("shop", {"costCenter": "cc-100"}),
    "si-redis": ("shop", {}),
    "osb-pg-1": ("orders", {"costCenter": "cc-300"}),
}


def fleet() -> list[dict[str, Any]]:
    """Every sample, ordered by time then resource."""
    records = []
    for hour in range(HOURS):
        t = START + timedelta(hours=hour)
        for rid, rtype, name, (platform, location, instance), tenant, traits in RESOURCES:
            if rid.endswith("scratch") and t >= DELETED:
                continue
            resource = {"id": rid, "type": rtype} | ({"name": name} if name else {})
            cell, labels = ALLOCATION.get(rid, (None, {}))
            record = {
                "time": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "resource": resource,
                "scope": {
                    "platformType": platform,
                    "location": location,
                    "platformInstance": instance,
                    "tenant": tenant,
                }
                | ({"cell": cell} if cell else {}),
                "traits": traits(t),
            }
            records.append(record | ({"labels": labels} if labels else {}))
    return records


def main() -> None:
    records = fleet()
    types = builtin_resource_types()
    for suffix in ("jsonl", "csv", "parquet"):
        write_samples(records, HERE / f"fleet-2026-10.{suffix}", types)


if __name__ == "__main__":
    main()
