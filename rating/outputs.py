"""Where a command will write, checked before any work starts.

Rating a month of samples only to fail on the last step because ``--out``
names a missing or read-only directory wastes the run and, worse, used to end
in a DuckDB or OS traceback. These checks turn such mistakes into one line
naming the option and the path, before anything is read. They try the real
thing (create and remove a probe file) instead of trusting permission bits,
which say nothing under root, on read-only mounts or in /proc and /sys.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from rating.errors import RatecardError

# A URL's scheme as the first part of a path: Path("s3://b/r") is s3:/b/r, a local directory.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")


def local_path(path: Path, option: str) -> None:
    """Refuse a URL given where only a local place works: ``--out s3://bucket/x`` would
    otherwise write into a new local directory named ``s3:``."""
    parts = path.parts
    if parts and _SCHEME.fullmatch(parts[0]):
        raise RatecardError(f"{option} {path}: is a URL; this output goes to a local path")


def writable_file(path: Path, option: str) -> None:
    """``path`` can be created or overwritten as a regular file."""
    local_path(path, option)
    if path.is_dir():
        raise RatecardError(f"{option} {path}: is a directory, expected a file name")
    if path.exists():
        if not path.is_file():
            return  # /dev/null, a FIFO: written as a stream
        try:
            with path.open("ab"):
                pass
        except OSError as error:
            raise RatecardError(f"{option} {path}: cannot write: {_reason(error)}") from None
        return
    _probe(path.parent, f"{option} {path}")


def writable_directory(path: Path, option: str) -> None:
    """``path`` is a directory files can be written into, or can be created as one."""
    local_path(path, option)
    if path.exists() and not path.is_dir():
        raise RatecardError(f"{option} {path}: is not a directory")
    existing = path
    while not existing.exists():  # the nearest ancestor that exists must take the new directory
        existing = existing.parent
    if not existing.is_dir():
        raise RatecardError(f"{option} {path}: {existing} is not a directory")
    _probe(existing, f"{option} {path}")


def _probe(directory: Path, subject: str) -> None:
    """Create and remove a file in ``directory``: the one reliable test of writability."""
    directory = directory if str(directory) else Path(".")
    if not directory.exists():
        raise RatecardError(f"{subject}: directory {directory} does not exist")
    if not directory.is_dir():
        raise RatecardError(f"{subject}: {directory} is not a directory")
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".ratecard-probe-"):
            pass
    except OSError as error:
        raise RatecardError(f"{subject}: cannot write in {directory}: {_reason(error)}") from None


def _reason(error: OSError) -> str:
    return error.strerror or os.strerror(error.errno or 0) or type(error).__name__
