"""The import policy: what a catalog may read, decided before anything is evaluated.

A catalog is code its author hands to whoever runs ``ratecard``, often a CI
job holding credentials. Dhall imports could read that job's environment
(``env:AWS_SECRET_ACCESS_KEY as Text``), any file it can read
(``/etc/passwd as Text``) or fetch from the network, and the value can reach
a report. So by default a catalog and every file it imports may import only
files under the catalog's root directory and the bundled ``catalog/`` and
``traits/`` libraries; ``env:``, remote and outside-root imports need an
explicit opt-in (``--allow-import KIND``, ``RATECARD_ALLOW_IMPORT=KIND,…``).

Allowed remote imports are fetched here first, with a timeout, so that an
unreachable or hanging server becomes one line instead of an endless wait
(docs/security.md). They are requested with the headers the user configured
for their origin (``DHALL_HEADERS``, ``~/.config/dhall/headers.dhall``), as
the resolver requests them; an import with ``using`` headers (a Dhall
expression) is left to the resolver, which fetches it with the same timeout.
"""

from __future__ import annotations

import os
import re
import socket
import time
import urllib.error
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from rating.dhall import DhallError, Resolver
from rating.dhall import syntax as s
from rating.dhall.imports import Location
from rating.dhall.remote import Headers, RemoteResponse, configured_headers, origin
from rating.errors import RatecardError
from rating.library import catalog_dir, traits_dir
from rating.load.dhall import import_tokens, resolve_import
from rating.model import RemoteImport

ENV_VARIABLE = "RATECARD_ALLOW_IMPORT"
TIMEOUT_VARIABLE = "RATECARD_IMPORT_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
_MAX_REMOTE_BYTES = 16 * 1024 * 1024
_MAX_REMOTE_FILES = 100
_HASH = re.compile(r"\s+sha256:[0-9a-fA-F]{64}\b")
_RAW = re.compile(r"(?:\s+sha256:[0-9a-fA-F]{64})?\s+as\s+(?:Text|Bytes|Location)\b")
"""An import read as data, not code: its own text holds no imports to follow."""
_USING = re.compile(r"\s+using\b")
"""A remote import with ``using`` headers, which only the resolver can evaluate."""


class ImportKind(StrEnum):
    """What a user can opt in to; everything else outside the root is refused."""

    ENV = "env"
    REMOTE = "remote"
    OUTSIDE_ROOT = "outside-root"


_WHY = {
    ImportKind.ENV: "reads an environment variable",
    ImportKind.REMOTE: "fetches from the network",
    ImportKind.OUTSIDE_ROOT: "reads a file outside {owner} directory",
}


@dataclass(frozen=True)
class ImportPolicy:
    """The kinds of import allowed beyond the root and the libraries, and the fetch timeout."""

    allow: frozenset[ImportKind] = frozenset()
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_options(
        cls, options: Iterable[str], environ: Mapping[str, str] = os.environ
    ) -> ImportPolicy:
        """``--allow-import`` values plus ``RATECARD_ALLOW_IMPORT`` (comma-separated)."""
        names = [*options, *environ.get(ENV_VARIABLE, "").split(",")]
        kinds = set()
        for name in (n.strip() for n in names):
            if not name:
                continue
            try:
                kinds.add(ImportKind(name))
            except ValueError:
                known = ", ".join(kind.value for kind in ImportKind)
                raise RatecardError(
                    f"{ENV_VARIABLE}: unknown import kind {name!r} (one of {known})"
                ) from None
        return cls(frozenset(kinds), fetch_timeout(environ.get(TIMEOUT_VARIABLE)))


def fetch_timeout(text: str | None) -> float:
    """Seconds a remote fetch may take, from ``RATECARD_IMPORT_TIMEOUT``'s text (default 10)."""
    if not text:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 3600:
        raise RatecardError(f"{TIMEOUT_VARIABLE}={text!r}: expected seconds between 0 and 3600")
    return seconds


@dataclass(frozen=True)
class ImportScan:
    """What a catalog imports beyond local files; decides whether results may be cached."""

    remote: tuple[RemoteImport, ...] = ()
    uses_env: bool = False

    @property
    def cacheable(self) -> bool:
        """Values read from the environment or the network change without any file changing."""
        return not self.uses_env and not self.remote


def scan_imports(root_file: Path, policy: ImportPolicy, owner: str = "the catalog's") -> ImportScan:
    """Check every import reachable from ``root_file`` against ``policy``; fetch remote ones.

    Raises a one-line :class:`RatecardError` ``file:line:column: …`` for the
    first refused import, naming how to allow it. ``owner`` names whose
    directory the root is (``the catalog's``, ``the --traits file's``).
    """
    root_file = Path(os.path.abspath(root_file))
    trusted = (_real(root_file.parent), _real(catalog_dir()), _real(traits_dir()))
    pending, seen = [root_file], set()
    remote: list[RemoteImport] = []
    prefetched: list[tuple[str, str]] = []
    uses_env = False
    while pending:
        current = pending.pop()
        if current in seen or not current.is_file() or _inside(current, trusted[1:]):
            continue  # the libraries are ours; missing files are Dhall's to report
        seen.add(current)
        text = current.read_text(encoding="utf-8", errors="replace")
        for kind, token, offset in import_tokens(text):
            line, column = _position(text, offset)
            where = f"{current}:{line}:{column}"
            if kind == "env":
                _require(policy, ImportKind.ENV, token, where, owner)
                uses_env = True
            elif kind == "url":
                _require(policy, ImportKind.REMOTE, token, where, owner)
                pinned = _HASH.match(text, offset + len(token)) is not None
                remote.append(RemoteImport(token, str(current), line, column, pinned))
                if _USING.match(text, offset + len(token)) is None:
                    prefetched.append((token, where))
            else:
                target = resolve_import(token, current.parent)
                if not _inside(target, trusted):
                    _require(policy, ImportKind.OUTSIDE_ROOT, token, where, owner)
                elif _RAW.match(text, offset + len(token)) is None:
                    pending.append(target)
    if prefetched:
        _fetch_all(prefetched, policy.timeout)
    return ImportScan(tuple(remote), uses_env)


def _require(policy: ImportPolicy, kind: ImportKind, token: str, where: str, owner: str) -> None:
    if kind not in policy.allow:
        why = _WHY[kind].format(owner=owner)
        raise RatecardError(
            f"{where}: import {token} refused: it {why}; allow with "
            f"--allow-import {kind} or {ENV_VARIABLE}={kind}"
        )


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, directories: Iterable[Path]) -> bool:
    """Whether ``path`` (symlinks resolved) lies in one of ``directories``."""
    real = _real(path)
    return any(real.is_relative_to(directory) for directory in directories)


# ---------------------------------------------------------------- remote imports


def _fetch_all(imports: list[tuple[str, str]], timeout: float) -> None:
    """Fetch each ``(url, where it is imported)`` and the remote files it imports.

    Each fetch must finish within ``timeout``; a remote file's own imports
    with ``using`` headers are left to the resolver, like the catalog's.
    """
    pending = list(imports)
    config: s.Expr | None = None  # the origin header configuration, read at the first fetch
    fetched: set[str] = set()
    while pending:
        url, where = pending.pop()
        if url in fetched:
            continue
        if len(fetched) >= _MAX_REMOTE_FILES:
            raise RatecardError(f"{where}: more than {_MAX_REMOTE_FILES} remote imports")
        fetched.add(url)
        if config is None:
            config = _origin_config(where)
        text = fetch(url, where, timeout, configured_headers(config, _origin(url)))
        for kind, token, offset in import_tokens(text):
            # Dhall lets a remote file import only remote files (relative ones resolve
            # against its URL); ``env:`` and absolute paths are refused by Dhall itself.
            if _USING.match(text, offset + len(token)) is not None:
                continue
            if kind == "url":
                pending.append((token, where))
            elif kind == "path" and not token.startswith(("/", "~")):
                pending.append((urllib.parse.urljoin(url, token), where))


def _origin_config(where: str) -> s.Expr:
    """The user's origin header configuration, normalized, as the resolver reads it."""
    try:
        return Resolver().origin_config()
    except DhallError as error:
        raise RatecardError(f"{where}: {error}") from None


def _origin(url: str) -> str:
    """The origin (``host:port``) of ``url``, the key of the origin header configuration."""
    parts = urllib.parse.urlsplit(url)
    return origin(Location(s.HTTPS if parts.scheme == "https" else s.HTTP, (), parts.netloc))


def fetch(url: str, where: str, timeout: float, headers: Headers = ()) -> str:
    """The text at ``url``, or a one-line error; the whole fetch must finish in ``timeout``."""
    return fetch_response(url, where, timeout, headers).data.decode("utf-8", errors="replace")


def fetch_response(url: str, where: str, timeout: float, headers: Headers = ()) -> RemoteResponse:
    """The body and response headers at ``url``, requested with ``headers``; see :func:`fetch`."""
    import urllib.request  # here: HTTP and TLS cost every command 12 ms to import

    deadline = time.monotonic() + timeout
    chunks, size = [], 0
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            while chunk := response.read(65536):
                size += len(chunk)
                if size > _MAX_REMOTE_BYTES:
                    raise RatecardError(f"{where}: cannot fetch {url}: larger than 16 MiB")
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
            received = tuple(response.headers.items())
    except urllib.error.HTTPError as error:
        raise RatecardError(f"{where}: cannot fetch {url}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        if isinstance(reason, TimeoutError | socket.timeout):
            reason = f"no answer within {timeout:g} s (set {TIMEOUT_VARIABLE} to wait longer)"
        elif isinstance(reason, OSError):
            reason = reason.strerror or type(reason).__name__
        raise RatecardError(f"{where}: cannot fetch {url}: {reason}") from None
    return RemoteResponse(b"".join(chunks), received)
