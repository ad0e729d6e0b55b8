"""The resource kinds a synthetic fleet is made of, and how each one's traits look.

Each kind draws its per-resource trait values in one go (NumPy, no per-sample
work): ``before`` is the value from creation, ``after`` the value after a
resize (only for traits a resize changes), ``stopped`` the value while the
resource is stopped (only for the state-like trait). The fleet planner turns
these into per-sample columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

Values = dict[str, np.ndarray]


@dataclass(frozen=True)
class Draw:
    """Trait values for ``n`` resources of one kind (object or int arrays of length n)."""

    before: Values
    after: Values = field(default_factory=dict)
    stopped: Values = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """One resource type: its scope, share of the fleet and trait generator.

    ``resize`` / ``stop`` are the probabilities that a resource of this kind is
    resized or stopped for a while during the period (0 when it cannot be).
    """

    type: str
    platform_type: str
    instances: tuple[str, ...]
    weight: float
    name_prefixes: tuple[str, ...]
    draw: Callable[[np.random.Generator, int, np.ndarray], Draw]
    resize: float = 0.0
    stop: float = 0.0


TRAIT_TYPES: dict[str, pa.DataType] = {
    name: pa.int64() if kind == "int" else pa.string()
    for name, kind in sorted(
        {
            "appState": "text",
            "availabilityZone": "text",
            "disk": "int",
            "diskEphemeral": "int",
            "diskRoot": "int",
            "event": "text",
            "flavor": "text",
            "instances": "int",
            "landingZoneName": "text",
            "listeners": "int",
            "milliCpu": "int",
            "operatingStatus": "text",
            "planId": "text",
            "planName": "text",
            "platformType": "text",
            "pools": "int",
            "provider": "text",
            "ramMb": "int",
            "replicationStatus": "text",
            "service": "text",
            "serviceId": "text",
            "size": "int",
            "state": "text",
            "status": "text",
            "storageClassName": "text",
            "storageMb": "int",
            "type": "text",
            "vcpu": "int",
            "volumeSize": "int",
        }.items()
    )
}
"""Every trait column of the flat (CSV/Parquet) form, by name: Integer → int64, Text → string."""


def is_none(values: np.ndarray) -> np.ndarray:
    """Which entries of an object array are None (absent trait values)."""
    return np.fromiter((value is None for value in values), dtype=bool, count=len(values))


def _pick(
    rng: np.random.Generator, options: list, n: int, p: list[float] | None = None
) -> np.ndarray:
    """``n`` draws from ``options`` as an object array (keeps Python ints and strs)."""
    table = np.empty(len(options), dtype=object)
    table[:] = options
    return table[rng.choice(len(options), size=n, p=p)]


def _maybe(rng: np.random.Generator, values: np.ndarray, present: float) -> np.ndarray:
    """Blank out (None) a share ``1 - present`` of optional trait values."""
    out = values.astype(object)
    out[rng.random(len(out)) >= present] = None
    return out


def _zone(rng: np.random.Generator, locations: np.ndarray) -> np.ndarray:
    """Availability zones inside each resource's location: ``eu-de-1a`` / ``eu-de-1b``."""
    return np.char.add(locations.astype(str), _pick(rng, ["a", "b"], len(locations)).astype(str))


# name, vcpu, ramMb, root disk GiB
_FLAVORS = [
    ("m1.tiny", 1, 512, 10),
    ("m1.small", 1, 2048, 20),
    ("m1.medium", 2, 4096, 40),
    ("m1.large", 4, 8192, 80),
    ("m1.xlarge", 8, 16384, 160),
]


def _flavor_traits(index: np.ndarray, ephemeral: np.ndarray) -> Values:
    table = np.array(_FLAVORS, dtype=object)
    root = table[index, 3].astype(np.int64)
    return {
        "flavor": table[index, 0],
        "vcpu": table[index, 1],
        "ramMb": table[index, 2],
        "diskRoot": root.astype(object),
        "diskEphemeral": ephemeral,
        "disk": (root + np.where(is_none(ephemeral), 0, ephemeral).astype(np.int64)).astype(object),
    }


def _server(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    flavor = rng.choice(len(_FLAVORS), size=n, p=[0.1, 0.3, 0.3, 0.2, 0.1])
    ephemeral = _maybe(rng, _pick(rng, [0, 10, 20], n), 0.6)
    # A resize moves one flavor up (or down from the largest).
    bigger = np.where(flavor == len(_FLAVORS) - 1, flavor - 1, flavor + 1)
    before = _flavor_traits(flavor, ephemeral)
    before["state"] = _pick(rng, ["ACTIVE"], n)
    return Draw(before, _flavor_traits(bigger, ephemeral), {"state": _pick(rng, ["SHUTOFF"], n)})


def _volume(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    size = _pick(rng, [10, 20, 50, 100, 200, 500, 1000], n, [0.15, 0.2, 0.25, 0.2, 0.1, 0.07, 0.03])
    before = {
        "size": size,
        "status": _pick(rng, ["in-use", "available"], n, [0.85, 0.15]),
        "type": _maybe(rng, _pick(rng, ["ssd", "hdd"], n, [0.6, 0.4]), 0.95),
        "availabilityZone": _maybe(rng, _zone(rng, locations), 0.9),
        "replicationStatus": _maybe(rng, _pick(rng, ["disabled", "enabled"], n, [0.9, 0.1]), 0.7),
    }
    return Draw(before, {"size": (size * 2).astype(object)})


def _snapshot(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    return Draw(
        {
            "volumeSize": _pick(rng, [10, 20, 50, 100, 200], n),
            "status": _pick(rng, ["available"], n),
            "availabilityZone": _maybe(rng, _zone(rng, locations), 0.9),
            "replicationStatus": _maybe(rng, _pick(rng, ["disabled"], n), 0.5),
        }
    )


def _image(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    return Draw(
        {
            "service": _maybe(rng, _pick(rng, ["ceph", "swift"], n), 0.8),
            "size": _maybe(rng, _pick(rng, [1, 2, 4, 8, 20], n), 0.9),
            "status": _pick(rng, ["active"], n),
        }
    )


def _no_traits(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    return Draw({})


def _load_balancer(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    return Draw(
        {
            "listeners": _maybe(rng, rng.integers(1, 6, n).astype(object), 0.95),
            "pools": _maybe(rng, rng.integers(1, 6, n).astype(object), 0.95),
            "operatingStatus": _pick(rng, ["ONLINE", "DEGRADED", "OFFLINE"], n, [0.9, 0.07, 0.03]),
            "provider": _maybe(rng, _pick(rng, ["amphora", "ovn"], n, [0.7, 0.3]), 0.9),
        }
    )


def _pod(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    cpu = _pick(rng, [100, 250, 500, 1000, 2000], n)
    ram = _pick(rng, [128, 256, 512, 1024, 2048, 4096], n)
    before = {
        "milliCpu": cpu,
        "ramMb": ram,
        "status": _pick(rng, ["Running", "Pending"], n, [0.97, 0.03]),
    }
    return Draw(before, {"milliCpu": (cpu * 2).astype(object), "ramMb": (ram * 2).astype(object)})


def _claim(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    storage = _pick(rng, [1024, 5120, 10240, 51200, 102400], n)
    before = {
        "status": _pick(rng, ["Bound", "Pending"], n, [0.97, 0.03]),
        "storageClassName": _pick(rng, ["standard", "fast-ssd"], n, [0.7, 0.3]),
        "storageMb": storage,
    }
    return Draw(before, {"storageMb": (storage * 2).astype(object)})


def _app(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    instances = _pick(rng, [1, 2, 3, 4], n, [0.4, 0.3, 0.2, 0.1])
    before = {
        "appState": _pick(rng, ["STARTED"], n),
        "event": _maybe(rng, _pick(rng, ["APP_START"], n), 0.8),
        "instances": instances,
        "ramMb": _pick(rng, [256, 512, 1024, 2048], n),
        "size": _maybe(rng, _pick(rng, [256, 512, 1024, 2048], n), 0.9),
    }
    return Draw(
        before,
        {"instances": (instances + 1).astype(object)},
        {"appState": _pick(rng, ["STOPPED"], n), "event": _pick(rng, ["APP_STOP"], n)},
    )


_CF_PLANS = [f"a{i:07x}-5b1c-4e0f-9d2a-{i:012x}" for i in range(1, 9)]


def _cf_service(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    return Draw(
        {
            "planId": _pick(rng, _CF_PLANS, n),
            "type": _pick(
                rng,
                ["managed_service_instance", "user_provided_service_instance"],
                n,
                [0.85, 0.15],
            ),
        }
    )


_OSB_SERVICES = ["postgresql", "redis", "rabbitmq", "mongodb"]
_OSB_PLANS = ["small", "medium", "large"]


def _osb_service(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    service = rng.integers(0, len(_OSB_SERVICES), n)
    plan = rng.integers(0, len(_OSB_PLANS), n)
    service_ids = np.array([f"svc-{s}" for s in _OSB_SERVICES], dtype=object)
    plan_ids = np.array([[f"{s}-{p}" for p in _OSB_PLANS] for s in _OSB_SERVICES], dtype=object)
    return Draw(
        {
            "serviceId": service_ids[service],
            "planId": plan_ids[service, plan],
            "planName": _maybe(rng, np.array(_OSB_PLANS, dtype=object)[plan], 0.95),
        }
    )


def _mesh_tenant(rng: np.random.Generator, n: int, locations: np.ndarray) -> Draw:
    return Draw(
        {
            "landingZoneName": _maybe(
                rng, _pick(rng, ["lz-prod", "lz-dev", "lz-sandbox"], n), 0.95
            ),
            "platformType": _pick(
                rng, ["OpenStack", "Kubernetes", "CloudFoundry"], n, [0.5, 0.35, 0.15]
            ),
        }
    )


_OPENSTACK = ("pike", "queens")

KINDS: tuple[Kind, ...] = (
    Kind(
        "openstack.nova.server",
        "OpenStack",
        _OPENSTACK,
        30,
        ("web", "db", "app", "worker"),
        _server,
        resize=0.1,
        stop=0.15,
    ),
    Kind("openstack.cinder.volume", "OpenStack", _OPENSTACK, 22, ("vol",), _volume, resize=0.08),
    Kind("openstack.cinder.snapshot", "OpenStack", _OPENSTACK, 5, ("snap",), _snapshot),
    Kind("openstack.glance.image", "OpenStack", _OPENSTACK, 3, ("image",), _image),
    Kind("openstack.neutron.floating-ip", "OpenStack", _OPENSTACK, 5, ("fip",), _no_traits),
    Kind("openstack.neutron.router", "OpenStack", _OPENSTACK, 2, ("router",), _no_traits),
    Kind("openstack.neutron.load-balancer", "OpenStack", _OPENSTACK, 2, ("lb",), _load_balancer),
    Kind(
        "kubernetes.pod",
        "Kubernetes",
        ("k8s-prod", "k8s-dev"),
        18,
        ("api", "frontend", "job"),
        _pod,
        resize=0.1,
    ),
    Kind(
        "kubernetes.persistent-volume-claim",
        "Kubernetes",
        ("k8s-prod", "k8s-dev"),
        5,
        ("pvc",),
        _claim,
        resize=0.05,
    ),
    Kind(
        "cloudfoundry.app", "CloudFoundry", ("cf-prod",), 4, ("cfapp",), _app, resize=0.1, stop=0.1
    ),
    Kind(
        "cloudfoundry.service-instance", "CloudFoundry", ("cf-prod",), 1.5, ("cfsvc",), _cf_service
    ),
    Kind("osb.service-instance", "OSB", ("osb-broker",), 1.5, ("osb",), _osb_service),
    Kind("mesh.tenant", "meshStack", ("meshstack",), 1, ("tenant",), _mesh_tenant),
)
"""The fleet mix: mostly servers, volumes and pods (weights are relative shares)."""
