"""Where ratecard keeps what it can recompute: evaluated catalogs, parsed units.

The cache holds evaluated catalogs and pickled models: whoever can write it
can make ``ratecard`` bill with their prices or run their code (pickle), and
whoever can read it sees the catalogs. So the directory is private to its
owner (0700, files 0600), looser modes found on an existing directory are
tightened, and a directory owned by someone else is refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
from functools import cache
from pathlib import Path

from rating.errors import RatecardError


def cache_dir() -> Path:
    """``$RATECARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/ratecard``, else ``~/.cache/ratecard``."""
    explicit = os.environ.get("RATECARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ratecard"


def private_cache_dir() -> Path:
    """:func:`cache_dir`, created private, or made private once per process."""
    return _made_private(cache_dir())


@cache
def _made_private(directory: Path) -> Path:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.lstat()
    except OSError as error:
        raise RatecardError(f"{directory}: cannot create the cache: {error.strerror}") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise RatecardError(
            f"{directory}: the cache directory is not a directory of your own; "
            "set RATECARD_CACHE_DIR to one"
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(directory, 0o700)
    for entry in os.scandir(directory):
        # Another ratecard may rename its temporary file away while we look.
        with contextlib.suppress(FileNotFoundError):
            if entry.is_file(follow_symlinks=False) and stat.S_IMODE(entry.stat().st_mode) & 0o077:
                os.chmod(entry.path, 0o600)
    return directory


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, readable and writable by the owner only."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    descriptor = os.open(temporary, flags, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
