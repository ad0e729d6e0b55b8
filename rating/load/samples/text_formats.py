"""JSON Lines and CSV readers: raw records out, one per line/row, streamed."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from rating.errors import RatecardError
from rating.load.samples.records import FLAT_ENVELOPE, nest
from rating.load.samples.rejects import Reject
from rating.load.samples.sources import open_text
from rating.model import ResourceType, TraitType

# (line, record, original text) for a parsed record, or a Reject for an unparseable one.
Item = tuple[int, Any, str] | Reject


def read_jsonl(path: str, compression: str | None) -> Iterator[Item]:
    """One JSON value per non-blank line; a malformed line is a reject."""
    with open_text(path, compression) as stream:
        for number, line in enumerate(stream, start=1):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                yield number, json.loads(text), text
            except ValueError as error:
                yield Reject(path, number, None, "", f"malformed JSON: {error}", text)


_INTEGER = re.compile(r"^[+-]?\d+$")


def _convert(value: str, trait_type: TraitType) -> Any:
    """A CSV cell as the trait's type (lists are JSON arrays); ValueError if impossible."""
    name = trait_type.value
    if name.startswith("List "):
        items = json.loads(value)
        if not isinstance(items, list):
            raise ValueError(value)
        return items
    if name in ("Integer", "Natural"):
        if not _INTEGER.match(value):
            raise ValueError(value)
        return int(value)
    if name == "Double":
        return float(value)
    if name == "Bool":
        if value.lower() not in ("true", "false"):
            raise ValueError(value)
        return value.lower() == "true"
    return value


def read_csv(
    path: str, compression: str | None, resource_types: Sequence[ResourceType]
) -> Iterator[Item]:
    """Flat columns (``resource.id``, ``traits.vcpu``, …); an empty cell is absent."""
    types = {rt.id: rt for rt in resource_types}
    with open_text(path, compression) as stream:
        reader = csv.DictReader(stream)
        header = reader.fieldnames or []
        unknown = [c for c in header if c not in FLAT_ENVELOPE and not c.startswith("traits.")]
        if unknown:
            raise RatecardError(f"{path}:1: unknown column {unknown[0]!r}")
        for row in reader:
            line = reader.line_num
            original = json.dumps(row, ensure_ascii=False)
            if None in row:
                yield Reject(
                    path,
                    line,
                    row.get("resource.id") or None,
                    "",
                    "more cells than header columns",
                    original,
                )
                continue
            flat: dict[str, Any] = {k: (v if v != "" else None) for k, v in row.items()}
            rt = types.get(flat.get("resource.type") or "")
            failed = None
            for column, value in flat.items():
                trait = rt.trait(column[7:]) if rt and column.startswith("traits.") else None
                if value is None or trait is None:
                    continue
                try:
                    flat[column] = _convert(value, trait.type)
                except ValueError:
                    failed = Reject(
                        path,
                        line,
                        flat.get("resource.id"),
                        column,
                        f"expected {trait.type}, got {json.dumps(value)}",
                        original,
                    )
                    break
            if failed is not None:
                yield failed
            else:
                yield line, nest(flat), original
