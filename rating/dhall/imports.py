"""Import resolution (standard/imports.md): files, environment variables, URLs.

Resolution replaces every import by the type-checked, beta-normalized
expression it points to. Locations are chained onto the importing file and
canonicalized, cycles are rejected, ``?`` falls back only on *absent*
imports, and ``sha256:`` integrity checks are verified (and served from the
standard cache directory when present). Remote (http/https) imports are
fetched only through the resolver's ``fetch_remote``, so the caller decides
whether the network is reached at all; without it they fail as absent
imports. Fetched, they follow the standard: ``using`` headers (forwarded to
relative imports of the same file), the user's origin header configuration
(``DHALL_HEADERS``), the referential sanity check and CORS
(:mod:`rating.dhall.remote`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from rating.dhall import syntax as s
from rating.dhall.binary import decode, encode
from rating.dhall.errors import DhallError, DhallImportError, DhallMissingImport, DhallTypeError
from rating.dhall.normalize import alpha_beta_normalize, normalize, normalize_import
from rating.dhall.parser import parse_bytes
from rating.dhall.remote import (
    CONFIG_TYPE,
    HEADERS_VARIABLE,
    Headers,
    RemoteResponse,
    configured_headers,
    cors_compliant,
    header_pairs,
    merge,
    origin,
)
from rating.dhall.typecheck import Known, infer

_LOCAL = (s.HERE, s.PARENT, s.HOME, s.ABSOLUTE)
_REMOTE = (s.HTTP, s.HTTPS)
_LEAVES = frozenset(
    {s.Var, s.Const, s.Builtin, s.BoolLit, s.NaturalLit, s.IntegerLit, s.DoubleLit, s.BytesLit}
    | {s.DateLit, s.TimeLit, s.TimeZoneLit}
)
"""Node classes without sub-expressions: resolution returns them as they are, uncopied
(they are half the nodes of a catalog)."""
_LOCATION_TYPE = s.UnionType(
    {
        "Environment": s.Builtin("Text"),
        "Local": s.Builtin("Text"),
        "Missing": None,
        "Remote": s.Builtin("Text"),
    }
)


class Location(NamedTuple):
    """A canonical import location; ``path`` is the components including the file."""

    kind: int
    path: tuple[str, ...]
    authority: str | None = None
    query: str | None = None

    def render(self) -> str:
        """The text that ``as Location`` yields for this location."""
        path = "/".join(self.path)
        if self.kind == s.HERE:
            return path if self.path[:1] == ("..",) else "./" + path
        if self.kind == s.ABSOLUTE:
            return "/" + path
        if self.kind == s.HOME:
            return "~/" + path
        if self.kind in _REMOTE:
            scheme = "https" if self.kind == s.HTTPS else "http"
            query = "" if self.query is None else "?" + self.query
            return f"{scheme}://{self.authority}/{path}{query}"
        return path


def file_location(path: Path) -> Location:
    """The location of a file given by an absolute filesystem path."""
    return Location(s.ABSOLUTE, Path(path).resolve().parts[1:])


def _canonical(path: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for component in path:
        if component == ".":
            continue
        if component == ".." and out and out[-1] != "..":
            out.pop()
        else:
            out.append(component)
    return tuple(out)


def check(expr: s.Expr, location: Location, known: Known | None = None) -> s.Expr:
    """The type of the resolved expression read from ``location``; a failure names it.

    ``known`` holds the imports already checked (:attr:`Resolver.types`).
    """
    try:
        return infer(expr, known=known)
    except DhallTypeError as error:
        if error.source is None:  # set by the innermost file: its expression failed
            error.source = location
        raise


def chain(parent: Location, target: s.Import) -> Location:
    """``parent </> import``: where ``target`` points when imported from ``parent``."""
    kind, path = target.kind, target.path
    if kind == s.PARENT:
        kind, path = s.HERE, ("..", *path)
    if kind == s.HERE and (parent.kind in _LOCAL or parent.kind in _REMOTE):
        joined = _canonical((*parent.path[:-1], *path))
        return Location(parent.kind, joined, parent.authority, None)
    if kind in _REMOTE:
        return Location(kind, _canonical(path), target.authority, target.query)
    return Location(kind, _canonical(path))


def location_value(location: Location) -> s.Expr:
    """The ``as Location`` value: a constructor of the location union type."""
    if location.kind == s.MISSING:
        return s.Field(_LOCATION_TYPE, "Missing")
    if location.kind == s.ENV:
        alternative = "Environment"
    elif location.kind in _REMOTE:
        alternative = "Remote"
    else:
        alternative = "Local"
    return s.App(s.Field(_LOCATION_TYPE, alternative), s.TextLit((), location.render()))


class Resolver:
    """Resolves imports against a filesystem, an environment and a cache.

    ``root`` anchors relative locations that have no file to be relative to
    (the top-level expression's ``./`` imports when it was not read from a
    file); ``home`` replaces ``~``; ``cache_dir`` holds ``1220<hash>`` files,
    which are only read when ``update_cache`` is false; ``fetch_remote``
    fetches a URL with the given request headers (without it, remote imports
    are absent: the caller decides how, and whether, the network is
    reached). Every input is explicit so tests and callers need not touch
    ``os.environ``; ``env`` also holds ``DHALL_HEADERS`` and
    ``XDG_CONFIG_HOME``, read on the first remote import.
    """

    def __init__(
        self,
        root: Path | None = None,
        env: Mapping[str, str] | None = None,
        home: Path | None = None,
        cache_dir: Path | None = None,
        update_cache: bool = True,
        fetch_remote: Callable[[str, Headers], RemoteResponse] | None = None,
    ) -> None:
        self.root = Path.cwd() if root is None else root
        self.env = os.environ if env is None else env
        self.home = Path.home() if home is None else home
        if cache_dir is None:
            xdg = self.env.get("XDG_CACHE_HOME")
            cache_dir = Path(xdg) / "dhall" if xdg else self.home / ".cache" / "dhall"
        self.cache_dir = cache_dir
        self.update_cache = update_cache
        self.fetch_remote = fetch_remote
        self.resolved: dict[tuple[Location, int], s.Expr] = {}
        self.types: Known = {}
        """The type of each expression loaded as code, for the importer's check."""
        self.sent: dict[Location, Headers] = {}
        """The ``using`` headers of each remote location, which its relative imports reuse."""
        self.bodies: dict[Location, bytes] = {}
        self._origin_config: s.Expr | None = None
        self._loading_config = False

    def resolve(self, expr: s.Expr, here: Location, ancestors: tuple[Location, ...] = ()) -> s.Expr:
        """``expr`` with all imports replaced; ``here`` is where ``expr`` came from."""
        if type(expr) in _LEAVES or (type(expr) is s.TextLit and not expr.chunks):
            return expr
        if type(expr) is s.Import:
            return self.import_(expr, here, (*ancestors, here))
        if type(expr) is s.Op and expr.op == s.IMPORT_ALT:
            try:
                return self.resolve(expr.left, here, ancestors)
            except DhallMissingImport:
                return self.resolve(expr.right, here, ancestors)
        return s.map_children(expr, lambda child: self.resolve(child, here, ancestors))

    def import_(
        self, target: s.Import, parent: Location, ancestors: tuple[Location, ...]
    ) -> s.Expr:
        location = chain(parent, target)
        if target.mode == s.LOCATION:
            return location_value(location)
        key = (location, target.mode)
        try:
            if key in self.resolved:  # the same import twice in one run means one value
                result = self.resolved[key]
            else:
                cached = None if target.digest is None else self.from_cache(target.digest)
                if cached is not None:
                    return cached
                if location in ancestors:
                    raise DhallImportError(f"import cycle through {location.render()}")
                if parent.kind in _REMOTE and location.kind not in (*_REMOTE, s.MISSING):
                    raise DhallImportError(f"a remote import cannot import {location.render()}")
                if location.kind in _REMOTE:
                    self.fetch_checked(target, parent, location, ancestors[:-1])
                result = self.resolved[key] = self.load(location, target.mode, ancestors)
            if target.digest is not None:
                self.check_integrity(result, target.digest, location)
        except DhallImportError as error:
            if error.importer is None:  # the innermost import that failed is the one to show
                error.importer, error.target = parent, location
            raise
        return result

    def load(self, location: Location, mode: int, ancestors: tuple[Location, ...]) -> s.Expr:
        data = self.fetch(location)
        name = location.render()
        if mode == s.RAW_BYTES:
            return s.BytesLit(data)
        if mode == s.RAW_TEXT:
            try:
                return s.TextLit((), data.decode("utf-8"))
            except UnicodeDecodeError:
                raise DhallImportError(f"{name} is not UTF-8 text") from None
        expr = self.resolve(parse_bytes(data, name), location, ancestors)
        type_ = check(expr, location, self.types)
        result = normalize_import(expr)
        self.types[id(result)] = (result, type_)
        return result

    def fetch(self, location: Location) -> bytes:
        """The raw bytes at a location; an absent resource raises ``DhallMissingImport``."""
        if location.kind == s.MISSING:
            raise DhallMissingImport("missing")
        if location.kind == s.ENV:
            value = self.env.get(location.path[0])
            if value is None:
                raise DhallMissingImport(f"environment variable {location.path[0]} is not set")
            return value.encode("utf-8")
        if location.kind in _REMOTE:
            if location not in self.bodies:
                self.bodies[location] = self.request(location).data
            return self.bodies[location]
        base = {s.HERE: self.root, s.HOME: self.home, s.ABSOLUTE: Path("/")}[location.kind]
        path = base.joinpath(*location.path)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise DhallMissingImport(f"no such file: {location.render()}") from None
        except OSError as error:
            raise DhallImportError(f"cannot read {location.render()}: {error}") from None

    def fetch_checked(
        self,
        target: s.Import,
        parent: Location,
        location: Location,
        ancestors: tuple[Location, ...],
    ) -> None:
        """Fetch the remote ``location`` that ``parent`` imports, and check CORS.

        ``target.headers`` are resolved as part of ``parent`` (``ancestors``
        are its own) and checked in an empty context; a relative import of a
        remote file reuses that file's headers.
        """
        if target.headers is not None:
            expr = self.resolve(target.headers, parent, ancestors)
            headers = header_pairs(normalize(expr), check(expr, parent), location.render())
        elif target.kind in (s.HERE, s.PARENT):
            headers = self.sent.get(parent, ())
        else:
            headers = ()
        self.sent.setdefault(location, headers)
        response = self.request(location)
        if not cors_compliant(parent, location, response.headers):
            raise DhallImportError(
                f"{location.render()} does not allow imports from {parent.render()} "
                "(CORS: no matching Access-Control-Allow-Origin header)"
            )
        self.bodies[location] = response.data

    def request(self, location: Location) -> RemoteResponse:
        """Fetch a remote location with its headers and the user's configured ones."""
        if self.fetch_remote is None:
            raise DhallMissingImport(f"remote imports are not enabled: {location.render()}")
        if self._loading_config:
            raise DhallImportError(
                f"the origin header configuration cannot import {location.render()}: "
                "fetching it would need that configuration (an import cycle)"
            )
        configured = configured_headers(self.origin_config(), origin(location))
        return self.fetch_remote(location.render(), merge(self.sent.get(location, ()), configured))

    def origin_config(self) -> s.Expr:
        """The user's origin header configuration, normalized (an empty list if none).

        ``DHALL_HEADERS`` holds it as Dhall text; otherwise
        ``$XDG_CONFIG_HOME/dhall/headers.dhall`` or ``~/.config/dhall/headers.dhall``.
        """
        if self._origin_config is None:
            self._loading_config = True
            try:
                self._origin_config = self._read_origin_config()
            finally:
                self._loading_config = False
        return self._origin_config

    def _read_origin_config(self) -> s.Expr:
        text = self.env.get(HEADERS_VARIABLE)
        if text is not None:
            here, data = Location(s.ENV, (HEADERS_VARIABLE,)), text.encode("utf-8")
        else:
            xdg = self.env.get("XDG_CONFIG_HOME")
            config = Path(xdg) if xdg else self.home / ".config"
            here = Location(s.ABSOLUTE, (config / "dhall" / "headers.dhall").absolute().parts[1:])
            try:
                data = Path("/", *here.path).read_bytes()
            except FileNotFoundError:
                return s.ListLit(())
            except OSError as error:
                raise DhallImportError(f"cannot read {here.render()}: {error}") from None
        expr = self.resolve(parse_bytes(data, here.render()), here)
        if check(expr, here, self.types) != CONFIG_TYPE:
            raise DhallImportError(
                f"{here.render()}: the origin header configuration must be a "
                "List { mapKey : Text, mapValue : List { mapKey : Text, mapValue : Text } }"
            )
        return normalize(expr)

    def from_cache(self, digest: bytes) -> s.Expr | None:
        """A cached expression for ``digest``; a cache entry with a wrong hash is ignored."""
        try:
            data = (self.cache_dir / ("1220" + digest.hex())).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).digest() != digest:
            return None
        try:
            return decode(data)
        except DhallError:
            return None

    def check_integrity(self, expr: s.Expr, digest: bytes, location: Location) -> None:
        data = encode(alpha_beta_normalize(expr))
        if hashlib.sha256(data).digest() != digest:
            raise DhallImportError(f"integrity check failed for {location.render()}")
        if not self.update_cache:
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            (self.cache_dir / ("1220" + digest.hex())).write_bytes(data)
        except OSError:
            pass  # caching is best effort: an unwritable cache only costs speed
