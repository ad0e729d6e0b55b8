"""JSON Lines parsed into flat sample columns by DuckDB, vouched for per distinct value.

DuckDB's ``json_transform`` (yyjson) parses a block of lines about twice as
fast as Arrow's JSON reader, but it is lax where Python's :mod:`json` is
strict: it ignores unknown keys, keeps the first of duplicate keys, accepts
trailing commas, ``nan`` and ``inf``, and coerces between types. So it only
cuts each line into its top-level members, as JSON text re-serialized
compactly (``resource``, ``scope``, ``traits``… whole). Samples of a fleet
share those texts, so each distinct one is parsed by Python's :mod:`json`
once, and its values are taken only where Python would read the same values
(exact types, known keys, no duplicates); otherwise the row is not vouched
for and goes to the per-record path, which names the problem.

What the re-serialization hides (a trailing comma, an unknown or duplicate
top-level key, a top-level ``null``) is found by counting: every ``:`` and
``,`` of a line Python reads is either the top level's own (one ``:`` per
member, a ``,`` between members) or inside a member's text, which
re-serializes with the same ones; anything more is one of those. A line
with a backslash is not counted on (an escaped ``:`` or ``,`` would shift
the count) and goes to the per-record path. Malformed JSON (bytes that are
not UTF-8, a lone surrogate escape) fails the whole piece, which the caller
then halves.
"""

from __future__ import annotations

import json
import queue
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from rating.load.samples.records import FLAT_ENVELOPE, MAX_MAGNITUDE
from rating.load.samples.schema import ENVELOPE_COLUMNS, arrow_type
from rating.model import TraitType
from rating.scopes import LABELS

# (flat columns, row count, rows vouched for)
Columns = tuple[dict[str, pa.Array], int, pa.Array]
_GROUPS = ("resource", "scope")
_TOP = ("time", "event", *_GROUPS, "traits", LABELS)
_QUERY = (
    "SELECT unnest(json_transform(line, '"
    + json.dumps(dict.fromkeys(_TOP, "JSON"))
    + "')) FROM lines"
)
_COLON, _COMMA = ord(":"), ord(",")
_PLAIN_STRING = re.compile(r'"[^"\\\x00-\x1f]*"')


class DuplicateKey(ValueError):
    """An object names a key twice: Python keeps the last, DuckDB the first."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise DuplicateKey
    return record


class JsonColumns:
    """Parses pieces of JSON Lines into flat columns on a few DuckDB cursors (one per thread)."""

    def __init__(self, traits: dict[str, TraitType], threads: int) -> None:
        self.traits = traits
        self.database = duckdb.connect()
        self.database.execute("SET threads = 1")  # pieces are parsed side by side instead
        self.cursors: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
        for _ in range(threads):
            self.cursors.put(self.database.cursor())
        self.fields = {
            group: {s.partition(".")[2] for s in ENVELOPE_COLUMNS.values() if s.startswith(group)}
            for group in _GROUPS
        }

    def close(self) -> None:
        self.database.close()

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cursor = self.cursors.get()
        try:
            yield cursor
        finally:
            self.cursors.put(cursor)

    def parse(self, data: bytes, bounds: np.ndarray) -> Columns | None:
        """Columns of the lines ``data[bounds[i]:bounds[i + 1]]`` (each one object, no blank
        line); None if DuckDB refuses the piece (malformed JSON somewhere in it)."""
        n = len(bounds) - 1
        offsets = pa.py_buffer((bounds - bounds[0]).astype(np.int32))
        text = pa.py_buffer(memoryview(data)[bounds[0] : bounds[-1]])
        lines = pa.StringArray.from_buffers(n, offsets, text)
        try:
            with self._cursor() as cursor:
                cursor.register("lines", pa.table({"line": lines}))
                table = cursor.sql(_QUERY).to_arrow_table().combine_chunks()
                cursor.unregister("lines")
        except (duckdb.Error, UnicodeDecodeError):
            return None
        columns: dict[str, pa.Array] = {}
        expected = np.zeros(n, np.int64)  # the ':' and ',' each line should hold
        present = np.zeros(n, np.int64)  # top-level members
        vouched = np.ones(n, bool)
        for name in _TOP:
            members = table.column(name).chunk(0).dictionary_encode()
            values = self._values(name, members.dictionary.to_pylist())
            valid = members.is_valid().to_numpy(zero_copy_only=False)
            rows = members.indices.fill_null(0).to_numpy()
            present += valid
            expected += np.where(valid, values.counts[rows], 0)
            vouched &= ~valid | values.fine[rows]
            indices = pa.array(rows, mask=~valid)
            for column, distinct in values.columns.items():
                columns[column] = _spread(column, distinct, indices)
        expected += present + np.maximum(present - 1, 0)
        vouched &= _counted(data, bounds, expected)
        return columns, n, pa.array(vouched)

    def _values(self, name: str, texts: list[str | None]) -> _Distinct:
        distinct = _Distinct(len(texts))
        for index, member in enumerate(texts):
            if member is None:
                continue
            distinct.counts[index] = member.count(":") + member.count(",")
            try:
                value = _loads(member)
            except (ValueError, RecursionError):
                continue
            distinct.fine[index] = self._flatten(name, value, distinct, index)
        distinct.build(self.traits)
        return distinct

    def _flatten(self, name: str, value: Any, distinct: _Distinct, index: int) -> bool:
        """Puts the member's values in their flat columns; False if Python's per-record
        path might read them otherwise (then the row is checked there)."""
        if name in ("time", "event"):
            return type(value) is str and distinct.put(name, index, value)
        if type(value) is not dict:
            return False
        if name == LABELS:
            return all(
                type(v) is str and distinct.put(f"{LABELS}.{k}", index, v) for k, v in value.items()
            )
        if name == "traits":
            return all(
                k in self.traits
                and _typed(v, self.traits[k])
                and distinct.put(f"traits.{k}", index, v)
                for k, v in value.items()
            )
        return all(
            k in self.fields[name] and type(v) is str and distinct.put(f"{name}.{k}", index, v)
            for k, v in value.items()
        )


class _Distinct:
    """Per distinct member text: its ':'/',' count, whether it is vouched for, flat values."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.counts = np.zeros(max(size, 1), np.int64)
        self.fine = np.zeros(max(size, 1), bool)
        self.values: dict[str, list[Any]] = {}
        self.columns: dict[str, pa.Array] = {}

    def put(self, column: str, index: int, value: Any) -> bool:
        self.values.setdefault(column, [None] * self.size)[index] = value
        return True

    def build(self, traits: dict[str, TraitType]) -> None:
        for column, values in self.values.items():
            trait = traits.get(column[7:]) if column.startswith("traits.") else None
            kind = pa.string() if trait is None else arrow_type(trait)
            self.columns[column] = pa.array(values, kind)


def _loads(member: str) -> Any:
    """Python's reading of a member text; a plain string (a time, an event: no escape,
    no control character) is taken as it stands, without the parser."""
    if _PLAIN_STRING.fullmatch(member):
        return member[1:-1]
    return json.loads(member, object_pairs_hook=_pairs)


def _spread(column: str, distinct: pa.Array, rows: pa.Array) -> pa.Array:
    """A column's values per distinct member spread to the piece's rows. Envelope columns
    come dictionary-encoded, as the checker checks them (once per distinct text)."""
    if column not in FLAT_ENVELOPE:
        return distinct.take(rows)
    encoded = distinct.dictionary_encode()
    return pa.DictionaryArray.from_arrays(encoded.indices.take(rows), encoded.dictionary)


def _typed(value: Any, trait_type: TraitType) -> bool:
    """Does Python read this JSON value as the trait's type, within range?"""
    name = trait_type.value
    if name.startswith("List "):
        item = TraitType(name.removeprefix("List "))
        return type(value) is list and all(_typed(v, item) for v in value)
    if name in ("Integer", "Natural"):
        return type(value) is int and -MAX_MAGNITUDE < value < MAX_MAGNITUDE
    if name == "Double":
        return type(value) in (int, float) and -MAX_MAGNITUDE < value < MAX_MAGNITUDE
    if name == "Bool":
        return type(value) is bool
    return type(value) is str


def _counted(data: bytes, bounds: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Per line: does it hold exactly the ``expected`` ':' and ','? A line with a
    backslash is not counted on (an escaped ':' or ',' would shift its count).

    A line never holds fewer (module docstring), so when the piece has no
    backslash and its total is the expected total, every line does: two passes
    over the bytes instead of one search per hit.
    """
    piece = np.frombuffer(data, np.uint8, bounds[-1] - bounds[0], bounds[0])
    escaped = data.find(b"\\", bounds[0], bounds[-1]) != -1
    hit = (piece == _COLON) | (piece == _COMMA)
    if not escaped and np.count_nonzero(hit) == expected.sum():
        return np.ones(len(expected), bool)
    starts = bounds - bounds[0]
    counted = np.diff(np.searchsorted(np.flatnonzero(hit), starts)) == expected
    if escaped:
        slashes = np.flatnonzero(piece == ord("\\"))
        counted[np.searchsorted(starts, slashes, side="right") - 1] = False
    return counted
