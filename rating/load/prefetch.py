"""A second process evaluating a large catalog's imported files while the first one does too.

Evaluating Dhall is pure Python: one process uses one core. The files a
catalog imports (its product files) are independent of each other, and each
evaluated file is cached on its own (:mod:`rating.load.native`), so a helper
process can fill that cache while the loader works: it takes the files the
loader has not cached, last to first, while the loader goes first to last
and finds the helper's entries when it gets there. The helper stops where
the two meet and is stopped when the loader is done.

The helper only writes cache entries the loader would have written itself
(same key, same value); whatever it fails on, the loader evaluates and
reports. Small catalogs are not worth the helper's start-up (a Python
interpreter importing the evaluator, about 0.2 s).

    python -m rating.load.prefetch ROOT_DIR FILE...   (run by :func:`helping`)
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from rating.cache import private_cache_dir

MIN_FILES = 4
MIN_BYTES = 256 * 1024
"""Below either, a catalog evaluates faster than a helper process starts."""


@contextlib.contextmanager
def helping(root_dir: Path, imports: list[Path], pending: Callable[[Path], bool]) -> Iterator[None]:
    """Run a helper evaluating the ``pending`` files of ``imports`` while the block runs.

    ``imports`` are the root's own imports in order, ``root_dir`` the
    directory whose files may be cached (the root's).
    """
    files = [file for file in dict.fromkeys(imports) if file.is_file() and pending(file)]
    if len(files) < MIN_FILES or sum(file.stat().st_size for file in files) < MIN_BYTES:
        yield
        return
    command = [sys.executable, "-m", __name__, str(root_dir), *map(str, files)]
    quiet = subprocess.DEVNULL
    # Its own session: Ctrl-C reaches the loader, which stops it; and where the
    # kernel shares the CPU out by session (autogroup), it does not halve the loader's.
    helper = subprocess.Popen(
        command, stdin=quiet, stdout=quiet, stderr=quiet, start_new_session=True
    )
    try:
        yield
    finally:
        helper.kill()
        helper.wait()
        # A helper killed while writing leaves its temporary file (rating.cache.write_private).
        for leftover in private_cache_dir().glob(f".*.{helper.pid}.tmp"):
            leftover.unlink(missing_ok=True)


def main(arguments: list[str]) -> None:
    """Evaluate the files, last to first, until one is already cached."""
    from rating.load.native import prefetch  # the evaluator, only in the helper

    root_dir, *files = arguments
    prefetch(Path(root_dir), [Path(file) for file in reversed(files)])


if __name__ == "__main__":
    main(sys.argv[1:])
