"""Directories and Hive-partitioned datasets as the list of sample files to read.

``ratecard collect`` appends to ``DIR/period=YYYY-MM/…`` (the month of the
samples' time); a month's rating should not open every other month's files,
so a period reads only the partitions of the months it overlaps (all of them
without a period). That is exact for samples on ticks that start every UTC
day — what ``collect`` writes — rated with an interval no longer than the
ticks' spacing. A sample or lifecycle event from before the period that still
holds in it lives in an earlier partition and is not read: give such datasets
as a glob (``'DIR/period=*/*.parquet'``), which is read whole.

A plain directory is its sample files (by suffix, compressed or not) in
sorted order. Names starting with ``.`` or ``_`` are skipped everywhere:
writers' temporary files (``collect`` renames a complete ``.…partial`` file
into place) and markers such as Spark's ``_SUCCESS`` are not samples.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from rating.errors import RatecardError
from rating.load.samples.sources import is_sample_file
from rating.period import Period

PARTITION_PREFIX = "period="
_MONTH = re.compile(r"^\d{4}-\d{2}$", re.ASCII)
_KINDS = "(.jsonl, .csv or .parquet, compressed or not)"
_GLOB = set("*?[")


def partition_name(month: str) -> str:
    """The directory of one month's samples, ``period=YYYY-MM``."""
    return f"{PARTITION_PREFIX}{month}"


def sample_paths(text: str, period: Period | None) -> list[str]:
    """The files a sample argument names: a glob's matches (read whole), else
    :func:`sample_files`."""
    if not _GLOB & set(text):
        return sample_files(text, period)
    found = sorted(glob.glob(text, recursive=True))
    if not found:
        raise RatecardError(f"{text}: no file matches this pattern")
    return found


def sample_files(path: str, period: Period | None) -> list[str]:
    """``path`` itself unless it is a directory; else the sample files the period needs."""
    root = Path(path)
    if path == "-" or not root.is_dir():
        return [path]
    partitions = _partitions(root)
    if not partitions:
        found = _samples(root, root.iterdir())
        if not found:
            raise RatecardError(f"{path}: is a directory with no sample files {_KINDS}")
        return found
    chosen = [month_dir for month, month_dir in partitions if _overlaps(month, period)]
    found = [file for month_dir in chosen for file in _samples(root, month_dir.rglob("*"))]
    if not found:
        months = ", ".join(month for month, _ in partitions)
        wanted = f" for {period.label}" if period is not None else ""
        raise RatecardError(f"{path}: no sample files{wanted} (partitions: {months})")
    return found


def _partitions(root: Path) -> list[tuple[str, Path]]:
    """``(YYYY-MM, directory)`` of every ``period=`` directory in ``root``, by month."""
    found = []
    for child in root.iterdir():
        if not (child.is_dir() and child.name.startswith(PARTITION_PREFIX)):
            continue
        month = child.name.removeprefix(PARTITION_PREFIX)
        if not _MONTH.match(month):
            raise RatecardError(f"{child}: expected a partition named period=YYYY-MM")
        try:
            Period.parse(month)
        except RatecardError as error:
            raise RatecardError(f"{child}: {error}") from None
        found.append((month, child))
    return sorted(found)


def _overlaps(month: str, period: Period | None) -> bool:
    if period is None:
        return True
    last = period.end - timedelta(microseconds=1)  # the end is exclusive
    return Period.month_of(period.start).label <= month <= Period.month_of(last).label


def _samples(root: Path, paths: Iterable[Path]) -> list[str]:
    """The sample files among ``paths``, sorted; hidden and ``_`` names skipped."""
    return sorted(
        str(path)
        for path in paths
        if path.is_file()
        and not any(part.startswith((".", "_")) for part in path.relative_to(root).parts)
        and is_sample_file(path.name)
    )
