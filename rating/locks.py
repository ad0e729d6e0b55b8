"""Advisory file locks between ratecard processes (``flock`` on a lock file beside the data).

A lock file is created owner-only and never followed through a symbolic link,
and it is left in place afterwards: removing it would let a third process lock
a new file while a second still holds the old one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path, *, wait: bool) -> Iterator[bool]:
    """Whether this process alone holds the lock file ``path`` for the ``with`` block.

    With ``wait`` it blocks until the holder lets go; without, it yields False at
    once when another process holds it — and also when the lock file cannot be
    opened at all, so callers fall back to working unlocked or elsewhere.
    """
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
        else:
            yield True
    finally:
        os.close(descriptor)
