"""Read values back into syntax (the "quote" half of normalization-by-evaluation).

Bound variables are values carrying their binder's depth (a de Bruijn
level); reading back turns levels into Dhall's named indices, or, in alpha
mode, renames every binder to ``_``, which yields the alpha-normal form
directly. Judgmental equality is equality of alpha-normal read-backs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rating.dhall import syntax as s
from rating.dhall.values import (
    Val,
    Value,
    VBuiltin,
    VEmptyList,
    VFree,
    VLam,
    VList,
    VPi,
    VRecordLit,
    VRecordType,
    VSome,
    VStuck,
    VText,
    VUnionType,
    VVar,
)

# Depth used when comparing values whose free levels are below it: any bound
# that exceeds every level in use gives the same answer, so no caller has to
# track its depth just to compare.
_COMPARE_DEPTH = 1 << 40


class Quoter:
    """Reads values back under a stack of binder names (one per level)."""

    def __init__(self, names: list[str], alpha: bool, base: int = 0) -> None:
        self.names = names
        self.alpha = alpha
        self.base = base
        self.shared: dict[int, tuple[Val, s.Expr]] = {}

    def depth(self) -> int:
        return self.base + len(self.names)

    def quote(self, v: Val) -> s.Expr:
        """``v`` read back; outside any binder of this read-back, each value object once.

        A value shared by many places (the library's ``Product`` type in every
        product's empty lists and ``None``s, a ``let``-bound seller) reads back
        to one shared syntax tree (syntax is never mutated): a catalog's normal
        form stays as small as its value graph, and so does its pickle.
        Under a binder the read-back depends on the binder names, so it is
        not shared.
        """
        if not isinstance(v, Value):
            return v
        if self.names:
            return self.read_back(v)
        hit = self.shared.get(id(v))
        if hit is None:
            hit = self.shared[id(v)] = (v, self.read_back(v))  # v kept alive: its id stays unique
        return hit[1]

    def read_back(self, v: Value) -> s.Expr:
        kind = type(v)
        if kind is VVar:
            return self.var(v)
        if kind is VStuck:
            return v.node(*(self.part(p) for p in v.parts))
        if kind is VBuiltin:
            expr: s.Expr = _builtin_syntax(v.name)
            for arg in v.args:
                expr = s.App(expr, self.quote(arg))
            return expr
        if kind is VLam or kind is VPi:
            name = "_" if self.alpha else v.name
            domain = self.quote(v.domain)
            body = v.body if kind is VLam else v.codomain
            self.names.append(v.name)
            try:
                inner = self.quote(body.apply(VVar(v.name, self.depth() - 1)))
            finally:
                self.names.pop()
            return (s.Lam if kind is VLam else s.Pi)(name, domain, inner)
        if kind is VText:
            return s.TextLit(tuple((p, self.quote(e)) for p, e in v.chunks), v.suffix)
        if kind is VList:
            return s.ListLit(tuple(self.quote(item) for item in v.items))
        if kind is VRecordLit:
            return s.RecordLit({k: self.quote(x) for k, x in v.fields.items()})
        if kind is VRecordType:
            return s.RecordType({k: self.quote(x) for k, x in v.fields.items()})
        if kind is VUnionType:
            return s.UnionType(
                {k: None if x is None else self.quote(x) for k, x in v.alternatives.items()}
            )
        if kind is VEmptyList:
            return s.EmptyList(self.quote(v.annot))
        if kind is VSome:
            return s.Some(self.quote(v.value))
        if kind is VFree:
            return self.free(v)
        raise AssertionError(f"cannot quote {v!r}")

    def part(self, part: object) -> object:
        if isinstance(part, Value | s.Expr):
            return self.quote(part)
        return part

    def var(self, v: VVar) -> s.Var:
        position = v.level - self.base
        if self.alpha:
            return s.Var("_", self.depth() - v.level - 1)
        names = self.names
        index = 0
        for i in range(len(names) - 1, position, -1):
            if names[i] == v.name:
                index += 1
        return s.Var(v.name, index)

    def free(self, v: VFree) -> s.Var:
        if self.alpha:
            shift = self.depth() if v.name == "_" else 0
        else:
            shift = sum(1 for name in self.names if name == v.name)
        return s.Var(v.name, v.index + shift)


_BUILTIN_SYNTAX: dict[str, s.Builtin] = {}


def _builtin_syntax(name: str) -> s.Builtin:
    """One shared ``Builtin`` node per name (syntax is never mutated)."""
    node = _BUILTIN_SYNTAX.get(name)
    if node is None:
        node = _BUILTIN_SYNTAX[name] = s.Builtin(name)
    return node


def quote(value: Val, names: list[str] | None = None) -> s.Expr:
    """Read a value back under binders ``names`` (outermost first)."""
    return Quoter(list(names or []), alpha=False).quote(value)


def quote_alpha(value: Val, depth: int = 0) -> s.Expr:
    """Read a value back in alpha-normal form under ``depth`` binders."""
    return Quoter([], alpha=True, base=depth).quote(value)


def conv(a: Val, b: Val) -> bool:
    """Judgmental equality: same alpha-beta-normal form.

    Compared structurally where the two values are first-order data of the
    same kind (record and union types, builtins, lists, records, variables):
    a catalog checks every product against the same large record type, and
    reading both back in full each time was most of its type checking.
    Anything else (functions, stuck forms, differing kinds) is read back and
    compared as before, so the answer is the read-back's.
    """
    if a is b:
        return True
    kind = type(a)
    if kind is type(b):
        same = _STRUCTURAL.get(kind)
        if same is not None:
            return same(a, b)
    if not (isinstance(a, Value) or isinstance(b, Value)):
        return a == b  # syntax (constants, literals) reads back as itself
    return quote_alpha(a, _COMPARE_DEPTH) == quote_alpha(b, _COMPARE_DEPTH)


def _same_fields(a: dict[str, Val | None], b: dict[str, Val | None]) -> bool:
    """Same labels (normal forms sort them: order is irrelevant) and convertible values."""
    if a.keys() != b.keys():
        return False
    for key, value in a.items():
        other = b[key]
        if value is None or other is None:
            if value is not other:
                return False
        elif not conv(value, other):
            return False
    return True


def _same_items(a: tuple[Val, ...], b: tuple[Val, ...]) -> bool:
    return len(a) == len(b) and all(conv(x, y) for x, y in zip(a, b, strict=True))


_STRUCTURAL: dict[type, Callable[[Any, Any], bool]] = {
    VRecordType: lambda a, b: _same_fields(a.fields, b.fields),
    VRecordLit: lambda a, b: _same_fields(a.fields, b.fields),
    VUnionType: lambda a, b: _same_fields(a.alternatives, b.alternatives),
    VBuiltin: lambda a, b: a.name == b.name and _same_items(a.args, b.args),
    VList: lambda a, b: _same_items(a.items, b.items),
    VEmptyList: lambda a, b: conv(a.annot, b.annot),
    VSome: lambda a, b: conv(a.value, b.value),
    VVar: lambda a, b: a.level == b.level,
}
"""Per value class, equality of read-backs computed without reading back: each
reads back to one syntax class whose children are its parts' read-backs."""
