"""A provisioning request (``ratecard admit --request``, later ``POST /v1/admit``).

``{"tenant", "cell"?, "resourceType", "traits"?, "count"? = 1, "action"? = "create"}``.
Traits are validated by the sample validator against the resource type, so a
request is held to exactly the rules its resource's samples will be; every
problem is one :class:`RatecardError` naming the source and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rating.errors import RatecardError
from rating.load.samples.records import RecordValidator, normalize
from rating.model import ResourceType

_FIELDS = ("tenant", "cell", "resourceType", "traits", "count", "action")
_MAX_COUNT = 1_000_000


@dataclass(frozen=True)
class Request:
    tenant: str
    resource_type: str
    cell: str | None = None
    traits: Mapping[str, Any] = field(default_factory=dict)  # normalized like sample traits
    count: int = 1
    action: str = "create"

    def as_sample(self, at: datetime, platform: str) -> dict[str, Any]:
        """One requested resource as a ``create`` sample at ``at``, to price what it will cost."""
        scope = {"platformType": platform, "tenant": self.tenant}
        if self.cell is not None:
            scope["cell"] = self.cell
        return {
            "time": at.isoformat(),
            "event": "create",
            "resource": {"id": "requested", "type": self.resource_type},
            "scope": scope,
            "traits": dict(self.traits),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "cell": self.cell,
            "resourceType": self.resource_type,
            "traits": dict(self.traits),
            "count": self.count,
            "action": self.action,
        }


def read_request(path: Path, resource_types: Sequence[ResourceType]) -> Request:
    """The request in the JSON file ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RatecardError(f"{path}: cannot read the request: {error}") from None
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise RatecardError(f"{path}: not JSON: {error}") from None
    except RecursionError:  # [[[[… deeper than Python's stack
        raise RatecardError(f"{path}: not JSON: nested too deeply") from None
    return parse_request(raw, resource_types, str(path))


def parse_request(raw: Any, resource_types: Sequence[ResourceType], source: str) -> Request:
    """A request from decoded JSON; ``source`` names it in errors."""

    def fail(name: str, problem: str) -> RatecardError:
        return RatecardError(f"{source}: field {name}: {problem}")

    if not isinstance(raw, dict):
        raise RatecardError(f"{source}: a request is a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise fail(unknown[0], f"unknown field (expected {', '.join(_FIELDS)})")
    texts = {}
    for name, required in (("tenant", True), ("resourceType", True), ("cell", False)):
        value = raw.get(name)
        if value is None and not required:
            continue
        if not isinstance(value, str) or not value:
            raise fail(
                name, "missing" if value is None else f"expected a non-empty string: {value!r}"
            )
        texts[name] = value
    action = raw.get("action", "create")
    if not isinstance(action, str) or not action:
        raise fail("action", f"expected a non-empty string: {action!r}")
    count = raw.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= _MAX_COUNT:
        raise fail("count", f"expected a whole number from 1 to {_MAX_COUNT:,}: {count!r}")
    types = {rt.id: rt for rt in resource_types}
    resource_type = types.get(texts["resourceType"])
    if resource_type is None:
        raise fail("resourceType", f"unknown resource type {texts['resourceType']!r}")
    traits = raw.get("traits", {})
    if not isinstance(traits, dict):
        raise fail("traits", f"expected an object: {traits!r}")
    record = {
        "time": "2000-01-01T00:00:00Z",  # the validator needs one; a request has none
        "resource": {"id": "request", "type": resource_type.id},
        "scope": {"platformType": resource_type.platform, "tenant": texts["tenant"]},
        "traits": dict(traits),
    }
    if "cell" in texts:
        record["scope"]["cell"] = texts["cell"]
    problem = RecordValidator([resource_type]).check(record)
    if problem is not None:
        name, reason, _ = problem
        raise fail(name or "traits", reason)
    row = normalize(record, resource_type)
    return Request(
        tenant=texts["tenant"],
        resource_type=resource_type.id,
        cell=texts.get("cell"),
        traits={
            name.removeprefix("traits."): value
            for name, value in row.items()
            if name.startswith("traits.") and value is not None
        },
        count=count,
        action=action,
    )
