"""Evaluate Dhall with ``rating.dhall``, our own evaluator: values and errors as the loader needs.

Called by :mod:`rating.load.dhall`, which caches the root's value. Values are
the shapes the ``dhall`` binding returned before it was replaced
(:func:`rating.dhall.to_python.value_to_python`; tests/test_dhall_differential.py
compares the two), so nothing downstream changed; a failure is one
``file:line:column: what`` line plus the source line (:mod:`rating.dhall.locate`
finds the place).

What may be imported is decided before evaluation by the import policy
(:mod:`rating.load.imports`); here remote imports are fetched with the
policy's timeout, like the policy's own pre-fetch, and the resolver applies
the standard's rules to them (headers, CORS, :mod:`rating.dhall.remote`).

Every local file imported as code is cached on its own: its normal form and
type, pickled (the private cache already holds pickled models; our CBOR
decoder is slower), keyed like the loader's cache by the content of the
files it imports (:class:`_CachingResolver`). Editing one product file of a
large catalog evaluates that file and the root again, not the other files.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rating.cache import private_cache_dir, write_private
from rating.dhall import DhallError, Resolver, parse
from rating.dhall import syntax as s
from rating.dhall.builtins import fold_budget
from rating.dhall.imports import Location, check
from rating.dhall.locate import locate
from rating.dhall.normalize import evaluate_closed, remember_import, sharing_imports
from rating.dhall.remote import Headers, RemoteResponse
from rating.dhall.to_python import value_to_python
from rating.errors import RatecardError
from rating.library import catalog_dir, traits_dir
from rating.load.dhall import content_key, imported_files
from rating.load.imports import TIMEOUT_VARIABLE, fetch_response, fetch_timeout
from rating.load.located import located
from rating.load.prefetch import helping

EXPRESSION = "<expression>"
# Natural/fold steps one evaluation may take: ample for catalogs (a Prelude
# List/replicate or Natural/enumerate of thousands), a few seconds of work.
FOLD_STEPS = 2_000_000
"""The file name an expression given as text is reported under (in its base directory)."""


def evaluate_file(path: Path, cache: bool) -> Any:
    """The value of the Dhall file at the absolute ``path``.

    ``cache=False`` (an expression reading the environment or the network)
    neither reads nor writes cached imports.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as failure:
        raise RatecardError(f"{path}: not UTF-8 text ({failure.reason})") from None
    if not cache:
        return _evaluate(text, _location(path), _resolver(path.parent, cache=False))
    resolver = _caching_resolver(path.parent)
    imported_files(path, resolver.scanned)
    with helping(path.parent, resolver.scanned.get(path, []), resolver.pending):
        return _evaluate(text, _location(path), resolver)


def prefetch(root_dir: Path, files: list[Path]) -> None:
    """Evaluate and cache ``files`` in order until one is cached already.

    The helper process's side of :mod:`rating.load.prefetch`: it stops where
    it meets the loader, and leaves any failure to the loader to report.
    """
    resolver = _caching_resolver(root_dir)
    with without_cycle_collection(), sharing_imports():
        for file in files:
            if not resolver.pending(file):
                return
            with contextlib.suppress(Exception):
                resolver.load(_location(file), s.CODE, ())


def evaluate_text(text: str, base_dir: Path) -> Any:
    """The value of the expression ``text``, whose relative imports resolve against ``base_dir``."""
    location = _location(Path(os.path.abspath(base_dir)) / EXPRESSION)
    return _evaluate(text, location, _resolver(base_dir, cache=False))


def _resolver(base_dir: Path, cache: bool) -> Resolver:
    if not cache:
        return Resolver(root=base_dir, fetch_remote=_fetch_remote)
    return _caching_resolver(base_dir)


def _caching_resolver(base_dir: Path) -> _CachingResolver:
    trusted = (base_dir, catalog_dir(), traits_dir())
    return _CachingResolver(trusted, root=base_dir, fetch_remote=_fetch_remote)


def _location(path: Path) -> Location:
    """An absolute location without resolving symbolic links: errors name the path as given."""
    return Location(s.ABSOLUTE, path.parts[1:])


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector for one evaluation (or one catalog's conversion).

    Evaluating a catalog allocates millions of small, acyclic objects (syntax,
    values, closures); each allocation burst triggers collections that walk
    all of them again, about 40 % of the time of a 1,600-product list.
    Converting the value into the model does the same on a smaller scale.
    Reference counting frees them as usual; any cycles are collected once the
    collector is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _evaluate(text: str, location: Location, resolver: Resolver) -> Any:
    with without_cycle_collection(), sharing_imports(), fold_budget(FOLD_STEPS):
        return _evaluate_collected(text, location, resolver)


def _evaluate_collected(text: str, location: Location, resolver: Resolver) -> Any:
    try:
        expr = resolver.resolve(parse(text, location.render()), location)
        check(expr, location, resolver.types)
        return value_to_python(evaluate_closed(expr))
    except DhallError as error:
        place = locate(error, resolver, {location: text}, location.render())
        source = text if place.source == location.render() else None
        if place.line is None or place.column is None:
            raise RatecardError(f"{place.source}: {place.message}") from None
        file = Path(place.source)
        raise RatecardError(
            located(file, place.line, place.column, place.message, source)
        ) from None
    except RecursionError:
        raise RatecardError(f"{location.render()}: expression nested too deeply") from None
    except MemoryError:  # Text or lists doubled many times over
        raise RatecardError(f"{location.render()}: evaluation ran out of memory") from None


def _fetch_remote(url: str, headers: Headers) -> RemoteResponse:
    """A remote import allowed by the policy, fetched within its timeout."""
    timeout = fetch_timeout(os.environ.get(TIMEOUT_VARIABLE))
    return fetch_response(url, url, timeout, headers)


class _CachingResolver(Resolver):
    """A resolver that caches each local file's normal form, keyed by content.

    The key covers the file and every file it imports (the loader's
    :func:`content_key`), so an edit anywhere below a file misses. A
    missing or unreadable entry is evaluated again. Only files under the
    ``trusted`` directories (the root's and the libraries) are cached: a file
    outside, read only because the user allowed it, may hold anything (a
    secret) and is never written to disk.
    """

    def __init__(self, trusted: tuple[Path, ...], **options: Any) -> None:
        super().__init__(**options)
        self.trusted = tuple(Path(os.path.realpath(directory)) for directory in trusted)
        self.scanned: dict[Path, list[Path]] = {}

    def load(self, location: Location, mode: int, ancestors: tuple[Location, ...]) -> s.Expr:
        path = Path("/", *location.path)
        if mode != s.CODE or location.kind != s.ABSOLUTE or not self._is_trusted(path):
            return super().load(location, mode, ancestors)
        entry = self.entry(path)
        try:
            expr, type_ = pickle.loads(entry.read_bytes())
        except (
            OSError,
            pickle.PickleError,
            EOFError,
            AttributeError,
            ImportError,
            TypeError,
            ValueError,
        ):
            expr = super().load(location, mode, ancestors)
            with contextlib.suppress(OSError):  # an unwritable cache only costs speed
                write_private(entry, pickle.dumps(self.types[id(expr)], pickle.HIGHEST_PROTOCOL))
            return expr
        self.types[id(expr)] = (expr, type_)
        remember_import(expr)
        return expr

    def entry(self, path: Path) -> Path:
        """The cache file of the file at ``path``, named by the content it depends on."""
        key = content_key(imported_files(path, self.scanned))
        return private_cache_dir() / f"native-{key}.pickle"

    def pending(self, path: Path) -> bool:
        """Whether the file at ``path`` is cacheable and not cached (yet)."""
        return self._is_trusted(path) and not self.entry(path).exists()

    def _is_trusted(self, path: Path) -> bool:
        real = Path(os.path.realpath(path))
        return any(real.is_relative_to(directory) for directory in self.trusted)
