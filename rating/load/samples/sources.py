"""Opening sample inputs: format by extension, transparent gzip/zstd, ``-`` for stdin."""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import zstandard

from rating.errors import RatecardError

FORMATS = ("jsonl", "csv", "parquet")
_JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")


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


def check_exists(path: str) -> None:
    """Fail early (exit 2) on an input that cannot be read at all."""
    if path != "-" and not Path(path).is_file():
        raise RatecardError(f"{path}: no such file")


@contextmanager
def open_text(path: str, compression: str | None) -> Iterator[IO[str]]:
    """A text stream over a (possibly compressed) file or stdin, read incrementally."""
    if path == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
        try:
            yield stream
        finally:
            stream.detach()  # leave stdin itself open
        return
    with open_binary(path, compression) as raw:
        yield io.TextIOWrapper(raw, encoding="utf-8", newline="")


@contextmanager
def open_binary(path: str, compression: str | None) -> Iterator[IO[bytes]]:
    if compression == "gz":
        with gzip.open(path, "rb") as raw:
            yield raw
    elif compression == "zst":
        with open(path, "rb") as file, zstandard.ZstdDecompressor().stream_reader(file) as raw:
            yield raw
    else:
        with open(path, "rb") as raw:
            yield raw


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
