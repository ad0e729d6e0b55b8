"""The manifest: the one object that makes an export visible, and what it must record.

A reader trusts exactly what ``manifest.json`` names. It is written last, in one
atomic PUT (or rename), so it only ever names complete objects of its own run.
Besides the files (key relative to the manifest, rows, size, sha256) it records
who produced them (run id, created time, ratecard and catalog version) and the
reconciliation of the rating run, so a reader can tell a partial fleet from a
complete one without re-rating.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import rating
from rating.rate.result import Counts

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "ratecard-export/2"
# Fields that differ between two runs of the same export; everything else is the content.
_RUN_FIELDS = ("run_id", "created")


@dataclass(frozen=True)
class PublishedFile:
    """One data object; ``key`` is relative to the sink, in the manifest to the manifest."""

    key: str
    rows: int
    size: int
    sha256: str


@dataclass(frozen=True)
class ManifestFields:
    """What a manifest says about the run, beside the files."""

    run_id: str
    created: str  # ISO 8601 UTC, whole seconds
    dataset: str
    period: str
    encoding: str
    columns: list[str]
    catalog_version: str | None
    counts: Counts | None


def manifest_document(
    fields: ManifestFields, prefix: str, files: list[PublishedFile]
) -> dict[str, Any]:
    """The manifest as a dict; ``prefix`` (the dataset's key prefix) is cut off each file key."""
    return {
        "format": MANIFEST_FORMAT,
        "run_id": fields.run_id,
        "created": fields.created,
        "dataset": fields.dataset,
        "period": fields.period,
        "encoding": fields.encoding,
        "ratecard_version": rating.__version__,
        "catalog_version": fields.catalog_version,
        "reconciliation": asdict(fields.counts) if fields.counts else None,
        "rows": sum(f.rows for f in files),
        "columns": fields.columns,
        "files": [
            {
                "key": f.key.removeprefix(f"{prefix}/"),
                "rows": f.rows,
                "size": f.size,
                "sha256": f.sha256,
            }
            for f in files
        ],
    }


def manifest_bytes(document: dict[str, Any]) -> bytes:
    """Sorted keys, two-space indent, trailing newline: stable to diff and to hash."""
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest document; ValueError when it is not one (bad JSON, no file list)."""
    try:
        document = json.loads(data)
    except RecursionError:  # [[[[… deeper than Python's stack
        raise ValueError("nested too deeply") from None
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("key"), str) for f in files
    ):
        raise ValueError("no list of files with keys")
    return document


def named_keys(document: dict[str, Any], prefix: str) -> set[str]:
    """Sink keys of every file the manifest names (also for format 1, whose keys are names)."""
    return {f"{prefix}/{entry['key']}" for entry in document["files"]}


def same_content(current: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether two manifests describe the same data, whichever run stored it where."""

    def content(document: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in document.items() if k not in _RUN_FIELDS}
        kept["files"] = [{k: v for k, v in f.items() if k != "key"} for f in document["files"]]
        return kept

    return content(current) == content(new)
