"""Place a Dhall failure in its source: which file, which line and column.

Syntax nodes carry no positions, so the fast path of loading records none.
When loading fails, the resolver has noted which file failed (a type error's
``source``, an import error's ``importer``); only that file is parsed again,
recording where each expression starts (:func:`parser.parse_with_offsets`),
its imports are taken from the resolver's memo, and the check is repeated to
find the innermost expression at fault. An error costs one more parse and
check of one file; success costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rating.dhall import syntax as s
from rating.dhall.errors import DhallError, DhallImportError, DhallParseError, DhallTypeError
from rating.dhall.imports import Location, Resolver, chain
from rating.dhall.parser import parse_with_offsets
from rating.dhall.typecheck import infer


@dataclass(frozen=True)
class Place:
    """Where a failure is: ``source`` (a file name), 1-based ``line`` and ``column``
    when known, and ``message`` (one line, starting with the kind of failure)."""

    source: str
    line: int | None
    column: int | None
    message: str


def locate(error: DhallError, resolver: Resolver, texts: dict[Location, str], root: str) -> Place:
    """The place of ``error``, raised while ``resolver`` loaded the file named ``root``.

    ``texts`` holds the source of locations that are not files (an expression
    given as text).
    """
    if isinstance(error, DhallParseError):
        return Place(error.source_name, error.line, error.column, f"parse error: {error.reason}")
    if isinstance(error, DhallTypeError) and error.source is not None:
        offset = _type_error_offset(error.source, resolver, texts)
        return _placed(error.source, offset, f"type error: {error}", resolver, texts)
    if isinstance(error, DhallImportError) and error.importer and error.target:
        offset, written = _import_offset(error.importer, error.target, resolver, texts)
        return _placed(error.importer, offset, f"cannot import {written}: {error}", resolver, texts)
    kind = "type error" if isinstance(error, DhallTypeError) else "Dhall error"
    return Place(root, None, None, f"{kind}: {error}")


def _text(location: Location, resolver: Resolver, texts: dict[Location, str]) -> str:
    if location in texts:
        return texts[location]
    return resolver.fetch(location).decode("utf-8", errors="replace")


def _placed(
    location: Location,
    offset: int | None,
    message: str,
    resolver: Resolver,
    texts: dict[Location, str],
) -> Place:
    name = location.render()
    if offset is None:
        return Place(name, None, None, message)
    text = _text(location, resolver, texts)
    line = text.count("\n", 0, offset) + 1
    return Place(name, line, offset - (text.rfind("\n", 0, offset) + 1) + 1, message)


def _type_error_offset(
    location: Location, resolver: Resolver, texts: dict[Location, str]
) -> int | None:
    """Check the file at ``location`` again, with offsets: where its error is."""
    try:
        expr, offsets = parse_with_offsets(_text(location, resolver, texts), location.render())
        resolved = _OffsetKeepingResolver(resolver, offsets).resolve(expr, location)
        infer(resolved, offsets, resolver.types)
    except DhallTypeError as again:
        return again.offset
    except DhallError:
        return None
    return None


def _import_offset(
    importer: Location, target: Location, resolver: Resolver, texts: dict[Location, str]
) -> tuple[int | None, str]:
    """Where ``importer`` writes its first import of ``target``, and how it is written."""
    try:
        _, offsets = parse_with_offsets(_text(importer, resolver, texts), importer.render())
    except DhallError:
        return None, target.render()
    imports = sorted(
        (offset, node)
        for node, offset in offsets.values()
        if type(node) is s.Import and chain(importer, node) == target
    )
    if not imports:
        return None, target.render()
    offset, node = imports[0]
    return offset, _written(node)


def _written(node: s.Import) -> str:
    """An import's target as written (``./x.dhall``, ``../y.dhall``, ``env:NAME``)."""
    if node.kind == s.ENV:
        return f"env:{node.path[0]}"
    if node.kind == s.PARENT:
        return Location(s.HERE, ("..", *node.path)).render()
    return Location(node.kind, node.path, node.authority, node.query).render()


class _OffsetKeepingResolver(Resolver):
    """Resolves with another resolver's memo, giving each rebuilt node its original offset."""

    def __init__(self, memo: Resolver, offsets: dict[int, tuple[s.Expr, int]]) -> None:
        super().__init__(
            memo.root,
            memo.env,
            memo.home,
            memo.cache_dir,
            update_cache=False,
            fetch_remote=memo.fetch_remote,
        )
        self.resolved = memo.resolved
        self.offsets = offsets

    def resolve(self, expr: s.Expr, here: Location, ancestors: tuple[Location, ...] = ()) -> s.Expr:
        result = super().resolve(expr, here, ancestors)
        if result is not expr and id(expr) in self.offsets:
            self.offsets.setdefault(id(result), (result, self.offsets[id(expr)][1]))
        return result
