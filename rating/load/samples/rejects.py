"""Rejected records: what went wrong, where, and a JSON Lines file of them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from rating.errors import RatecardError

MAX_SHOWN = 80  # characters of a user's value shown in a message
# Characters that would break a message's single line or cannot be printed as UTF-8.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` fit for a one-line message: unprintables escaped, long text cut at MAX_SHOWN."""
    if len(text) > MAX_SHOWN:
        text = text[: MAX_SHOWN - 1] + "…"
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


@dataclass(frozen=True)
class Reject:
    """One record that failed validation; ``original`` is its source text when known."""

    source_file: str
    source_line: int
    resource_id: str | None
    field: str
    reason: str
    original: str | None = None

    def __str__(self) -> str:
        where = f"{self.source_file}:{self.source_line}"
        field = f" {printable(self.field)}:" if self.field else ""
        return f"{where}: {printable(self.resource_id or '-')}:{field} {self.reason}"


class RejectSink:
    """Collects rejects: counts all, keeps the first ``keep`` in memory, optionally writes all.

    Writing every reject to a JSON Lines file keeps memory bounded however
    broken the input is.
    """

    def __init__(self, path: Path | None = None, *, keep: int = 100) -> None:
        self.path = path
        self.keep = keep
        self.count = 0
        self.first: list[Reject] = []
        self._out: IO[str] | None = None

    def add(self, reject: Reject) -> None:
        self.count += 1
        if len(self.first) < self.keep:
            self.first.append(reject)
        if self.path is not None:
            with self._writing():
                self._file().write(json.dumps(asdict(reject), ensure_ascii=False) + "\n")

    def close(self) -> None:
        """Flush the rejects file; an empty file is written when nothing was rejected."""
        if self.path is not None:
            with self._writing():
                self._file().close()
            self._out = None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A rejects file that cannot be written (a full disk, a directory) is one error naming
        it, not a crash, nor blamed on the output the rejects were read for."""
        try:
            yield
        except OSError as error:
            self._out = None
            raise RatecardError(
                f"--rejects {self.path}: cannot write: {error.strerror or error}"
            ) from None

    def _file(self) -> IO[str]:
        """The rejects file, opened at first use; text UTF-8 cannot hold (lone surrogates)
        is written escaped."""
        if self._out is None:
            assert self.path is not None
            self._out = Path(self.path).open("w", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115 (open across add() calls)
        return self._out
