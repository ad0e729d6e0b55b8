"""Progress bars for long work, on a terminal only.

When stderr is a file or a pipe (CI logs, cron mail) nothing extra is
written: every helper here returns ``None`` instead of a callback, and the
engines and sinks skip their progress reporting.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Progress = Callable[[int], None]


def _on_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def samples_bar(label: str = "reading samples") -> Iterator[Progress | None]:
    """A running count of samples loaded into the engine; yields its update callback."""
    if not _on_terminal():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(desc=label, unit=" samples", unit_scale=True, file=sys.stderr, leave=False)
    try:
        yield bar.update
    finally:
        bar.close()


def bytes_bar(total_bytes: int, label: str) -> Progress | None:
    """A byte counter for one upload or file, closing itself when the last byte is in."""
    if not _on_terminal():
        return None
    from tqdm import tqdm

    bar = tqdm(
        total=total_bytes, desc=label, unit="B", unit_scale=True, file=sys.stderr, leave=False
    )

    def update(done: int) -> None:
        bar.update(done)
        if bar.n >= total_bytes:
            bar.close()

    return update
