"""Semantic values for normalization-by-evaluation.

Evaluation turns an AST into these values in one pass: functions become
closures, so beta-reduction is a Python call instead of a substitution over
the tree, and normalization stays linear for ordinary programs. Literals
without sub-expressions (``NaturalLit``, ``Const``, ``DateLit``…) are their
own values and are shared with the AST. Reading values back to syntax is in
``quote``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from rating.dhall import syntax as s


class Value:
    """Base of the non-literal values."""

    __slots__ = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({fields})"


# Anything evaluation produces: a Value or a literal AST node.
Val = Any


class Body(Protocol):
    """The body of a function value: applying it binds its variable."""

    def apply(self, arg: Val) -> Val: ...


class VLam(Value):
    """A function ``λ(name : domain) → body``."""

    __slots__ = ("body", "domain", "name")

    def __init__(self, name: str, domain: Val, body: Body) -> None:
        self.name = name
        self.domain = domain
        self.body = body


class VPi(Value):
    """A function type ``∀(name : domain) → codomain``."""

    __slots__ = ("codomain", "domain", "name")

    def __init__(self, name: str, domain: Val, codomain: Body) -> None:
        self.name = name
        self.domain = domain
        self.codomain = codomain


class HostBody:
    """A function body computed by Python (used by builtins and the type checker)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Val], Val]) -> None:
        self.fn = fn

    def apply(self, arg: Val) -> Val:
        return self.fn(arg)


class Constant:
    """A function body that ignores its argument (a non-dependent arrow)."""

    __slots__ = ("value",)

    def __init__(self, value: Val) -> None:
        self.value = value

    def apply(self, arg: Val) -> Val:
        return self.value


class VVar(Value):
    """A bound variable under evaluation; ``level`` counts binders from the outside."""

    __slots__ = ("level", "name")

    def __init__(self, name: str, level: int) -> None:
        self.name = name
        self.level = level


class VFree(Value):
    """A variable not bound anywhere in the evaluated expression."""

    __slots__ = ("index", "name")

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self.index = index


BuiltinRule = tuple[int, Callable[[tuple[Val, ...]], Val | None]]


class VBuiltin(Value):
    """A builtin applied to ``args``; ``rule`` reduces it once ``arity`` args are there."""

    __slots__ = ("args", "name", "rule")

    def __init__(self, name: str, args: tuple[Val, ...], rule: BuiltinRule | None) -> None:
        self.name = name
        self.args = args
        self.rule = rule


class VStuck(Value):
    """A form that cannot reduce further: the AST class and its evaluated parts.

    Parts that are values are read back by ``quote``; other parts (labels,
    operator codes, ``None``) are kept as they are.
    """

    __slots__ = ("node", "parts")

    def __init__(self, node: type[s.Expr], *parts: Any) -> None:
        self.node = node
        self.parts = parts


class VText(Value):
    """A text literal whose interpolations are values."""

    __slots__ = ("chunks", "suffix")

    def __init__(self, chunks: tuple[tuple[str, Val], ...], suffix: str) -> None:
        self.chunks = chunks
        self.suffix = suffix


class VList(Value):
    """A non-empty list literal."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[Val, ...]) -> None:
        self.items = items


class VEmptyList(Value):
    """``[] : annot``."""

    __slots__ = ("annot",)

    def __init__(self, annot: Val) -> None:
        self.annot = annot


class VSome(Value):
    """``Some value``."""

    __slots__ = ("value",)

    def __init__(self, value: Val) -> None:
        self.value = value


class VRecordType(Value):
    """``{ k : T, … }``."""

    __slots__ = ("fields",)

    def __init__(self, fields: dict[str, Val]) -> None:
        self.fields = fields


class VRecordLit(Value):
    """``{ k = v, … }``."""

    __slots__ = ("fields",)

    def __init__(self, fields: dict[str, Val]) -> None:
        self.fields = fields


class VUnionType(Value):
    """``< A : T | B >``."""

    __slots__ = ("alternatives",)

    def __init__(self, alternatives: dict[str, Val | None]) -> None:
        self.alternatives = alternatives


def apply(fn: Val, arg: Val) -> Val:
    """Beta-reduce ``fn arg`` where possible; otherwise build a stuck application."""
    kind = type(fn)
    if kind is VLam:
        return fn.body.apply(arg)
    if kind is VBuiltin:
        args = (*fn.args, arg)
        rule = fn.rule
        if rule is not None and len(args) == rule[0]:
            result = rule[1](args)
            if result is not None:
                return result
        if rule is not None and len(args) > rule[0]:
            return VStuck(s.App, fn, arg)
        return VBuiltin(fn.name, args, rule)
    return VStuck(s.App, fn, arg)


def is_union_constructor(value: Val) -> bool:
    """``< … >.x``: the normal form of a union alternative's constructor."""
    return type(value) is VStuck and value.node is s.Field and type(value.parts[0]) is VUnionType


def text(value: str) -> VText:
    """A plain text value."""
    return VText((), value)


def plain_text(value: Val) -> str | None:
    """The string of a text value without interpolations, else ``None``."""
    if type(value) is VText and not value.chunks:
        return value.suffix
    return None
