"""Evaluate Dhall files with the ``dhall`` binding (0.1.15).

Minimal first version: evaluation relative to the file's directory.
To be extended with a content-addressed cache and readable error messages.
"""

import os
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


def evaluate_text(text: str, base_dir: Path) -> Any:
    """Evaluate a Dhall expression whose relative imports resolve against ``base_dir``.

    Needed to select a field such as ``(./server.dhall).schema``: the binding
    cannot return Dhall types, so whole ``{ Type, schema }`` files are never
    evaluated directly.
    """
    previous = os.getcwd()
    try:
        os.chdir(base_dir)
        return dhall.loads(text)
    except TypeError as failure:
        raise RatecardError(f"{base_dir}: Dhall error in {text!r}: {failure}") from failure
    finally:
        os.chdir(previous)
