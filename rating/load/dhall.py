"""Evaluate Dhall files: cached by content, with ``file:line:column`` errors.

The evaluator is our own ``rating.dhall`` (:mod:`rating.load.native`); the
``dhall`` PyPI binding it replaced is only a test dependency now, compared
value for value in tests/test_dhall_differential.py.

Evaluating a large catalog takes seconds, so results are cached as JSON under
a key made of the path and content of every file the expression imports
(local imports are found by scanning the text, recursively). Editing any
imported file, including the ``catalog/`` and ``traits/`` libraries, misses;
each imported file is also cached on its own (:mod:`rating.load.native`), so
an edit evaluates the edited file and the root again, not the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from rating.cache import private_cache_dir, write_private
from rating.errors import RatecardError

CACHE_FORMAT = "2"

# Text that can hide an import (comments, text literals) is matched first and
# skipped; the ``path``, ``env`` and ``url`` groups are imports. A path must
# start a token: ``//`` (record merge) and ``/\`` never match because a
# component is non-empty. ``skip`` swallows runs that cannot start any token
# (an ``e`` or ``h`` only inside a word: ``env:``/``http`` start one; a ``.``,
# ``-`` or ``{`` that starts no path or comment) and text literals, which
# keeps scanning fast: a product file is a few matches, not one per field.
_TOKENS = re.compile(
    r"""
    (?P<skip>(?:[^-{'"./~eh]+|\B[eh]|"(?:\\.|[^"\\])*"|\.(?![./])|-(?!-)|\{(?!-))+)
    | (?P<block>\{-.*?-\})
    | (?P<line>--[^\n]*)
    | (?P<env>(?<![\w-])env:(?:[A-Za-z_]\w*|"(?:\\.|[^"\\])*"))
    | (?P<url>(?<![\w-])https?://[^\s()\[\]{},]+)
    | (?P<path>(?<![\w.~/"-])(?:\.\.?|~)?(?:/(?:"[^"\n]*"|[^\s/\\()\[\]{},"\#]+))+)
    | (?P<multi>''.*?'')
    | (?P<text>"(?:\\.|[^"\\])*")
    """,
    re.VERBOSE | re.DOTALL,
)
IMPORT_KINDS = ("path", "env", "url")


@lru_cache(maxsize=512)
def import_tokens(text: str) -> tuple[tuple[str, str, int], ...]:
    """``(kind, token, offset)`` for every import written in ``text``.

    ``kind`` is ``path`` (local file), ``env`` (``env:NAME``) or ``url``
    (``http(s)://…``); suffixes such as ``sha256:…`` or ``as Text`` are not
    part of the token. Remembered by text: one load scans each file for the
    import policy, the catalog's cache key and each imported file's cache
    key, and scanning a large product file costs more than hashing it.
    """
    return tuple(
        (match.lastgroup, match.group(), match.start())
        for match in _TOKENS.finditer(text)
        if match.lastgroup in IMPORT_KINDS
    )


def import_paths(text: str) -> Iterator[tuple[str, int]]:
    """Yield each local import path literally written in ``text`` with its offset."""
    for kind, token, offset in import_tokens(text):
        if kind == "path":
            yield token, offset


def resolve_import(token: str, base_dir: Path) -> Path:
    """The file an import token such as ``../catalog/package.dhall`` refers to."""
    raw = token.replace('"', "")
    if raw.startswith("~/"):
        return Path(raw).expanduser()
    return Path(os.path.normpath(base_dir / raw))


def imported_files(path: Path, scanned: dict[Path, list[Path]] | None = None) -> tuple[Path, ...]:
    """``path`` and every existing local file it imports, recursively, in discovery order.

    ``scanned`` remembers each file's own imports across calls made for one
    evaluation (50 product files share the library: scan it once, not 50 times).
    """
    scanned = {} if scanned is None else scanned
    seen: dict[Path, None] = {}
    pending = [Path(os.path.abspath(path))]
    while pending:
        current = pending.pop()
        if current in seen or not current.is_file():
            continue
        seen[current] = None
        if current not in scanned:
            text = current.read_text(encoding="utf-8", errors="replace")
            scanned[current] = [resolve_import(t, current.parent) for t, _ in import_paths(text)]
        pending.extend(reversed(scanned[current]))
    return tuple(seen)


@cache
def _evaluator_version() -> str:
    """What the cache key holds of the evaluator: a hash of our Dhall code.

    A fix in ``rating.dhall`` can change a value, so it must miss every value
    cached before.
    """
    package = Path(__file__).resolve().parent.parent / "dhall"
    digest = hashlib.sha256()
    for module in [*sorted(package.glob("*.py")), Path(__file__).with_name("native.py")]:
        digest.update(module.read_bytes())
    return f"native-{digest.hexdigest()}"


def _native() -> ModuleType:
    """:mod:`rating.load.native`, imported on first use: it needs the import policy module,
    which imports this one."""
    from rating.load import native

    return native


def content_key(files: tuple[Path, ...]) -> str:
    """sha256 hex over the path and bytes of every file (the cache key, the catalog version)."""
    digest = hashlib.sha256(f"ratecard-dhall-{CACHE_FORMAT}-{_evaluator_version()}\0".encode())
    for file in sorted(files):
        digest.update(str(file).encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def evaluate(path: Path) -> Any:
    """Evaluate the Dhall file at ``path`` into plain Python data, cached by content."""
    return evaluate_tracked(path)[0]


def evaluate_tracked(path: Path, *, cache: bool = True) -> tuple[Any, tuple[Path, ...]]:
    """Like :func:`evaluate`, also returning every local file the expression imports.

    ``cache=False`` is for expressions reading the environment or the network:
    their value can change while no file does, and must not be written to
    disk, so nothing is read from or written to the cache.
    """
    path = Path(os.path.abspath(path))
    if not path.is_file():
        raise RatecardError(f"{path}: no such file")
    files = imported_files(path)
    if not cache:
        return _native().evaluate_file(path, cache=False), files
    key = content_key(files)
    cached = _read_cache(key)
    if cached is not None:
        return cached["value"], files
    value = _native().evaluate_file(path, cache=True)
    _write_cache(key, {"value": value})
    return value, files


def evaluate_text(text: str, base_dir: Path) -> Any:
    """Evaluate a Dhall expression whose relative imports resolve against ``base_dir``.

    Needed to select a field such as ``(./server.dhall).schema``: a whole
    ``{ Type, schema }`` file holds a type, which has no Python value.
    """
    return _native().evaluate_text(text, base_dir)


def _read_cache(key: str) -> dict[str, Any] | None:
    try:
        with (private_cache_dir() / f"{key}.json").open(encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _write_cache(key: str, payload: dict[str, Any]) -> None:
    """Best effort: an unwritable cache only costs speed, never correctness."""
    try:
        data = json.dumps(payload, separators=(",", ":")).encode()
        write_private(private_cache_dir() / f"{key}.json", data)
    except OSError:
        return
