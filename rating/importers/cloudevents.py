"""CloudEvents 1.0 in structured JSON mode, one per line → lifecycle-event samples.

An event bus (seed 002's Kafka) delivers resource lifecycle events in shapes
the platform chooses, so the mapping file says how to read them: which event
types are create, update or delete, of which resource type, and where in the
event the resource id, name, tenant key and traits are::

    platformType: OpenStack
    location: eu-de-1
    platformInstance: pike
    tenants: {3f1c…: proj-42}
    events:
      compute.instance.create.end:
        event: create
        resourceType: openstack.nova.server
        id: data.instance_id          # a dotted path into the event
        name: data.display_name
        tenant: data.tenant_id        # looked up in tenants
        traits:
          vcpu: data.vcpus
          state: {value: ACTIVE}      # a constant

Paths start at the event: ``data.…`` reaches into the payload, any other
first part is a context attribute (``subject``, ``source``, an extension).
The sample time is the event's ``time``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rating.errors import RatecardError
from rating.importers.outcome import Outcome
from rating.importers.scope import ScopeMap

EVENTS = ("create", "update", "delete")
_REQUIRED = ("specversion", "id", "source", "type")

Spec = str | dict[str, Any]  # a dotted path, or {"value": constant}


@dataclass(frozen=True)
class EventMapping:
    """How events of one type become samples."""

    event: str
    resource_type: str
    id: Spec
    name: Spec | None
    tenant: Spec | None
    traits: dict[str, Spec]


def event_mappings(mapping: dict[str, Any], path: Path) -> dict[str, EventMapping]:
    """The ``events`` table of a mapping file, checked: errors name the key."""
    events = mapping.get("events")
    if not isinstance(events, dict) or not events:
        raise RatecardError(f"{path}: events: expected an object of event type → mapping")
    return {
        str(kind): _event_mapping(entry, f"{path}: events.{kind}") for kind, entry in events.items()
    }


def _event_mapping(entry: Any, where: str) -> EventMapping:
    if not isinstance(entry, dict):
        raise RatecardError(f"{where}: expected an object")
    unknown = set(entry) - {"event", "resourceType", "id", "name", "tenant", "traits"}
    if unknown:
        raise RatecardError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    if entry.get("event") not in EVENTS:
        raise RatecardError(f"{where}.event: expected one of {', '.join(EVENTS)}")
    if not isinstance(entry.get("resourceType"), str):
        raise RatecardError(f"{where}.resourceType: expected a resource type id")
    traits = entry.get("traits", {})
    if not isinstance(traits, dict):
        raise RatecardError(f"{where}.traits: expected an object of trait → path")
    for key in ("id", "name", "tenant"):
        if key in entry or key == "id":
            _check_spec(entry.get(key), f"{where}.{key}")
    for name, spec in traits.items():
        _check_spec(spec, f"{where}.traits.{name}")
    return EventMapping(
        event=entry["event"],
        resource_type=entry["resourceType"],
        id=entry["id"],
        name=entry.get("name"),
        tenant=entry.get("tenant"),
        traits={str(k): v for k, v in traits.items()},
    )


def _check_spec(spec: Any, where: str) -> None:
    if isinstance(spec, str) and spec:
        return
    if isinstance(spec, dict) and set(spec) == {"value"}:
        return
    raise RatecardError(f"{where}: expected a dotted path (data.x.y) or {{value: constant}}")


def resolve(event: dict[str, Any], spec: Spec) -> Any:
    """The value a spec names in an event; None where the path leads nowhere."""
    if isinstance(spec, dict):
        return spec["value"]
    value: Any = event
    for part in spec.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def import_events(
    lines: list[str], mappings: dict[str, EventMapping], scope: ScopeMap, outcome: Outcome
) -> Iterator[dict[str, Any]]:
    """One lifecycle-event sample per mapped event; blank lines are ignored."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        outcome.read += 1
        where = f"line {number}"
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            outcome.skip("not JSON", f"{where}: {error.msg}")
            continue
        except (ValueError, RecursionError):  # a 5,000-digit number, [[[[…]]]]
            outcome.skip("unusable JSON (huge number or deep nesting)", where)
            continue
        if not isinstance(event, dict) or any(not isinstance(event.get(k), str) for k in _REQUIRED):
            outcome.skip("not a structured-mode CloudEvent (specversion, id, source, type)", where)
            continue
        if event["specversion"] != "1.0":
            outcome.skip("not CloudEvents 1.0", f"{where}: specversion {event['specversion']}")
            continue
        mapping = mappings.get(event["type"])
        if mapping is None:
            outcome.skip("event type not in the mapping", f"{where}: {event['type']}")
            continue
        if "data_base64" in event:
            outcome.skip("binary data (data_base64) is not read", where)
            continue
        sample = _sample(event, mapping, scope, outcome, where)
        if sample is not None:
            yield sample


def _sample(
    event: dict[str, Any], mapping: EventMapping, scope: ScopeMap, outcome: Outcome, where: str
) -> dict[str, Any] | None:
    if not isinstance(event.get("time"), str):
        outcome.skip("event without a time attribute", where)
        return None
    resource_id = resolve(event, mapping.id)
    if not isinstance(resource_id, str | int) or isinstance(resource_id, bool) or resource_id == "":
        outcome.skip("no resource id where the mapping's id points", f"{where}: {mapping.id}")
        return None
    resource = {"id": str(resource_id), "type": mapping.resource_type}
    name = resolve(event, mapping.name) if mapping.name is not None else None
    if isinstance(name, str) and name:
        resource["name"] = name
    tenant = resolve(event, mapping.tenant) if mapping.tenant is not None else None
    traits = {}
    for trait, spec in mapping.traits.items():
        value = resolve(event, spec)
        if value is not None:
            traits[trait] = value
    return {
        "time": event["time"],
        "event": mapping.event,
        "resource": resource,
        "scope": scope.scope(tenant if isinstance(tenant, str) else None, outcome, where),
        "traits": traits,
    }
