"""Rules on what the catalog imports from outside its files (docs/security.md)."""

from __future__ import annotations

from rating.check.findings import Collector
from rating.model import Catalog


def check_remote_imports(catalog: Catalog, out: Collector) -> None:
    """A remote import without ``sha256:`` can change under the catalog between two runs."""
    for remote in catalog.remote_imports:
        if not remote.pinned:
            out.warning(
                "unpinned-remote-import",
                f"remote import {remote.url} has no sha256: integrity hash; its content "
                "can change without the catalog changing (add sha256:<hash of its normal form>)",
                source=f"{remote.file}:{remote.line}",
            )
