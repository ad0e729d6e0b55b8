"""Evaluate Dhall files with the ``dhall`` binding (0.1.15).

Minimal first version: evaluation relative to the file's directory.
To be extended with a content-addressed cache and readable error messages.
"""

from pathlib import Path
from typing import Any

import dhall

from rating.errors import RatecardError


def evaluate(path: Path) -> Any:
    """Evaluate the Dhall file at ``path`` into plain Python data."""
    try:
        with path.open() as source:
            return dhall.load(source)
    except FileNotFoundError as missing:
        raise RatecardError(f"{path}: no such file") from missing
    except TypeError as failure:
        raise RatecardError(f"{path}: Dhall error: {failure}") from failure
