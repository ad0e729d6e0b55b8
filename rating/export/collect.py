"""Which objects under a dataset no manifest needs: garbage of superseded, failed or killed runs.

Every run stores its data under ``runs/<run-id>/`` and first writes a lease,
``runs/<run-id>/lease.json`` (host, pid), which it rewrites after every part
and deletes when it is done. Clean-up runs only after a manifest is in place
and removes an object only when

* the current manifest does not name it, and
* its run is not alive: no lease, or a lease whose process is gone (same host:
  the pid no longer exists) or silent for :data:`LEASE_TTL` (another host).

The order makes this safe against concurrent exports: objects are listed
*before* leases and the manifest are read, and a run writes its lease before
its first part and writes its manifest before deleting its lease. So a listed
object whose lease is already gone belongs to a run that either crashed or
finished — and a finished run's manifest, if still current, is the one read
afterwards. A crash during clean-up leaves garbage the next run collects,
never a manifest naming a deleted object.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime, timedelta

from rating.export.manifest import MANIFEST, named_keys, parse_manifest
from rating.export.sinks import Sink, StoredObject, temp_owner

LEASE = "lease.json"
RUNS = "runs"
# A dataset's entry page (the HTML site's stable address, rating.export.site): written after
# the manifest and pointing into the run it names, so never garbage.
ENTRY = "index.html"
# How long a lease from another host counts as alive without a heartbeat. Runs rewrite it
# after every part, so only an upload of a single part slower than this could be misjudged.
LEASE_TTL = timedelta(hours=1)


def lease_bytes(run_id: str) -> bytes:
    """This process's lease: enough for another export to tell whether it is still running."""
    document = {"run_id": run_id, "host": socket.gethostname(), "pid": os.getpid()}
    return (json.dumps(document, sort_keys=True) + "\n").encode("utf-8")


def garbage(sink: Sink, prefix: str, own_run: str) -> list[str]:
    """Keys under ``prefix`` to delete, data before leases; nothing if the manifest is unreadable.

    ``own_run`` counts as finished: its parts stay only if the current manifest names them
    (a run that lost the race for the manifest removes its own objects).
    """
    listed = sink.list(prefix)
    now = datetime.now(UTC)
    live = {
        run
        for run, stored in _leases(listed, prefix).items()
        if run != own_run and _lease_alive(sink, stored, now)
    }
    current = sink.get(f"{prefix}/{MANIFEST}")
    try:
        keep = named_keys(parse_manifest(current), prefix) if current is not None else set()
    except ValueError:
        return []  # someone else's manifest we cannot read: better keep everything
    keep.update((f"{prefix}/{MANIFEST}", f"{prefix}/{ENTRY}"))
    doomed = [
        stored.key
        for stored in listed
        if stored.key not in keep
        and _run_of(stored.key, prefix) not in live
        and not _temp_alive(stored, now)
    ]
    return sorted(doomed, key=lambda key: (key.endswith(f"/{LEASE}"), key))


def _leases(listed: list[StoredObject], prefix: str) -> dict[str, StoredObject]:
    return {
        run: stored
        for stored in listed
        if stored.key.endswith(f"/{LEASE}") and (run := _run_of(stored.key, prefix))
    }


def _run_of(key: str, prefix: str) -> str | None:
    """``<prefix>/runs/<id>/…`` → ``<id>``; None for objects outside run directories."""
    parts = key.removeprefix(f"{prefix}/").split("/")
    return parts[1] if len(parts) > 2 and parts[0] == RUNS else None


def _lease_alive(sink: Sink, stored: StoredObject, now: datetime) -> bool:
    data = sink.get(stored.key)
    if data is None:
        return False  # finished since the listing: its manifest, if current, is read next
    try:
        lease = json.loads(data)
        return owner_alive(str(lease["host"]), int(lease["pid"]), stored.modified, now)
    except (ValueError, KeyError, TypeError):
        return now - stored.modified < LEASE_TTL  # unreadable: trust only its age


def _temp_alive(stored: StoredObject, now: datetime) -> bool:
    """A directory sink's temp file that a running process may still rename into place."""
    owner = temp_owner(stored.key.rsplit("/", 1)[-1])
    return owner is not None and owner_alive(*owner, stored.modified, now)


def owner_alive(host: str, pid: int, modified: datetime, now: datetime) -> bool:
    """On this host ask the kernel; for another host, trust a recent heartbeat."""
    if host != socket.gethostname():
        return now - modified < LEASE_TTL
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    return True
