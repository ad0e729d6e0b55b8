"""Per-record validation and normalization (JSON Lines, CSV, and Parquet rows the
vectorized check rejects).

Each record is checked against the JSON Schema derived from its resource type
(one compiled validator per type), then against the rules the schema cannot
say, which keep every accepted value representable downstream (the rating plan
computes in DECIMAL(38, 12) and microsecond timestamps):

* numbers are finite and ``|x| < MAX_MAGNITUDE``; a measured trait (one with a
  unit) and a Natural are ``≥ 0``;
* ``time`` is RFC 3339 with a timezone, within ``[MIN_TIME, MAX_TIME)``;
* the resource and scope texts hold no NUL or line break, and scope ids are
  not empty (absent or null says "none").

The first problem becomes a :class:`Reject` whose message names the field. The
Parquet checks (:mod:`.parquet_format`, :mod:`.parquet_sql`) apply the same
rules column-wise, from the constants here.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rating.load.samples.rejects import printable
from rating.load.samples.schema import ENVELOPE_COLUMNS, TIMESTAMP, sample_schema
from rating.load.traits import sample_json_schema
from rating.model import ResourceType, TraitType
from rating.scopes import (
    LABEL_NAME_RULE,
    LABEL_PREFIX,
    LABELS,
    SCOPE_FIELDS,
    is_label_column,
    label_column,
    label_name_ok,
)

if TYPE_CHECKING:  # jsonschema is imported when a record is first checked (startup time)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

# Numbers: 1e15 leaves DECIMAL(38, 12) 11 digits for unit conversion and durations.
MAX_MAGNITUDE = 10**15
# Times: no pre-1970 calendar questions; a year of room below Python's 9999-12-31.
MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(9999, 1, 1, tzinfo=UTC)
TIME_RANGE = "1970-01-01T00:00:00Z (inclusive) to 9999-01-01T00:00:00Z (exclusive)"
# Characters that break a line or a C string: NUL, LF, CR. (Other control characters
# are escaped wherever ratecard prints them; testing every row for them would cost the
# Parquet fast path a third of its speed.)
CONTROL_CHARS = ("\x00", "\n", "\r")
CONTROL = "[" + "".join(f"\\x{ord(c):02x}" for c in CONTROL_CHARS) + "]"  # Python and RE2
# Envelope texts checked for control characters; those that are ids may not be empty.
SCOPE_IDS = tuple(f.flat for f in SCOPE_FIELDS if not f.required)
# And not empty (the JSON Schema says).
REQUIRED_TEXT = ("resource.id", *(f.flat for f in SCOPE_FIELDS if f.required))
TEXT_FIELDS = (*REQUIRED_TEXT, "resource.name", *SCOPE_IDS)
_CONTROL = re.compile(CONTROL)
_TEXT_PATHS = tuple((field, *field.split(".")) for field in TEXT_FIELDS)
_NUMERIC = ("Integer", "Natural", "Double")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp with timezone in ``[MIN_TIME, MAX_TIME)``, in UTC
    (microseconds); None if invalid or out of range."""
    return _parse_text(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)  # samples of a fleet share their times
def _parse_text(value: str) -> datetime | None:
    parsed = _rfc3339(value)
    # Compared before converting: near year 1 or 9999 the conversion itself overflows.
    return parsed.astimezone(UTC) if parsed and MIN_TIME <= parsed < MAX_TIME else None


def _rfc3339(value: Any) -> datetime | None:
    """An RFC 3339 timestamp with timezone as an aware datetime, whatever its range."""
    if not isinstance(value, str):
        return None
    match = RFC3339.fullmatch(value)  # "$" alone would take a final newline
    if match is None:
        return None
    date, clock, fraction, zone = match.groups()
    fraction = (fraction or ".0")[:7]
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        return datetime.fromisoformat(f"{date}T{clock}{fraction}{zone}")
    except ValueError:
        return None


def _time_problem(value: Any) -> str:
    """Why :func:`parse_time` refused a value."""
    if _rfc3339(value) is None:
        return f"not an RFC 3339 timestamp with timezone: {_show(value)}"
    return f"{_show(value)} is outside the supported times, {TIME_RANGE}"


def nonnegative(trait_type: TraitType, unit: str | None) -> bool:
    """Must the trait's numbers be ≥ 0: a Natural, or a quantity (it has a unit)?"""
    name = trait_type.value.removeprefix("List ")
    return name == "Natural" or (name in _NUMERIC and unit is not None)


def _out_of_range(value: Any) -> str:
    return f"out of range: {_show(value)} (numbers must lie within ±1e15, exclusive)"


def _number_problem(value: Any, unit: str | None) -> str | None:
    """Why a number (valid for the JSON Schema) cannot be rated, or None."""
    if not isinstance(value, int | float):  # a Parquet decimal, say
        return f"expected a number, got {type(value).__name__} {_show(value)}"
    if not -MAX_MAGNITUDE < value < MAX_MAGNITUDE:
        if isinstance(value, float) and not math.isfinite(value):
            return f"non-finite number {_show(value)}"
        return _out_of_range(value)
    if value < 0 and unit is not None:  # a negative Natural failed the JSON Schema
        return f"negative value {_show(value)} for a measured trait (unit {unit})"
    return None


class RecordValidator:
    """Validates nested sample records (the JSON Lines shape) of known resource types."""

    def __init__(self, resource_types: Sequence[ResourceType]) -> None:
        self.types = {rt.id: rt for rt in resource_types}
        self._validators: dict[str, Draft202012Validator] = {}
        self._numeric: dict[str, list[tuple[str, str | None, bool]]] = {}

    def _validator(self, rt: ResourceType) -> Draft202012Validator:
        validator = self._validators.get(rt.id)
        if validator is None:
            from jsonschema import Draft202012Validator

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
        from jsonschema.exceptions import best_match

        error = best_match(self._validator(rt).iter_errors(record))
        if error is not None:
            field, reason = _describe(error, rt, record)
            return field, reason, resource_id
        problem = self._beyond_schema(rt, record)
        return None if problem is None else (*problem, resource_id)

    def _beyond_schema(self, rt: ResourceType, record: dict) -> tuple[str, str] | None:
        """The first break of a rule the JSON Schema cannot say (module docstring)."""
        traits = record["traits"]
        for name, unit, is_list in self._numbers(rt):
            value = traits.get(name)
            if value is None:
                continue
            for number in value if is_list else (value,):
                if (reason := _number_problem(number, unit)) is not None:
                    return f"traits.{name}", reason
        if parse_time(record["time"]) is None:
            return "time", _time_problem(record["time"])
        for field, group, key in _TEXT_PATHS:
            text = record[group].get(key)
            if text is None or (text and _CONTROL.search(text) is None):
                continue
            if control := _CONTROL.search(text):
                return field, f"control character U+{ord(control[0]):04X} in {_show(text)}"
            if text == "" and field in SCOPE_IDS:
                return field, "empty string (leave the field out, or null, when there is none)"
        return _label_problem(record.get(LABELS) or {})

    def _numbers(self, rt: ResourceType) -> list[tuple[str, str | None, bool]]:
        """``(name, unit, is a list)`` of the type's numeric traits."""
        numbers = self._numeric.get(rt.id)
        if numbers is None:
            numbers = [
                (t.name, t.unit, t.type.value.startswith("List "))
                for t in rt.traits
                if t.type.value.removeprefix("List ") in _NUMERIC
            ]
            self._numeric[rt.id] = numbers
        return numbers


def _label_problem(labels: dict[str, str | None]) -> tuple[str, str] | None:
    """The first label with a bad name or a value holding a control character.

    Every label is checked, kept or not: a sample's verdict does not depend on
    the catalog it is rated against. An empty value is no label (CSV cannot
    tell the two apart).
    """
    for name, value in labels.items():
        if not label_name_ok(name):
            return f"{LABEL_PREFIX}{name}", f"label name {_show(name)}: not {LABEL_NAME_RULE}"
        if value and (control := _CONTROL.search(value)):
            return (
                f"{LABEL_PREFIX}{name}",
                f"control character U+{ord(control[0]):04X} in {_show(value)}",
            )
    return None


def _show(value: Any) -> str:
    """A value as JSON (NaN and Infinity as such) fit for a one-line message."""
    return printable(json.dumps(value, ensure_ascii=False, default=str))


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
            return field, f"unknown trait '{printable(extra)}' for {rt.id}"
        return field, f"unknown field '{printable(field)}'"
    if in_traits and len(path) >= 2:
        trait = rt.trait(path[1])
        if error.validator in ("minimum", "maximum") and error.validator_value != 0:
            return f"traits.{path[1]}", _out_of_range(error.instance)  # beyond int64
        if trait is not None:
            expected = f"{trait.type}{' or null' if trait.optional else ''}"
            value = record["traits"][trait.name]  # whole value, also for a bad list element
            return f"traits.{trait.name}", f"expected {expected}, got {_show(value)}"
    if path == ["resource", "type"]:  # cannot happen: type selected the validator
        return "resource.type", f"unknown resource type {_show(error.instance)}"
    if error.validator == "minLength":
        return ".".join(path), "empty string"
    return ".".join(path), printable(error.message)


def normalize(record: dict[str, Any], rt: ResourceType) -> dict[str, Any]:
    """A valid nested record → one row of the normalized schema (without source columns)."""
    resource, scope = record["resource"], record["scope"]
    row = {
        "time": parse_time(record["time"]),
        "event": record.get("event"),
        "resource_id": resource["id"],
        "resource_type": resource["type"],
        "resource_name": resource.get("name"),
        **{f.column: scope.get(f.key) for f in SCOPE_FIELDS},
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
    for name, value in (record.get(LABELS) or {}).items():
        if value:  # an empty value is no label
            row[label_column(name)] = value
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
    return record


FLAT_ENVELOPE = tuple(ENVELOPE_COLUMNS.values())


def known_column(name: str) -> bool:
    """May a CSV or Parquet input have this column: the envelope, a trait or a label?"""
    return name in FLAT_ENVELOPE or name.startswith("traits.") or is_label_column(name)


_SOURCE = ("source_file", "source_line")


class RowBuilder:
    """Accumulates normalized rows column-wise and emits RecordBatches of the sample schema.

    ``columns``, ``dictionary`` and ``labels`` shape the batches as in :func:`sample_schema`.
    """

    def __init__(
        self,
        resource_types: Sequence[ResourceType],
        columns: Sequence[str] | None = None,
        *,
        dictionary: bool = False,
        labels: Sequence[str] = (),
    ) -> None:
        self.schema = sample_schema(resource_types, columns, dictionary=dictionary, labels=labels)
        self._columns: dict[str, list[Any]] = {name: [] for name in self.schema.names}
        self._data = [(n, c) for n, c in self._columns.items() if n not in _SOURCE]
        self._file = self._columns.get("source_file")
        self._line = self._columns.get("source_line")
        self.size = 0

    def add(self, row: dict[str, Any], source_file: str, source_line: int) -> None:
        for name, column in self._data:
            column.append(row.get(name))
        if self._file is not None:
            self._file.append(source_file)
        if self._line is not None:
            self._line.append(source_line)
        self.size += 1

    def flush(self) -> pa.RecordBatch | None:
        """The accumulated rows as one batch (None if empty); the builder starts over."""
        if self.size == 0:
            return None
        arrays = [
            pa.array(self._columns[f.name], type=f.type if f.name != "time" else TIMESTAMP)
            for f in self.schema
        ]
        for column in self._columns.values():
            column.clear()
        self.size = 0
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)
