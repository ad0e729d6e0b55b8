"""Check that an export is what its manifest says: every named object there, same size and sha256.

Readers (and the fault tests) use this to prove that a manifest never lies:
it reads ``manifest.json`` under a dataset prefix and every object it names,
and raises one :class:`~rating.errors.RatecardError` line listing what differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rating.errors import RatecardError
from rating.export.manifest import MANIFEST, parse_manifest
from rating.export.sinks import Sink, SinkError

_SHOWN = 3  # problems spelled out in the one-line error; the rest are counted


@dataclass(frozen=True)
class Verified:
    """A manifest whose every file checked out."""

    manifest_url: str
    run_id: str | None  # format 1 manifests have none
    files: int
    rows: int
    size: int


def verify(sink: Sink, prefix: str = "") -> Verified:
    """Verify the manifest at ``<prefix>/manifest.json`` (``prefix`` "" = the sink's root)."""

    def join(key: str) -> str:
        return f"{prefix}/{key}" if prefix else key

    manifest_url = sink.url(join(MANIFEST))
    try:
        data = sink.get(join(MANIFEST))
        if data is None:
            raise RatecardError(f"verify: {manifest_url}: no manifest")
        try:
            document = parse_manifest(data)
        except ValueError as error:
            message = f"verify: {manifest_url}: not a ratecard manifest ({error})"
            raise RatecardError(message) from error
        problems = [
            problem for entry in document["files"] if (problem := _check(sink, join, entry))
        ]
    except SinkError as error:
        raise RatecardError(f"verify: {error}") from error
    if problems:
        shown = "; ".join(problems[:_SHOWN])
        more = f"; and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        raise RatecardError(
            f"verify: {len(problems)} of {len(document['files'])} file(s) named by "
            f"{manifest_url} are not as recorded: {shown}{more}"
        )
    return Verified(
        manifest_url,
        document.get("run_id"),
        len(document["files"]),
        sum(int(entry.get("rows", 0)) for entry in document["files"]),
        sum(_size(entry) for entry in document["files"]),
    )


def _size(entry: dict[str, Any]) -> int:
    """``size`` (format 2) or ``bytes`` (format 1); -1 (never a real size) when absent."""
    return int(entry.get("size", entry.get("bytes", -1)))


def _check(sink: Sink, join: Callable[[str], str], entry: dict[str, Any]) -> str | None:
    """What is wrong with one named object, or None."""
    key = join(entry["key"])
    data = sink.get(key)
    if data is None:
        return f"{sink.url(key)} is missing"
    if len(data) != _size(entry):
        return f"{sink.url(key)} has {len(data)} bytes, the manifest says {_size(entry)}"
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        return f"{sink.url(key)} has a different sha256 than the manifest says"
    return None
