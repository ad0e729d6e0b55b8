"""Where ratecard keeps what it can recompute: evaluated catalogs, parsed units."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$RATECARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/ratecard``, else ``~/.cache/ratecard``."""
    explicit = os.environ.get("RATECARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ratecard"
