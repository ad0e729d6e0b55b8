"""``kubectl get pods,pvc -A -o json`` → ``kubernetes.pod`` and
``kubernetes.persistent-volume-claim`` samples.

A pod's trait values are its *effective requests* as the scheduler reserves
them: the sum over its containers (and sidecar init containers), or the
largest regular init container if that is more, plus the pod overhead.
Terminated pods (Succeeded, Failed) are still emitted with their phase: the
sample ends the interval of the pod's last Running sample, which would
otherwise run on to the collector interval. The tenant key is the namespace.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from rating.importers.outcome import Outcome
from rating.importers.scope import ScopeMap

PLATFORM_TYPE = "Kubernetes"
POD = "kubernetes.pod"
CLAIM = "kubernetes.persistent-volume-claim"
MIB = 1 << 20

_QUANTITY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$"
)
_MAX_EXPONENT = 30
_SUFFIX = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
    **{f"{p}i": Decimal(1024 ** (n + 1)) for n, p in enumerate("KMGTPE")},
}


class BadQuantity(ValueError):
    """A resource quantity that is not Kubernetes' quantity syntax."""


def quantity(text: Any) -> Decimal:
    """A Kubernetes quantity ("500m", "1Gi", "1.5", "2e3") as an exact number."""
    match = _QUANTITY.match(text) if isinstance(text, str) else None
    if match is None:
        if isinstance(text, int) and not isinstance(text, bool):
            return Decimal(text)
        raise BadQuantity(text)
    number, exponent, suffix = match.groups()
    if exponent is not None and abs(int(exponent)) > _MAX_EXPONENT:
        raise BadQuantity(text)  # 1e999999999 would be a billion-digit integer
    try:
        value = Decimal(number).scaleb(int(exponent or 0))
    except InvalidOperation:
        raise BadQuantity(text) from None
    if value < 0:
        raise BadQuantity(text)
    return value * _SUFFIX[suffix] if suffix else value


def import_objects(
    documents: Iterable[Any], scope: ScopeMap, at: str, outcome: Outcome
) -> Iterator[dict[str, Any]]:
    """Samples at ``at`` of the pods and claims in kubectl's JSON output."""
    for item in _items(documents):
        outcome.read += 1
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in ("Pod", "PersistentVolumeClaim"):
            outcome.skip("not a Pod or PersistentVolumeClaim", f"kind {kind!r}")
            continue
        meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
        where = f"{kind} {meta.get('namespace')}/{meta.get('name')}"
        uid = meta.get("uid")
        if not isinstance(uid, str) or not uid:
            outcome.skip("no metadata.uid", where)
            continue
        try:
            traits = _pod(item, outcome, where) if kind == "Pod" else _claim(item, outcome, where)
        except BadQuantity as error:
            outcome.skip("invalid resource quantity", f"{where}: {error.args[0]!r}")
            continue
        if traits is None:
            continue
        resource = {"id": uid, "type": POD if kind == "Pod" else CLAIM}
        if isinstance(meta.get("name"), str):
            resource["name"] = meta["name"]
        namespace = meta.get("namespace") if isinstance(meta.get("namespace"), str) else None
        yield {
            "time": at,
            "resource": resource,
            "scope": scope.scope(namespace, outcome, where),
            "traits": traits,
        }


def _items(documents: Iterable[Any]) -> Iterator[Any]:
    """The objects of every document: a List's items, an array's elements (``jq .items``
    output), or a single object."""
    for document in documents:
        if isinstance(document, dict) and isinstance(document.get("items"), list):
            yield from document["items"]
        elif isinstance(document, list):
            yield from document
        else:
            yield document


def _pod(pod: dict[str, Any], outcome: Outcome, where: str) -> dict[str, Any]:
    spec = pod.get("spec") if isinstance(pod.get("spec"), dict) else {}
    status = pod.get("status") if isinstance(pod.get("status"), dict) else {}
    cpu, memory, any_request = _effective_requests(spec)
    if not any_request:
        outcome.note("pod without resource requests (BestEffort): milliCpu 0, ramMb 0", where)
    if spec.get("initContainers"):
        outcome.note("pod with init containers: requests as the scheduler counts them", where)
    phase = status.get("phase")
    if not isinstance(phase, str) or not phase:
        outcome.note("pod without status.phase: status Unknown", where)
        phase = "Unknown"
    elif phase in ("Succeeded", "Failed"):
        outcome.note("terminated pod: emitted with its phase", where)
    return {
        "milliCpu": math.ceil(cpu * 1000),
        "ramMb": _mebibytes(memory, outcome, where),
        "status": phase,
    }


def _effective_requests(spec: dict[str, Any]) -> tuple[Decimal, Decimal, bool]:
    """(CPU cores, memory bytes, any request at all) the scheduler reserves for a pod.

    Regular init containers run one at a time, each beside the sidecars
    (init containers with ``restartPolicy: Always``) started before it; the
    app containers run beside all sidecars. The pod needs the largest of
    those moments, plus ``spec.overhead``.
    """
    peak = [Decimal(0), Decimal(0)]
    sidecars = [Decimal(0), Decimal(0)]
    found = False
    for container in _list(spec.get("initContainers")):
        request, has = _requests(container)
        found = found or has
        if container.get("restartPolicy") == "Always":
            sidecars = [s + r for s, r in zip(sidecars, request, strict=True)]
        else:
            peak = [max(p, s + r) for p, s, r in zip(peak, sidecars, request, strict=True)]
    running = list(sidecars)
    for container in _list(spec.get("containers")):
        request, has = _requests(container)
        found = found or has
        running = [t + r for t, r in zip(running, request, strict=True)]
    overhead = spec.get("overhead") if isinstance(spec.get("overhead"), dict) else {}
    cpu = max(peak[0], running[0]) + quantity(overhead.get("cpu", "0"))
    memory = max(peak[1], running[1]) + quantity(overhead.get("memory", "0"))
    return cpu, memory, found


def _requests(container: dict[str, Any]) -> tuple[list[Decimal], bool]:
    resources = container.get("resources") if isinstance(container.get("resources"), dict) else {}
    requests = resources.get("requests") if isinstance(resources.get("requests"), dict) else {}
    has = "cpu" in requests or "memory" in requests
    return [quantity(requests.get("cpu", "0")), quantity(requests.get("memory", "0"))], has


def _claim(claim: dict[str, Any], outcome: Outcome, where: str) -> dict[str, Any] | None:
    spec = claim.get("spec") if isinstance(claim.get("spec"), dict) else {}
    status = claim.get("status") if isinstance(claim.get("status"), dict) else {}
    resources = spec.get("resources") if isinstance(spec.get("resources"), dict) else {}
    requests = resources.get("requests") if isinstance(resources.get("requests"), dict) else {}
    if "storage" not in requests:
        outcome.skip("claim without spec.resources.requests.storage", where)
        return None
    phase = status.get("phase")
    if not isinstance(phase, str) or not phase:
        outcome.note("claim without status.phase: status Pending", where)
        phase = "Pending"
    traits: dict[str, Any] = {
        "status": phase,
        "storageMb": _mebibytes(quantity(requests["storage"]), outcome, where),
    }
    if isinstance(spec.get("storageClassName"), str):
        traits["storageClassName"] = spec["storageClassName"]
    return traits


def _mebibytes(size: Decimal, outcome: Outcome, where: str) -> int:
    """Bytes in whole MiB (the traits' unit), rounded up and noted when not whole."""
    mebibytes = size / MIB
    if mebibytes != mebibytes.to_integral_value():
        outcome.note("size not a whole MiB: rounded up", where)
    return math.ceil(mebibytes)


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
