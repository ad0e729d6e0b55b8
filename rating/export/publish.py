"""Publishing a dataset so readers can trust it under concurrency and crashes.

Layout under the sink, per dataset (``period=<P>/<name>``)::

    manifest.json                     the only entry point, replaced atomically
    runs/<run-id>/lease.json          while the run is in progress
    runs/<run-id>/part-00000.<ext>    data objects, never shared between runs

A run writes its lease, then its parts under its own run id (so concurrent runs
never overwrite each other's objects), then — if the content differs from
what the current manifest describes — the manifest in one atomic put. The
previous manifest stays in place until then, so a run that fails or is killed
leaves the last complete export readable. Only after the manifest is in place
are objects no manifest needs removed (:mod:`rating.export.collect`). Two runs
racing for the manifest: the last writer wins, and its manifest is true.

Data bytes are deterministic, and a re-run whose data equals the current
manifest's leaves the manifest (and so every key a reader sees) untouched.

What is published is anything :class:`Publishable`: a :class:`Dataset` (a
table in parts) or the HTML showback site's pages (:mod:`rating.export.site`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import pyarrow as pa

from rating.errors import RatecardError
from rating.export.collect import LEASE, RUNS, garbage, lease_bytes
from rating.export.encode import encode
from rating.export.manifest import (
    MANIFEST,
    ManifestFields,
    PublishedFile,
    manifest_bytes,
    manifest_document,
    parse_manifest,
    same_content,
)
from rating.export.sinks import Progress, Sink, SinkError
from rating.rate.result import Counts

_EXTENSIONS = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl"}
# Test hook, read by the fault tests only: the process SIGKILLs itself at this step
# ("after-part:<n>", "before-manifest", "during-manifest" or "during-cleanup").
KILL_AT = "RATECARD_TEST_KILL_AT"


class Publishable(Protocol):
    """What :func:`publish` needs: where it goes, its files' bytes and its provenance."""

    @property
    def name(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def encoding(self) -> str: ...
    @property
    def catalog_version(self) -> str | None: ...
    @property
    def counts(self) -> Counts | None: ...
    @property
    def prefix(self) -> str: ...
    @property
    def columns(self) -> list[str]: ...

    def files(self) -> Iterator[tuple[str, int, bytes]]:
        """(file name, rows, bytes) per file, in order."""
        ...


@dataclass(frozen=True)
class Dataset:
    """One table to publish: its name in the key layout, period label, encoding and provenance."""

    name: str  # "focus", "line-items", …
    period: str
    table: pa.Table
    encoding: str  # "parquet", "csv" or "jsonl"
    rows_per_file: int = 1_000_000
    catalog_version: str | None = None
    counts: Counts | None = None  # the rating run's reconciliation

    @property
    def prefix(self) -> str:
        return f"period={self.period}/{self.name}"

    def parts(self) -> Iterator[tuple[str, pa.Table]]:
        """(file name, slice) pairs in order; an empty table still yields one (empty) part."""
        count = max(1, -(-self.table.num_rows // self.rows_per_file))
        ext = _EXTENSIONS[self.encoding]
        for index in range(count):
            part = self.table.slice(index * self.rows_per_file, self.rows_per_file)
            yield f"part-{index:05d}.{ext}", part

    @property
    def columns(self) -> list[str]:
        return self.table.column_names

    def files(self) -> Iterator[tuple[str, int, bytes]]:
        """The parts encoded, one at a time (only one part's bytes in memory)."""
        for name, part in self.parts():
            yield name, part.num_rows, encode(part, self.encoding)


@dataclass(frozen=True)
class Publication:
    """What a publish left readers: the manifest and the files it names."""

    manifest_key: str
    manifest_url: str  # where readers find it, e.g. s3://bucket/prefix/…/manifest.json
    run_id: str  # the run whose manifest is current
    files: list[PublishedFile]
    unchanged: bool  # the data equalled the current manifest's, which was kept


def publish(
    dataset: Publishable,
    sink: Sink,
    *,
    on_progress: Callable[[str, int], Progress | None] | None = None,
) -> Publication:
    """Publish ``dataset`` to ``sink``; on failure raise one RatecardError saying what happened.

    ``on_progress(file_name, nbytes)`` may return a byte-count callback for a progress bar.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    run_id = f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    run_prefix = f"{dataset.prefix}/{RUNS}/{run_id}"
    lease_key, lease = f"{run_prefix}/{LEASE}", lease_bytes(run_id)
    manifest_key = f"{dataset.prefix}/{MANIFEST}"
    try:
        sink.check()
        sink.put(lease_key, lease)
    except SinkError as error:
        raise RatecardError(f"export: nothing published: {error}") from error
    files: list[PublishedFile] = []
    try:
        for name, rows, data in dataset.files():
            key = f"{run_prefix}/{name}"
            sink.put(key, data, on_progress(name, len(data)) if on_progress else None)
            sink.put(lease_key, lease)  # heartbeat: still running, to exports on other hosts
            files.append(PublishedFile(key, rows, len(data), _sha256(data)))
            _kill_point(f"after-part:{len(files)}")
        _kill_point("before-manifest")
        _check_stored(sink, run_prefix, files)
        fields = ManifestFields(
            run_id,
            now.isoformat().replace("+00:00", "Z"),
            dataset.name,
            dataset.period,
            dataset.encoding,
            dataset.columns,
            dataset.catalog_version,
            dataset.counts,
        )
        document = manifest_document(fields, dataset.prefix, files)
        current = _current_manifest(sink, manifest_key)
    except SinkError as error:
        raise RatecardError(_failure(sink, error, run_prefix, files, manifest_key)) from error
    unchanged = current is not None and same_content(current, document)
    if not unchanged:
        try:
            sink.put(manifest_key, manifest_bytes(document), _manifest_progress)
        except SinkError as error:
            # The PUT may have landed with only its answer lost: keep the parts it would name,
            # but drop the lease, so they are protected only if that manifest is current.
            with contextlib.suppress(SinkError):
                sink.delete(lease_key)
            raise RatecardError(
                f"export failed: {error}; {sink.url(manifest_key)} names either the previous "
                f"export or this complete one (`ratecard verify-export` checks); objects no "
                "manifest names are removed by the next export"
            ) from error
    _collect(sink, dataset.prefix, run_id, lease_key, manifest_key)
    if unchanged:
        kept = [
            PublishedFile(f"{dataset.prefix}/{f['key']}", f["rows"], f["size"], f["sha256"])
            for f in current["files"]
        ]
        return Publication(
            manifest_key, sink.url(manifest_key), current["run_id"], kept, unchanged=True
        )
    return Publication(manifest_key, sink.url(manifest_key), run_id, files, unchanged=False)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _kill_point(step: str) -> None:
    """Test hook: die here, as abruptly as a power cut, when :data:`KILL_AT` names this step."""
    if os.environ.get(KILL_AT) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _manifest_progress(_sent: int) -> None:
    """Called once the manifest's bytes are on their way but not yet visible."""
    _kill_point("during-manifest")


def _check_stored(sink: Sink, run_prefix: str, files: list[PublishedFile]) -> None:
    """Every part still there with its size: a manifest must never name a vanished object."""
    sizes = {stored.key: stored.size for stored in sink.list(run_prefix)}
    for stored in files:
        if sizes.get(stored.key) != stored.size:
            raise SinkError(f"{sink.url(stored.key)}: gone before the manifest was written")


def _current_manifest(sink: Sink, key: str) -> dict | None:
    """The manifest readers see now; None when there is none or it is unreadable (replace it)."""
    data = sink.get(key)
    try:
        return parse_manifest(data) if data is not None else None
    except ValueError:
        return None


def _collect(sink: Sink, prefix: str, run_id: str, lease_key: str, manifest_key: str) -> None:
    """Remove what no manifest needs; a failure here leaves garbage, never a wrong manifest."""
    try:
        for index, key in enumerate(garbage(sink, prefix, run_id)):
            sink.delete(key)
            if index == 0:
                _kill_point("during-cleanup")
        sink.delete(lease_key)
    except SinkError as error:
        raise RatecardError(
            f"export published {sink.url(manifest_key)} (complete and correct), but could not "
            f"remove objects no manifest names (the next export will): {error}"
        ) from error


def _failure(
    sink: Sink, error: SinkError, run_prefix: str, stored: list[PublishedFile], manifest: str
) -> str:
    """Before the manifest: remove this run's objects; one line saying readers are unaffected."""
    try:
        for key in [f.key for f in stored] + [f"{run_prefix}/{LEASE}"]:
            sink.delete(key)
        leftovers = "removed again"
    except SinkError:
        leftovers = "left for the next export to remove"
    return (
        f"export failed: {error}; {len(stored)} part(s) stored under {sink.url(run_prefix)} "
        f"were {leftovers}; {sink.url(manifest)} was not changed, readers still see the "
        "previous export (if any)"
    )
