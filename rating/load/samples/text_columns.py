"""JSON Lines and CSV read column-wise: blocks of lines parsed in bulk, Python only what fails.

Each block of whole lines (:func:`.sources.read_blocks`) is parsed by DuckDB
(JSON, :mod:`.json_columns`) or pyarrow's CSV reader into flat sample columns,
two blocks at a time on the two cores, and checked by the
:class:`.columns.ColumnChecker`, the Parquet path's rules. Only rows the check
fails reach the per-record path (:mod:`.text_formats`) with their line, which
writes the exact reject or accepts them after all. A piece the columnar parse
refuses (malformed JSON, an unknown field, a value Arrow reads differently
from Python…) is halved until the halves parse, down to a few lines read one
by one; so one bad line costs about two parses of its block, not the block.

Envelope texts are checked dictionary-encoded, once per distinct value
(samples of a fleet share their times, types and scopes).

Rows map to lines one to one: a JSON piece is parsed only if every non-blank
line holds one object (starts with ``{`` and ends with ``}``), a CSV piece
only if Arrow finds as many rows as there are non-blank lines. CSV quoting is
checked first: a quoted cell spanning lines (or quotes Python's reader would
read otherwise) sends the rest of the file to the per-record reader, which
alone knows where such records end.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from rating.load.samples.columns import ColumnChecker
from rating.load.samples.json_columns import JsonColumns
from rating.load.samples.schema import TEXT_DICTIONARY, arrow_type
from rating.load.samples.sources import Block, read_blocks
from rating.load.samples.text_formats import Item, csv_header, csv_items, jsonl_items
from rating.model import ResourceType, TraitType

# A parsed piece: (flat columns, row count, rows the parse itself cannot vouch for) or None.
Parsed = tuple[dict[str, pa.Array], int, pa.Array | None] | None
# A checked piece: (row mask, normalized columns) or None (refused).
Checked = tuple[pa.Array, dict[str, pa.Array]] | None
Lines = Iterable[tuple[int, bytes | None]]

WORKERS = 2  # pieces parsed and checked side by side, ahead of the one yielded
SMALL = 16  # lines of a refused piece read one by one rather than halved again
# What a CSV piece's parse or a piece's check may raise (JsonColumns catches DuckDB's own).
_PARSE_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)
_NEWLINE, _RETURN, _QUOTE, _COMMA = (ord(c) for c in '\n\r",')
# CSV cells the per-record reader converts exactly as Arrow's cast does (else: that row's check).
_CSV_INTEGER = r"^-?[0-9]{1,15}$"
_CSV_DOUBLE = r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


class _Piece:
    """Some whole lines of a block: their bytes, where each starts, and their numbers."""

    def __init__(self, block: Block) -> None:
        assert block.data is not None
        self.data = block.data
        self.bytes = np.frombuffer(self.data, np.uint8)
        self.breaks = block.breaks
        ends = self.breaks + 1
        ends = ends if self.data.endswith(b"\n") else np.append(ends, len(self.data))
        self.bounds = np.concatenate(([0], ends)).astype(np.int64)
        self.numbers = np.arange(block.first, block.first + len(ends), dtype=np.int64)
        # Line ends without the line break and one carriage return: blank lines are empty.
        content = ends - (self.bytes[ends - 1] == _NEWLINE)
        before = np.maximum(content - 1, 0)
        self.content_end = content - (
            (content > self.bounds[:-1]) & (self.bytes[before] == _RETURN)
        )
        self.blank = self.content_end == self.bounds[:-1]

    def text(self, lo: int, hi: int) -> bytes:
        return self.data[self.bounds[lo] : self.bounds[hi]]

    def lines(self, lo: int, hi: int) -> Iterator[tuple[int, bytes | None]]:
        for index in range(lo, hi):
            yield int(self.numbers[index]), self.data[self.bounds[index] : self.bounds[index + 1]]


class _Columnar:
    """Reads blocks of one input: columnar where Arrow's parse and the checks allow."""

    def __init__(
        self,
        path: str,
        checker: ColumnChecker,
        parse: Callable[[_Piece, int, int], Parsed],
        one_by_one: Callable[[Lines], Iterator[Item]],
    ) -> None:
        self.path = path
        self.checker = checker
        self.parse = parse
        self.one_by_one = one_by_one

    def read(
        self, blocks: Iterator[Block], columnar: Callable[[_Piece], bool] = lambda _: True
    ) -> Iterator[pa.RecordBatch | Item]:
        """Every block in line order; up to WORKERS blocks ahead are parsed and checked
        meanwhile, on the other threads. A piece ``columnar`` refuses goes one by one with
        the rest of the input.
        """
        with ThreadPoolExecutor(WORKERS) as pool:
            ahead: collections.deque[tuple[_Piece, Future[Checked]]] = collections.deque()
            for block in blocks:
                piece = _Piece(block) if block.data is not None else None
                if piece is not None and columnar(piece):
                    ahead.append((piece, pool.submit(self._check, piece, 0, len(piece.numbers))))
                    if len(ahead) > WORKERS:
                        yield from self._done(*ahead.popleft())
                    continue
                while ahead:
                    yield from self._done(*ahead.popleft())
                if piece is None:
                    yield from self.one_by_one(block.lines())
                    continue
                yield from self.one_by_one(
                    itertools.chain(block.lines(), (line for b in blocks for line in b.lines()))
                )
                return
            while ahead:
                yield from self._done(*ahead.popleft())

    def _done(self, piece: _Piece, checked: Future[Checked]) -> Iterator[pa.RecordBatch | Item]:
        return self._split(piece, 0, len(piece.numbers), checked)

    def _split(
        self, piece: _Piece, lo: int, hi: int, checked: Future[Checked] | None = None
    ) -> Iterator[pa.RecordBatch | Item]:
        """Lines ``lo``…``hi - 1`` of the piece; halved while refused. The valid rows
        come as one batch in line order, then the rows checked one by one: rating does
        not depend on sample order, and keeping it would cost a batch per refused row."""
        rows = np.flatnonzero(~piece.blank[lo:hi]) + lo
        if len(rows) == 0:
            return
        result = self._check(piece, lo, hi) if checked is None else checked.result()
        if result is None:
            if hi - lo <= SMALL:
                yield from self.one_by_one(piece.lines(lo, hi))
                return
            middle = (lo + hi) // 2
            yield from self._split(piece, lo, middle)
            yield from self._split(piece, middle, hi)
            return
        ok, normalized = result
        batch = self.checker.valid_rows(normalized, ok, piece.numbers[rows], self.path)
        if batch is not None:
            yield batch
        for index in rows[np.flatnonzero(~ok.to_numpy(zero_copy_only=False))].tolist():
            yield from self.one_by_one(piece.lines(index, index + 1))  # one record each

    def _check(self, piece: _Piece, lo: int, hi: int) -> Checked:
        """Row mask and normalized columns of the non-blank lines ``lo``…``hi - 1``;
        None if refused (or blank)."""
        rows = int(np.count_nonzero(~piece.blank[lo:hi]))
        try:
            parsed = self.parse(piece, lo, hi) if rows else None
            if parsed is None or parsed[1] != rows:
                return None
            columns, n, vouched = parsed
            ok, normalized = self.checker.check(columns, n)
        except _PARSE_ERRORS:
            return None
        return (ok if vouched is None else pc.and_(ok, vouched)), normalized


def read_jsonl_columnar(
    path: str, compression: str | None, checker: ColumnChecker
) -> Iterator[pa.RecordBatch | Item]:
    """JSON Lines as batches of valid rows and per-record items (module docstring)."""
    parser = JsonColumns(checker.traits, WORKERS)

    def parse(piece: _Piece, lo: int, hi: int) -> Parsed:
        filled = np.flatnonzero(~piece.blank[lo:hi]) + lo
        starts, ends = piece.bounds[filled], piece.content_end[filled]
        if not (
            np.all(piece.bytes[starts] == ord("{")) and np.all(piece.bytes[ends - 1] == ord("}"))
        ):
            return None  # a line that is not one object: per record
        # A blank line rides at the end of the line before it (JSON whitespace).
        return parser.parse(piece.data, np.append(starts, piece.bounds[hi]))

    columnar = _Columnar(path, checker, parse, lambda lines: jsonl_items(path, lines))
    try:
        yield from columnar.read(read_blocks(path, compression))
    finally:
        parser.close()


def read_csv_columnar(
    path: str,
    compression: str | None,
    checker: ColumnChecker,
    resource_types: Sequence[ResourceType],
) -> Iterator[pa.RecordBatch | Item]:
    """CSV as batches of valid rows and per-record items (module docstring)."""
    blocks = read_blocks(path, compression)
    first = next(blocks, None)
    lines = itertools.chain(
        first.lines() if first else (), (line for block in blocks for line in block.lines())
    )
    header, used = csv_header(path, lines)
    if first is None or first.data is None or used > first.data.count(b"\n"):
        yield from csv_items(path, lines, header, resource_types)  # a header beyond a block
        return
    rest = first.data.split(b"\n", used)[-1] if used else first.data
    blocks = itertools.chain([Block(first.first + used, rest)] if rest else [], blocks)

    def one_by_one(lines: Lines) -> Iterator[Item]:
        return csv_items(path, lines, header, resource_types)

    read = pa_csv.ReadOptions(column_names=header)
    parse_options = pa_csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True)
    convert = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(header, TEXT_DICTIONARY),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    traits = {f"traits.{name}": trait_type for name, trait_type in checker.traits.items()}

    def parse(piece: _Piece, lo: int, hi: int) -> Parsed:
        text = piece.text(lo, hi)
        if b"\r" in text and text.count(b"\r") != text.count(b"\r\n"):
            return None  # Arrow ends a row at a lone CR, Python's reader rejects it
        stream = pa.BufferReader(pa.py_buffer(text))
        table = pa_csv.read_csv(stream, read, parse_options, convert).combine_chunks()
        columns: dict[str, pa.Array] = {}
        vouched = pa.repeat(pa.scalar(True), table.num_rows)
        for name, column in zip(table.column_names, table.columns, strict=True):
            cells = column.chunk(0) if column.num_chunks else pa.array([], pa.string())
            if name in traits:
                cells, fine = _csv_typed(cells, traits[name])
                vouched = pc.and_(vouched, fine)
            columns[name] = cells
        return columns, table.num_rows, vouched

    yield from _Columnar(path, checker, parse, one_by_one).read(blocks, _plain_quoting)


def _plain_quoting(piece: _Piece) -> bool:
    """Is every quote of the block one that opens or closes a whole cell on its line?

    Then every line is one record, read alike by Arrow and Python's reader;
    a quoted line break, a doubled quote or a quote inside a cell says otherwise.
    """
    quotes = np.flatnonzero(piece.bytes == _QUOTE)
    if len(quotes) == 0:
        return True
    if len(quotes) % 2 or np.any(np.searchsorted(quotes, piece.breaks) % 2):
        return False  # a line break inside quotes
    opens, closes = quotes[0::2], quotes[1::2]
    edge = np.array([_NEWLINE], np.uint8)
    padded = np.concatenate((edge, piece.bytes, edge))  # padded[i + 1] is byte i
    before, after = padded[opens], padded[closes + 2]
    return bool(
        np.all((before == _COMMA) | (before == _NEWLINE))
        and np.all((after == _COMMA) | (after == _NEWLINE) | (after == _RETURN))
    )


def _csv_typed(cells: pa.Array, trait_type: TraitType) -> tuple[pa.Array, pa.Array]:
    """A CSV trait column (dictionary-encoded) in the trait's type, and which rows' cells
    it read as Python would.

    Cells of any other form (``+5``, ``1_000``, `` true``, Unicode digits) stay
    for the per-record reader to judge; lists (JSON arrays in a cell) always do.
    Each distinct cell is converted once.
    """
    name = trait_type.value
    if name.startswith("List ") or name == "Text":
        return cells, pa.repeat(pa.scalar(True), len(cells))
    values = cells.dictionary
    if name == "Bool":
        lower = pc.utf8_lower(values)
        fine = pc.is_in(lower, value_set=pa.array(["true", "false"]))
        typed = pc.if_else(fine, pc.equal(lower, "true"), pa.scalar(None, pa.bool_()))
    else:
        pattern = _CSV_DOUBLE if name == "Double" else _CSV_INTEGER
        fine = pc.match_substring_regex(values, pattern)
        typed = pc.if_else(fine, values, pa.scalar(None, pa.string())).cast(arrow_type(trait_type))
    rows = pc.fill_null(fine.take(cells.indices), True)  # an empty cell is absent: fine
    return typed.take(cells.indices), rows
