"""JSON Lines and CSV read record by record: raw records out, one per line/row.

The per-record path for the lines the columnar reader (:mod:`.text_columns`)
leaves to Python. Lines come with a bounded length (:func:`.sources.read_blocks`)
and are decoded one by one, so a runaway line or bytes that are not UTF-8
cost that record (a reject), never the memory to hold it or the whole file.
Blank lines are skipped and not counted; a UTF-8 byte order mark and CRLF line
ends are accepted.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from rating.errors import RatecardError
from rating.load.samples.records import known_column, nest
from rating.load.samples.rejects import Reject, printable
from rating.load.samples.sources import MAX_LINE_BYTES
from rating.model import ResourceType, TraitType

# (line, record, original text) for a parsed record, or a Reject for an unparseable one.
Item = tuple[int, Any, str] | Reject

MAX_DEPTH = 32  # JSON nesting; a valid sample nests 3 deep (record, traits, list)
TOO_LONG = f"record longer than {MAX_LINE_BYTES:,} bytes (1 MiB, line break included)"
csv.field_size_limit(MAX_LINE_BYTES)  # the default, 128 KiB, is below a record's limit
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # pairs are fine, lone ones are not
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # strings are skipped whole


def jsonl_items(path: str, lines: Iterable[tuple[int, bytes | None]]) -> Iterator[Item]:
    """One JSON value per non-blank line; a line that is no JSON value is a reject."""
    for number, line in lines:
        if (item := _jsonl_item(path, number, line)) is not None:
            yield item


def _jsonl_item(path: str, number: int, line: bytes | None) -> Item | None:
    """One line as a record or a reject; None for a blank line."""
    if line is None:
        return Reject(path, number, None, "", TOO_LONG)
    try:
        text = line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as error:
        shown = line.decode("utf-8", "backslashreplace").rstrip("\r\n")
        return Reject(path, number, None, "", _undecodable(error), shown)
    if not text or text.isspace():
        return None
    if _too_deep(text):
        return Reject(path, number, None, "", f"JSON nested deeper than {MAX_DEPTH}", text)
    try:
        record = json.loads(text, object_pairs_hook=_members)
    except _RepeatedMember as repeated:
        return Reject(path, number, None, "", str(repeated), text)
    except ValueError as error:
        return Reject(path, number, None, "", f"malformed JSON: {error}", text)
    if _SURROGATE_ESCAPE.search(text) and not _encodable(record):
        return Reject(path, number, None, "", "invalid Unicode: a lone surrogate escape", text)
    return number, record, text


class _RepeatedMember(ValueError):
    """An object names a member twice: parsers disagree on which value counts."""


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members; one named twice (``"time"`` with two instants, say)
    makes the record ambiguous, so it is rejected rather than read as the last one."""
    members = dict(pairs)
    if len(members) < len(pairs):
        names = [name for name, _ in pairs]
        repeated = next(name for name in names if names.count(name) > 1)
        raise _RepeatedMember(f"ambiguous JSON: member {repeated!r} appears twice")
    return members


def _encodable(record: Any) -> bool:
    """Can every string of the record be written as UTF-8 (no lone surrogates)?"""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _undecodable(error: UnicodeDecodeError) -> str:
    byte = error.object[error.start]
    return f"undecodable bytes: not UTF-8 (byte 0x{byte:02x} at offset {error.start})"


def _too_deep(text: str) -> bool:
    """Does the JSON text nest deeper than MAX_DEPTH (before the parser recurses into it)?

    Counting brackets first keeps the scan off every ordinary line.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match[0]
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif token in "]}":
            depth -= 1
    return False


# What a CSV number may be: ASCII digits (``int`` and ``float`` also take "1_000" and
# other scripts' digits), NaN and infinities named for the non-finite check; spaces around.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DOUBLE = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)", re.IGNORECASE
)


def _convert(value: str, trait_type: TraitType) -> Any:
    """A CSV cell as the trait's type (lists are JSON arrays); ValueError if impossible."""
    name = trait_type.value
    if name.startswith("List "):
        items = json.loads(value)
        if not isinstance(items, list):
            raise ValueError(value)
        return items
    if name in ("Integer", "Natural"):
        if not _INTEGER.fullmatch(value.strip()):
            raise ValueError(value)
        return int(value)
    if name == "Double":
        if not _DOUBLE.fullmatch(value.strip()):
            raise ValueError(value)
        return float(value)
    if name == "Bool":
        if value.lower() not in ("true", "false"):
            raise ValueError(value)
        return value.lower() == "true"
    return value


class _CsvLines:
    """Lines for :mod:`csv`, decoded one by one; remembers which lines could not be.

    A line that is too long or not UTF-8 reaches the CSV parser as a blank line
    (or its bytes escaped), and :meth:`problem` tells the reader to reject the
    record holding it.
    """

    def __init__(self, lines: Iterable[tuple[int, bytes | None]]) -> None:
        self._lines = iter(lines)
        self._problems: dict[int, str] = {}
        self.bytes = 0  # bytes read so far

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        number, line = next(self._lines)
        if line is None:
            self._problems[number] = TOO_LONG
            self.bytes += MAX_LINE_BYTES
            return "\n"
        self.bytes += len(line)
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError as error:
            self._problems[number] = _undecodable(error)
            return line.decode("utf-8", "surrogateescape")

    def problem(self, first: int, last: int) -> str | None:
        """The first problem of lines ``first``…``last`` (forgotten once asked)."""
        found = None
        for number in range(first, last + 1):
            reason = self._problems.pop(number, None)
            found = found or reason
        return found


def csv_items(
    path: str,
    lines: Iterable[tuple[int, bytes | None]],
    header: list[str],
    resource_types: Sequence[ResourceType],
) -> Iterator[Item]:
    """Records of flat columns (``resource.id``, ``traits.vcpu``, …) from lines after the
    header (or some records of them); an empty cell is absent.

    A record may span lines (quoted line breaks) but not more than
    MAX_LINE_BYTES in all; a malformed record (an unterminated quote, more
    cells than the header) is a reject and reading goes on at the next line.
    """
    types = {rt.id: rt for rt in resource_types}
    numbered = iter(lines)
    first_line = next(numbered, None)
    if first_line is None:
        return
    offset = first_line[0] - 1  # csv counts the lines it reads from 1
    lines = _CsvLines(itertools.chain([(1, first_line[1])], ((n - offset, b) for n, b in numbered)))
    reader = csv.reader(lines, strict=True)
    line, start = 0, 0
    while True:
        first = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            cells, failed = None, f"malformed CSV: {error}"
        else:
            failed = None
        line, size, start = reader.line_num, lines.bytes - start, lines.bytes
        failed = lines.problem(first, line) or failed
        if failed is None and cells is not None and not any(cells):
            continue  # a blank line
        if failed is None and size > MAX_LINE_BYTES:
            failed = TOO_LONG
        yield from _csv_record(path, first + offset, header, cells, failed, types)


def csv_header(path: str, lines: Iterator[tuple[int, bytes | None]]) -> tuple[list[str], int]:
    """The header row and the lines it takes, read from the first of ``lines`` on.

    Its cells must be known, distinct column names, or the file fails (exit 2);
    an empty file has an empty header.
    """
    csv_lines = _CsvLines(lines)
    reader = csv.reader(csv_lines, strict=True)
    try:
        header = next(reader, [])
    except csv.Error as error:
        raise RatecardError(f"{path}:1: malformed CSV header: {error}") from None
    if csv_lines.problem(1, reader.line_num):
        raise RatecardError(f"{path}:1: the CSV header is not UTF-8 or too long")
    unknown = [c for c in header if not known_column(c)]
    if unknown:
        raise RatecardError(f"{path}:1: unknown column {printable(repr(unknown[0]))}")
    repeated = [c for i, c in enumerate(header) if c in header[:i]]
    if repeated:
        raise RatecardError(f"{path}:1: column {repeated[0]!r} appears twice")
    return header, reader.line_num


def _csv_record(
    path: str,
    line: int,
    header: list[str],
    cells: list[str] | None,
    failed: str | None,
    types: dict[str, ResourceType],
) -> Iterator[Item]:
    """One CSV row as a nested record, or a Reject naming the cell at fault."""
    if cells is not None and len(cells) > len(header):
        failed = failed or "more cells than header columns"
    row = dict(zip(header, cells or (), strict=False))
    if failed is not None:  # ASCII JSON: the cells may hold undecodable bytes, escaped
        original = json.dumps(row) if cells is not None else None
        yield Reject(path, line, row.get("resource.id") or None, "", failed, original)
        return
    original = json.dumps(row, ensure_ascii=False)
    flat: dict[str, Any] = {k: (v if v != "" else None) for k, v in row.items()}
    rt = types.get(flat.get("resource.type") or "")
    for column, value in flat.items():
        trait = rt.trait(column[7:]) if rt and column.startswith("traits.") else None
        if value is None or trait is None:
            continue
        try:
            flat[column] = _convert(value, trait.type)
        except ValueError:
            reason = f"expected {trait.type}, got {printable(json.dumps(value))}"
            yield Reject(path, line, flat.get("resource.id"), column, reason, original)
            return
    yield line, nest(flat), original
