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
for and goes to the per-record path, which names the problem. Lines share
more than that: cut off their leading time, and most repeat from hour to
hour; DuckDB parses each distinct rest of a line once (:class:`_Split`).

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
from rating.load.samples.sources import slices
from rating.model import TraitType
from rating.scopes import LABELS

# (flat columns, row count, rows vouched for)
Columns = tuple[dict[str, pa.Array], int, pa.Array]
_GROUPS = ("resource", "scope")
_TOP = ("time", "event", *_GROUPS, "traits", LABELS)
_QUERY = (  # a rest that starts with ',' (the cut's) is an object from there on
    "SELECT unnest(json_transform(CASE WHEN line[1] = ',' THEN '{' || line[2:] ELSE line END, '"
    + json.dumps(dict.fromkeys(_TOP, "JSON"))
    + "')) FROM lines"
)
_COLON, _COMMA = ord(":"), ord(",")
_PLAIN_STRING = re.compile(r'"[^"\\\x00-\x1f]*"')
# A line's leading time member, up to the ',' after it (JSON syntax but for the time's text).
_LEADING_TIME = re.compile(rb'\{ *"time" *: *"([^"\\\x00-\x1f]*)" *,')


class DuplicateKey(ValueError):
    """An object names a key twice: DuckDB keeps the first; the per-record reader rejects it."""


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
        try:
            split = _Split(data, bounds)
        except UnicodeDecodeError:  # a time that is not UTF-8
            return None
        table = self._members(split.rests)
        if table is None:
            return None
        columns: dict[str, pa.Array] = {}
        expected = np.zeros(n, np.int64)  # the ':' and ',' each line should hold, plus one
        vouched = np.ones(n, bool)
        for name in _TOP:
            members = table.column(name).chunk(0).dictionary_encode()
            texts = members.dictionary.to_pylist()
            # Per line, its member's text in ``texts``; absent: the last slot.
            rows = members.indices.fill_null(len(texts)).to_numpy()[split.rest]
            if name == "time":
                # A second time in a cut line's rest is left out: too many ':' then.
                texts, rows = split.with_times(texts, rows)
            values = self._values(name, texts)
            expected += values.counts[rows]
            vouched &= values.fine[rows]
            indices = pa.array(rows)
            for column, distinct in values.columns.items():
                columns[column] = _spread(column, distinct, indices)
        vouched &= _counted(data, bounds, np.maximum(expected - 1, 0))
        return columns, n, pa.array(vouched)

    def _members(self, rests: pa.Array) -> pa.Table | None:
        """DuckDB's top-level members of each rest (:class:`_Split`); None if it refuses
        one (malformed JSON, bytes that are not UTF-8)."""
        try:
            lines = rests.cast(pa.string())
            with self._cursor() as cursor:
                cursor.register("lines", pa.table({"line": lines}))
                table = cursor.sql(_QUERY).to_arrow_table().combine_chunks()
                cursor.unregister("lines")
        except (duckdb.Error, UnicodeDecodeError, pa.ArrowInvalid):
            return None
        return table

    def _values(self, name: str, texts: list[str | None]) -> _Distinct:
        distinct = _Distinct(len(texts))
        for index, member in enumerate(texts):
            if member is None:
                continue
            # Its own ':' and ',', one ':' after its key and one ',' before the next member.
            distinct.counts[index] = member.count(":") + member.count(",") + 2
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


class _Split:
    """A piece's lines cut in a leading time member and the rest, each kept once.

    Samples of a fleet differ mostly in their time: cut off a line's leading
    ``"time"`` member, spelled as on the piece's first line (its length too),
    and the rest repeats from hour to hour. So DuckDB parses each distinct
    rest once, as an object (the ',' after the cut-off text read as ``{``; a
    line without such a member whole), and Python reads each distinct time
    once. The cut-off text is JSON syntax but for the time's own text: its
    ':' and ',' are the member's own ones (module docstring), so the count
    still covers whole lines.
    """

    def __init__(self, data: bytes, bounds: np.ndarray) -> None:
        spelled, self.time = _spelling(data, bounds[0])
        cuts = _cuts(data, bounds, spelled, self.time)
        self.timed = cuts > bounds[:-1]
        parts = _parts(data, bounds, cuts).dictionary_encode()
        ids = parts.indices.to_numpy().reshape(-1, 2)
        rests, self.rest = _compact(ids[:, 1], len(parts.dictionary))
        self.rests = parts.dictionary.take(rests)  # binary: DuckDB's query decodes them
        heads, times = _compact(ids[self.timed, 0], len(parts.dictionary))
        self.times = [
            '"' + head[self.time].decode() + '"'
            for head in parts.dictionary.take(heads).to_pylist()
        ]
        self.time_rows = np.zeros(len(cuts), np.int64)
        self.time_rows[self.timed] = times

    def with_times(self, texts: list[str | None], rows: np.ndarray) -> tuple[list, np.ndarray]:
        """The time member texts DuckDB found in the rests and the cut-off ones, and per
        line its text's index among them (absent: the last slot)."""
        everything = [*texts, *self.times]
        absent = np.where(rows == len(texts), len(everything), rows)
        return everything, np.where(self.timed, len(texts) + self.time_rows, absent)


class _Distinct:
    """Per distinct member text, and in a last slot for the rows without the member
    (vouched for, nothing to count, no values): its ':'/',' count (module docstring),
    whether it is vouched for, its flat values.

    Rows index these arrays directly, absent members included, so spreading them to
    the piece's rows takes no mask.
    """

    def __init__(self, size: int) -> None:
        self.slots = size + 1
        self.counts = np.zeros(self.slots, np.int64)
        self.fine = np.zeros(self.slots, bool)
        self.fine[size] = True
        self.values: dict[str, list[Any]] = {}
        self.columns: dict[str, pa.Array] = {}

    def put(self, column: str, index: int, value: Any) -> bool:
        values = self.values.get(column)
        if values is None:
            values = self.values[column] = [None] * self.slots
        values[index] = value
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
    if not escaped and _hits(piece) == expected.sum():
        return np.ones(len(expected), bool)
    hit = (piece == _COLON) | (piece == _COMMA)
    starts = bounds - bounds[0]
    counted = np.diff(np.searchsorted(np.flatnonzero(hit), starts)) == expected
    if escaped:
        slashes = np.flatnonzero(piece == ord("\\"))
        counted[np.searchsorted(starts, slashes, side="right") - 1] = False
    return counted


def _hits(piece: np.ndarray) -> int:
    """How many ':' and ',' the bytes hold (counted in :func:`.sources.slices`)."""
    return sum(
        np.count_nonzero(part == _COLON) + np.count_nonzero(part == _COMMA)
        for _, part in slices(piece)
    )


def _spelling(data: bytes, start: int) -> tuple[bytes, slice]:
    """The leading time member of the line at ``start`` up to the ',' after it, and where
    the time is in that; empty if the line starts otherwise."""
    first = _LEADING_TIME.match(data, start)
    if first is None:
        return b"", slice(0)
    return first.group(), slice(first.start(1) - start, first.end(1) - start)


def _cuts(data: bytes, bounds: np.ndarray, spelled: bytes, time: slice) -> np.ndarray:
    """Per line: where its rest starts, at the ',' after a leading time member spelled as
    ``spelled`` (bar the ``time`` in it); the line's start where the member is otherwise."""
    starts = bounds[:-1]
    if not spelled:
        return starts
    fixed = np.r_[0 : time.start, time.stop : len(spelled)]  # offsets of the bytes compared
    piece = np.frombuffer(data, np.uint8)
    same = np.all(
        piece[np.minimum(starts[:, None] + fixed, len(data) - 1)]
        == np.frombuffer(spelled, np.uint8)[fixed],
        axis=1,
    )
    cuts = starts + len(spelled) - 1
    return np.where(same & (cuts + 1 < bounds[1:]), cuts, starts)


def _parts(data: bytes, bounds: np.ndarray, cuts: np.ndarray) -> pa.Array:
    """Each line as two binary values, the text before its cut and the rest."""
    offsets = np.empty(2 * len(cuts) + 1, np.int64)
    offsets[0:-1:2], offsets[1::2], offsets[-1] = bounds[:-1], cuts, bounds[-1]
    buffers = [
        None,
        pa.py_buffer((offsets - bounds[0]).astype(np.int32)),
        pa.py_buffer(memoryview(data)[bounds[0] : bounds[-1]]),
    ]
    return pa.Array.from_buffers(pa.binary(), 2 * len(cuts), buffers)


def _compact(ids: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``ids`` (all below ``size``), and each one's index among them."""
    used = np.zeros(size, bool)
    used[ids] = True
    return np.flatnonzero(used), (np.cumsum(used) - 1)[ids]
