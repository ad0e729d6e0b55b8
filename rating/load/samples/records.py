"""Per-record validation and normalization (JSON Lines, CSV, and Parquet rows the
vectorized check rejects).

Each record is checked against the JSON Schema derived from its resource type
(one compiled validator per type) plus an RFC 3339 timestamp check; the first
problem becomes a :class:`Reject` whose message names the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from rating.load.samples.schema import ENVELOPE_COLUMNS, TIMESTAMP, sample_schema
from rating.load.traits import sample_json_schema
from rating.model import ResourceType

RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp with timezone, in UTC (microseconds); None if invalid."""
    if not isinstance(value, str):
        return None
    match = RFC3339.match(value)
    if match is None:
        return None
    date, clock, fraction, zone = match.groups()
    fraction = (fraction or ".0")[:7]
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        return datetime.fromisoformat(f"{date}T{clock}{fraction}{zone}").astimezone(UTC)
    except ValueError:
        return None


class RecordValidator:
    """Validates nested sample records (the JSON Lines shape) of known resource types."""

    def __init__(self, resource_types: Sequence[ResourceType]) -> None:
        self.types = {rt.id: rt for rt in resource_types}
        self._validators: dict[str, Draft202012Validator] = {}

    def _validator(self, rt: ResourceType) -> Draft202012Validator:
        validator = self._validators.get(rt.id)
        if validator is None:
            validator = Draft202012Validator(sample_json_schema(rt))
            self._validators[rt.id] = validator
        return validator

    def check(self, record: Any) -> tuple[str, str, str | None] | None:
        """The first problem as ``(field, reason, resource_id)``, or None if valid."""
        if not isinstance(record, dict):
            return "", f"expected a JSON object, got {_show(record)}", None
        resource = record.get("resource")
        resource_id = resource.get("id") if isinstance(resource, dict) else None
        resource_id = resource_id if isinstance(resource_id, str) else None
        type_id = resource.get("type") if isinstance(resource, dict) else None
        if type_id is None:
            return "resource.type", "missing resource type", resource_id
        rt = self.types.get(type_id) if isinstance(type_id, str) else None
        if rt is None:
            return "resource.type", f"unknown resource type {_show(type_id)}", resource_id
        record.setdefault("traits", {})  # may be omitted; required traits still apply
        error = best_match(self._validator(rt).iter_errors(record))
        if error is not None:
            field, reason = _describe(error, rt, record)
            return field, reason, resource_id
        if parse_time(record["time"]) is None:
            reason = f"not an RFC 3339 timestamp with timezone: {_show(record['time'])}"
            return "time", reason, resource_id
        return None


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _describe(error: ValidationError, rt: ResourceType, record: dict) -> tuple[str, str]:
    """A one-line reason naming the field, for the error jsonschema ranks most relevant."""
    path = [str(p) for p in error.absolute_path]
    in_traits = path[:1] == ["traits"]
    if error.validator == "required":
        missing = next(n for n in error.validator_value if n not in error.instance)
        field = ".".join([*path, missing])
        if in_traits:
            return field, f"missing required trait '{missing}' of {rt.id}"
        return field, f"missing required field '{field}'"
    if error.validator == "additionalProperties":
        allowed = error.schema.get("properties", {})
        extra = sorted(k for k in error.instance if k not in allowed)[0]
        field = ".".join([*path, extra])
        if in_traits:
            return field, f"unknown trait '{extra}' for {rt.id}"
        return field, f"unknown field '{field}'"
    if in_traits and len(path) >= 2:
        trait = rt.trait(path[1])
        if trait is not None:
            expected = f"{trait.type}{' or null' if trait.optional else ''}"
            value = record["traits"][trait.name]  # whole value, also for a bad list element
            return f"traits.{trait.name}", f"expected {expected}, got {_show(value)}"
    if path == ["resource", "type"]:  # cannot happen: type selected the validator
        return "resource.type", f"unknown resource type {_show(error.instance)}"
    return ".".join(path), error.message


def normalize(record: dict[str, Any], rt: ResourceType) -> dict[str, Any]:
    """A valid nested record → one row of the normalized schema (without source columns)."""
    resource, scope = record["resource"], record["scope"]
    row = {
        "time": parse_time(record["time"]),
        "event": record.get("event"),
        "resource_id": resource["id"],
        "resource_type": resource["type"],
        "resource_name": resource.get("name"),
        "platform_type": scope["platformType"],
        "location": scope.get("location"),
        "platform_instance": scope.get("platformInstance"),
        "tenant": scope.get("tenant"),
    }
    for name, value in record.get("traits", {}).items():
        trait = rt.trait(name)
        # JSON Schema's "integer" admits 2.0; Arrow's int64 does not.
        if (
            trait is not None
            and value is not None
            and trait.type.value.endswith(("Integer", "Natural"))
        ):
            value = [int(v) for v in value] if isinstance(value, list) else int(value)
        row[f"traits.{name}"] = value
    return row


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """A flat row (CSV/Parquet column names) → a nested record; nulls are dropped."""
    record: dict[str, Any] = {}
    for column, value in flat.items():
        if value is None:
            continue
        head, _, rest = column.partition(".")
        if rest:
            record.setdefault(head, {})[rest] = value
        else:
            record[column] = value
    record.setdefault("traits", {})
    if isinstance(record.get("time"), datetime):
        record["time"] = record["time"].isoformat()
    return record


FLAT_ENVELOPE = tuple(ENVELOPE_COLUMNS.values())


class RowBuilder:
    """Accumulates normalized rows column-wise and emits RecordBatches of the sample schema.

    ``columns`` and ``dictionary`` shape the batches as in :func:`sample_schema`.
    """

    def __init__(
        self,
        resource_types: Sequence[ResourceType],
        columns: Sequence[str] | None = None,
        *,
        dictionary: bool = False,
    ) -> None:
        self.schema = sample_schema(resource_types, columns, dictionary=dictionary)
        self._columns: dict[str, list[Any]] = {name: [] for name in self.schema.names}
        self.size = 0

    def add(self, row: dict[str, Any], source_file: str, source_line: int) -> None:
        position = {"source_file": source_file, "source_line": source_line}
        for name, column in self._columns.items():
            column.append(position[name] if name in position else row.get(name))
        self.size += 1

    def flush(self) -> pa.RecordBatch | None:
        """The accumulated rows as one batch (None if empty); the builder starts over."""
        if self.size == 0:
            return None
        arrays = [
            pa.array(self._columns[f.name], type=f.type if f.name != "time" else TIMESTAMP)
            for f in self.schema
        ]
        self._columns = {name: [] for name in self.schema.names}
        self.size = 0
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)
