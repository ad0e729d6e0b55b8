"""Publishing a dataset so readers can trust it: data objects first, manifest last.

Layout under the sink: ``period=<P>/<dataset>/part-00000.<ext>`` … and
``period=<P>/<dataset>/manifest.json``. The old manifest is deleted before any
data object is touched, so at no moment does a manifest describe files that
are being replaced; the new one is written only after every part is stored.
Parts the new manifest does not list (left over from a larger earlier run) are
removed afterwards. Same input → same bytes → same keys and ETags.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

import rating
from rating.errors import RatecardError
from rating.export.encode import encode
from rating.export.sinks import Progress, Sink, SinkError

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "ratecard-export/1"
_EXTENSIONS = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl"}


@dataclass(frozen=True)
class Dataset:
    """One table to publish: its name in the key layout, period label and file encoding."""

    name: str  # "focus" or "line-items"
    period: str
    table: pa.Table
    encoding: str  # "parquet", "csv" or "jsonl"
    rows_per_file: int = 1_000_000
    metadata: dict[str, Any] = field(default_factory=dict)  # extra manifest fields

    @property
    def prefix(self) -> str:
        return f"period={self.period}/{self.name}"

    def part_keys(self) -> list[str]:
        parts = max(1, -(-self.table.num_rows // self.rows_per_file))
        ext = _EXTENSIONS[self.encoding]
        return [f"{self.prefix}/part-{index:05d}.{ext}" for index in range(parts)]

    def parts(self) -> Iterator[tuple[str, pa.Table]]:
        """(key, slice) pairs in order; an empty table still yields one (empty) part."""
        for index, key in enumerate(self.part_keys()):
            yield key, self.table.slice(index * self.rows_per_file, self.rows_per_file)


@dataclass(frozen=True)
class PublishedFile:
    key: str
    rows: int
    bytes: int
    sha256: str


def manifest_bytes(dataset: Dataset, files: list[PublishedFile]) -> bytes:
    """The manifest: deterministic JSON (sorted keys, no timestamps) naming every data object."""
    catalog_versions: list[str] = []
    for name in ("catalog_version", "x_CatalogVersion"):  # line items or FOCUS
        if name in dataset.table.column_names:
            distinct = pc.unique(dataset.table.column(name)).to_pylist()
            catalog_versions = sorted(v for v in distinct if v is not None)
    document = {
        "format": MANIFEST_FORMAT,
        "dataset": dataset.name,
        "period": dataset.period,
        "encoding": dataset.encoding,
        "ratecard_version": rating.__version__,
        "catalog_versions": catalog_versions,
        "rows": sum(f.rows for f in files),
        "columns": dataset.table.column_names,
        "files": [
            {"key": f.key.rsplit("/", 1)[-1], "rows": f.rows, "bytes": f.bytes, "sha256": f.sha256}
            for f in files
        ],
        **dataset.metadata,
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def publish(
    dataset: Dataset,
    sink: Sink,
    *,
    on_progress: Callable[[int, int], Progress | None] | None = None,
) -> list[PublishedFile]:
    """Publish ``dataset`` to ``sink``; on failure raise one RatecardError saying what landed.

    ``on_progress(key_index, nbytes)`` may return a byte-count callback for a progress bar.
    """
    keys = dataset.part_keys()
    manifest_key = f"{dataset.prefix}/{MANIFEST}"
    published: list[PublishedFile] = []
    try:
        sink.check()
        sink.delete(manifest_key)
    except SinkError as error:
        raise RatecardError(f"export: nothing published: {error}") from error
    for index, (key, part) in enumerate(dataset.parts()):
        data = encode(part, dataset.encoding)
        progress = on_progress(index, len(data)) if on_progress else None
        try:
            sink.put(key, data, progress)
        except SinkError as error:
            raise RatecardError(
                _failure(sink, error, published, keys[index:], manifest_key)
            ) from error
        published.append(
            PublishedFile(key, part.num_rows, len(data), hashlib.sha256(data).hexdigest())
        )
    try:
        sink.put(manifest_key, manifest_bytes(dataset, published))
    except SinkError as error:
        raise RatecardError(_failure(sink, error, published, [], manifest_key)) from error
    try:
        for stale in sorted(set(sink.list(dataset.prefix)) - set(keys) - {manifest_key}):
            if stale.rsplit("/", 1)[-1].startswith("part-"):
                sink.delete(stale)
    except SinkError as error:
        raise RatecardError(
            f"export published {sink.url(manifest_key)} (complete and correct), but could not "
            f"remove parts of an earlier run that it does not list: {error}"
        ) from error
    return published


def _failure(
    sink: Sink, error: SinkError, done: list[PublishedFile], missing: list[str], manifest: str
) -> str:
    """One line: the cause, what was published, what was not, and that no manifest exists."""
    done_text = ", ".join(sink.url(f.key) for f in done) or "none"
    missing_text = ", ".join(sink.url(key) for key in missing) or "none"
    return (
        f"export failed: {error}; published: {done_text}; not published: {missing_text}; "
        f"no manifest at {sink.url(manifest)}, so readers ignore this partial export"
    )
