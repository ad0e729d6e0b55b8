"""Opening sample inputs: format by extension, transparent gzip/zstd, ``-`` for stdin."""

from __future__ import annotations

import codecs
import gzip
import io
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import numpy as np
import zstandard

from rating.errors import RatecardError, first_line

FORMATS = ("jsonl", "csv", "parquet")
_JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
SAMPLE_SUFFIXES = (*_JSONL_SUFFIXES, ".csv", ".parquet")  # before any .gz or .zst


def detect(path: str) -> tuple[str, str | None]:
    """``(format, compression)`` from the file name; JSON Lines is the default."""
    if path == "-":
        return "jsonl", None
    suffixes = [s.lower() for s in Path(path).suffixes]
    compression = None
    if suffixes and suffixes[-1] in (".gz", ".zst"):
        compression = suffixes.pop()[1:]
    last = suffixes[-1] if suffixes else ""
    if last == ".parquet":
        if compression:
            raise RatecardError(
                f"{path}: compressed Parquet is not supported (Parquet compresses itself)"
            )
        return "parquet", None
    if last == ".csv":
        return "csv", compression
    return "jsonl", compression


def is_sample_file(name: str) -> bool:
    """Does the name end in a sample format's suffix (``.jsonl``, ``.csv.gz``, …)?"""
    suffixes = [suffix.lower() for suffix in Path(name).suffixes]
    if suffixes and suffixes[-1] in (".gz", ".zst"):
        suffixes.pop()
    return bool(suffixes) and suffixes[-1] in SAMPLE_SUFFIXES


def check_exists(path: str) -> None:
    """Fail early (exit 2) on an input that cannot be read at all."""
    if path == "-":
        return
    if Path(path).is_dir():
        raise RatecardError(f"{path}: is a directory; give the sample files in it (a glob)")
    if not Path(path).is_file():
        raise RatecardError(f"{path}: no such file")


MAX_LINE_BYTES = 1 << 20  # one line of JSON Lines or CSV, line break included
_ZSTD_CHUNK = 1 << 14  # compressed bytes fed to zstd at a time: bounds each output


BLOCK_BYTES = 8 << 20  # decompressed bytes read at a time, cut at a line break
SLICE_BYTES = 1 << 18  # bytes a scan compares at a time (:func:`slices`)


@dataclass(frozen=True)
class Block:
    """Whole lines of an input, from line ``first`` on; ``data`` None is one overlong line.

    Every line of ``data`` ends in a line break but perhaps the input's last,
    and is at most :data:`MAX_LINE_BYTES` long, line break not counted.
    """

    first: int
    data: bytes | None

    @cached_property
    def breaks(self) -> np.ndarray:
        """Where each line break is: :func:`read_blocks` counts them to number the next
        block, and the columnar readers cut the lines there; one scan serves both."""
        data = np.frombuffer(b"" if self.data is None else self.data, np.uint8)
        found = [np.flatnonzero(part == ord("\n")) + start for start, part in slices(data)]
        return np.concatenate(found) if found else np.zeros(0, np.int64)

    def lines(self) -> Iterator[tuple[int, bytes | None]]:
        """``(line number, bytes)`` per line, line break kept; None for an overlong line."""
        if self.data is None:
            yield self.first, None
            return
        parts = self.data.split(b"\n")
        last = parts.pop()
        for number, part in enumerate(parts, self.first):
            yield number, part + b"\n"
        if last:
            yield self.first + len(parts), last


def slices(data: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """``(offset, part)``: ``data`` in parts of SLICE_BYTES, for byte scans. A comparison
    of a whole block would write (and first page in) a fresh array as large as the
    block; a part's stays in cache.
    """
    for start in range(0, len(data), SLICE_BYTES):
        yield start, data[start : start + SLICE_BYTES]


def read_blocks(path: str, compression: str | None) -> Iterator[Block]:
    """A (possibly compressed) file or stdin as blocks of whole lines, about BLOCK_BYTES each.

    Lines are bounded: a line longer than :data:`MAX_LINE_BYTES` (line break
    not counted) comes as a block of its own without data; its bytes are
    skipped, never held, so one runaway line costs a reject rather than the
    memory to hold it. A UTF-8 byte order mark at the start is dropped.
    Corrupt or truncated compressed data fails the whole input
    (:class:`RatecardError`): a short read must not pass for a complete one.
    """
    with _unreadable(path, compression), _open_binary(path, compression) as stream:
        number, pending = 1, stream.read(len(codecs.BOM_UTF8))
        pending = pending.removeprefix(codecs.BOM_UTF8)
        while chunk := stream.read(BLOCK_BYTES):
            # ``pending`` (the line the last chunk cut) holds no line break: the chunk's
            # last one ends the block, copied once with ``pending`` before it.
            cut = chunk.rfind(b"\n") + 1
            if cut:
                data, pending = b"".join((pending, memoryview(chunk)[:cut])), chunk[cut:]
            else:
                data, pending = b"", pending + chunk
            for block in _bounded(number, data):
                yield block
                number += 1 if block.data is None else len(block.breaks)
            if len(pending) > MAX_LINE_BYTES:
                while pending and not pending.endswith(b"\n"):  # skip the rest of the line
                    pending = stream.readline(MAX_LINE_BYTES)
                yield Block(number, None)
                number, pending = number + 1, b""
        if pending:
            yield from _bounded(number, pending)


def _bounded(first: int, data: bytes) -> Iterator[Block]:
    """``data`` (whole lines) as blocks, each overlong line a block of its own.

    Hops from the last line break within MAX_LINE_BYTES to the next: a few
    searches per block, not one per line.
    """
    start = line = 0  # the block being gathered, the line being looked at
    while line < len(data):
        end = data.rfind(b"\n", line, line + MAX_LINE_BYTES + 1)
        if end != -1 or len(data) - line <= MAX_LINE_BYTES:
            line = len(data) if end == -1 else end + 1
            continue
        if line > start:  # the line at ``line`` is overlong: it ends the block
            yield Block(first, data[start:line])
            first += data.count(b"\n", start, line)
        yield Block(first, None)
        first += 1
        start = line = (data.find(b"\n", line) + 1) or len(data)
    if start < len(data):
        yield Block(first, data[start:])


@contextmanager
def _unreadable(path: str, compression: str | None) -> Iterator[None]:
    """Errors reading the data become one line naming the file (exit 2)."""
    try:
        yield
    except (EOFError, OSError, zlib.error, zstandard.ZstdError) as error:
        what = f"corrupt or truncated {compression} data" if compression else "cannot read"
        raise RatecardError(f"{path}: {what}: {first_line(error)}") from None


@contextmanager
def _open_binary(path: str, compression: str | None) -> Iterator[IO[bytes]]:
    if path == "-":
        yield sys.stdin.buffer
    elif compression == "gz":
        with gzip.open(path, "rb") as raw:
            yield raw
    elif compression == "zst":
        with open(path, "rb") as file, io.BufferedReader(_ZstdFrames(file)) as raw:
            yield raw
    else:
        with open(path, "rb") as raw:
            yield raw


class _ZstdFrames(io.RawIOBase):
    """Decompresses concatenated zstd frames, failing (EOFError) on a truncated last frame.

    zstandard's own stream reader ends quietly where a cut file ends, which
    would read a truncated file as a complete, shorter one.
    """

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self._decompressor = zstandard.ZstdDecompressor()
        self._frame: Any = None  # the current frame's decompression object
        self._out = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._out:
            compressed = self._file.read(_ZSTD_CHUNK)
            if not compressed:
                if self._frame is not None and not self._frame.eof:
                    raise EOFError("the data ends inside a zstd frame")
                return 0
            self._out = memoryview(self._decompress(compressed))
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size

    def _decompress(self, data: bytes) -> bytes:
        parts = []
        while data:
            if self._frame is None or self._frame.eof:
                self._frame = self._decompressor.decompressobj()
            parts.append(self._frame.decompress(data))
            data = self._frame.unused_data if self._frame.eof else b""
        return b"".join(parts)


@contextmanager
def open_write(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary stream writing a file, compressed when its name ends in .gz or .zst."""
    name = str(path).lower()
    if name.endswith(".gz"):
        with gzip.open(path, "wb") as raw:
            yield raw
    elif name.endswith(".zst"):
        with open(path, "wb") as file, zstandard.ZstdCompressor().stream_writer(file) as raw:
            yield raw
    else:
        with open(path, "wb") as raw:
            yield raw
