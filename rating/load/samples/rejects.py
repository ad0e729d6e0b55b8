"""Rejected records: what went wrong, where, and a JSON Lines file of them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO


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
        field = f" {self.field}:" if self.field else ""
        return f"{where}: {self.resource_id or '-'}:{field} {self.reason}"


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
            if self._out is None:
                self._out = Path(self.path).open("w", encoding="utf-8")  # noqa: SIM115 (open across add() calls)
            self._out.write(json.dumps(asdict(reject), ensure_ascii=False) + "\n")

    def close(self) -> None:
        """Flush the rejects file; an empty file is written when nothing was rejected."""
        if self.path is not None and self._out is None:
            self._out = Path(self.path).open("w", encoding="utf-8")  # noqa: SIM115 (open across add() calls)
        if self._out is not None:
            self._out.close()
            self._out = None
