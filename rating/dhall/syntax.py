"""The Dhall abstract syntax tree.

Nodes are small ``__slots__`` classes: attribute access is fast and memory is
low, which matters because catalogs produce large trees. Nodes are never
mutated after construction (record/union field dicts included), so subtrees
are shared freely between the parser, the evaluator and the type checker.
Structural equality (``==``) compares field by field; it is alpha-sensitive,
so compare alpha-normal forms to get judgmental equality.
"""

from __future__ import annotations

import math
import operator
import struct
from collections.abc import Callable, Iterator
from typing import Any

# Binary operator codes, as in binary.md (the CBOR label of `[3, op, l, r]`).
OR, AND, EQ, NE, PLUS, TIMES, TEXT_APPEND, LIST_APPEND = range(8)
COMBINE, PREFER, COMBINE_TYPES, IMPORT_ALT, EQUIVALENT, COMPLETION = range(8, 14)

OPERATOR_SYMBOLS = ("||", "&&", "==", "!=", "+", "*", "++", "#", "∧", "⫽", "⩓", "?", "≡", "::")

CONSTANTS = frozenset({"Type", "Kind", "Sort"})

BUILTINS = frozenset(
    {
        "Natural/fold",
        "Natural/build",
        "Natural/isZero",
        "Natural/even",
        "Natural/odd",
        "Natural/toInteger",
        "Natural/show",
        "Natural/subtract",
        "Integer/toDouble",
        "Integer/show",
        "Integer/negate",
        "Integer/clamp",
        "Double/show",
        "List/build",
        "List/fold",
        "List/length",
        "List/head",
        "List/last",
        "List/indexed",
        "List/reverse",
        "Text/show",
        "Text/replace",
        "Date/show",
        "Time/show",
        "TimeZone/show",
        "Bool",
        "Optional",
        "None",
        "Natural",
        "Integer",
        "Double",
        "Text",
        "Bytes",
        "Date",
        "Time",
        "TimeZone",
        "List",
    }
)


class Expr:
    """Base of every node; gives structural equality over the slots."""

    __slots__ = ()
    _arguments: Callable[[Expr], tuple[Any, ...]]
    """The constructor's arguments of a node (set per class from ``__init__``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        code = cls.__init__.__code__
        names = code.co_varnames[1 : code.co_argcount]
        getter = operator.attrgetter(*names)
        single = len(names) == 1  # then attrgetter returns the value, not a tuple
        cls._arguments = staticmethod((lambda node: (getter(node),)) if single else getter)

    def __reduce__(self) -> tuple[type[Expr], tuple[Any, ...]]:
        """Pickle as the constructor call: half the size and time of the default for
        ``__slots__`` objects (a state dict per node), and the per-file cache of
        a large catalog pickles hundreds of thousands of nodes."""
        return type(self), self._arguments(self)

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return False
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __hash__(self) -> int:
        return hash((type(self).__name__, *(_hashable(getattr(self, s)) for s in self.__slots__)))

    def __repr__(self) -> str:
        fields = ", ".join(repr(getattr(self, s)) for s in self.__slots__)
        return f"{type(self).__name__}({fields})"


def _hashable(value: Any) -> Any:
    return tuple(value.items()) if isinstance(value, dict) else value


def map_children(expr: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """A copy of ``expr`` with ``fn`` applied to each direct sub-expression.

    Generic over the node classes (it walks ``__slots__``), so passes that only
    care about a few node kinds, such as import resolution, need no case per node.
    """
    new = object.__new__(type(expr))
    for slot in expr.__slots__:
        setattr(new, slot, _map_value(getattr(expr, slot), fn))
    return new


def children(expr: Expr) -> Iterator[Expr]:
    """The direct sub-expressions of ``expr`` (generic, like :func:`map_children`)."""
    for slot in expr.__slots__:
        yield from _expressions(getattr(expr, slot))


def _expressions(value: Any) -> Iterator[Expr]:
    if isinstance(value, Expr):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _expressions(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _expressions(item)


def occurs(expr: Expr, name: str, index: int = 0) -> bool:
    """Whether the variable ``name@index`` occurs free in ``expr``."""
    if isinstance(expr, Var):
        return expr.name == name and expr.index == index
    inner = index + (getattr(expr, "name", None) == name)  # under a binder of the same name
    if isinstance(expr, Lam):
        return occurs(expr.domain, name, index) or occurs(expr.body, name, inner)
    if isinstance(expr, Pi):
        return occurs(expr.domain, name, index) or occurs(expr.codomain, name, inner)
    if isinstance(expr, Let):
        bound = (part for part in (expr.annot, expr.value) if part is not None)
        return any(occurs(part, name, index) for part in bound) or occurs(expr.body, name, inner)
    return any(occurs(child, name, index) for child in children(expr))


def _map_value(value: Any, fn: Callable[[Expr], Expr]) -> Any:
    if isinstance(value, Expr):
        return fn(value)
    if isinstance(value, tuple):
        return tuple(_map_value(item, fn) for item in value)
    if isinstance(value, dict):
        return {key: _map_value(item, fn) for key, item in value.items()}
    return value


class Var(Expr):
    """A variable reference ``name@index`` (index counts same-named binders)."""

    __slots__ = ("index", "name")

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self.index = index


class Const(Expr):
    """A universe: ``Type``, ``Kind`` or ``Sort``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Builtin(Expr):
    """A built-in type or function such as ``Natural`` or ``List/fold``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Lam(Expr):
    """``λ(name : domain) → body``."""

    __slots__ = ("body", "domain", "name")

    def __init__(self, name: str, domain: Expr, body: Expr) -> None:
        self.name = name
        self.domain = domain
        self.body = body


class Pi(Expr):
    """``∀(name : domain) → codomain``; ``A → B`` is ``Pi("_", A, B)``."""

    __slots__ = ("codomain", "domain", "name")

    def __init__(self, name: str, domain: Expr, codomain: Expr) -> None:
        self.name = name
        self.domain = domain
        self.codomain = codomain


class App(Expr):
    """Function application ``fn arg``."""

    __slots__ = ("arg", "fn")

    def __init__(self, fn: Expr, arg: Expr) -> None:
        self.fn = fn
        self.arg = arg


class Let(Expr):
    """``let name : annot = value in body`` (``annot`` may be ``None``)."""

    __slots__ = ("annot", "body", "name", "value")

    def __init__(self, name: str, annot: Expr | None, value: Expr, body: Expr) -> None:
        self.name = name
        self.annot = annot
        self.value = value
        self.body = body


class Annot(Expr):
    """``expr : annot``."""

    __slots__ = ("annot", "expr")

    def __init__(self, expr: Expr, annot: Expr) -> None:
        self.expr = expr
        self.annot = annot


class BoolLit(Expr):
    """``True`` or ``False``."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value


class If(Expr):
    """``if cond then then_ else else_``."""

    __slots__ = ("cond", "else_", "then")

    def __init__(self, cond: Expr, then: Expr, else_: Expr) -> None:
        self.cond = cond
        self.then = then
        self.else_ = else_


class NaturalLit(Expr):
    """A ``Natural`` literal (an unbounded non-negative int)."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value


class IntegerLit(Expr):
    """An ``Integer`` literal (always written with a sign)."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value


class DoubleLit(Expr):
    """A ``Double`` literal; equality is bitwise, so NaN == NaN and 0.0 != -0.0."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DoubleLit) and double_bits(self.value) == double_bits(other.value)

    def __hash__(self) -> int:
        return hash(double_bits(self.value))


def double_bits(value: float) -> bytes:
    """The identity of a Double as Dhall sees it (all NaNs are one value)."""
    return b"nan" if math.isnan(value) else struct.pack(">d", value)


class TextLit(Expr):
    """``"s0${e0}s1${e1}…suffix"``: ``chunks`` pairs each prefix with its expression."""

    __slots__ = ("chunks", "suffix")

    def __init__(self, chunks: tuple[tuple[str, Expr], ...], suffix: str) -> None:
        self.chunks = chunks
        self.suffix = suffix


class BytesLit(Expr):
    """``0x"…"``."""

    __slots__ = ("value",)

    def __init__(self, value: bytes) -> None:
        self.value = value


class DateLit(Expr):
    """``YYYY-MM-DD``."""

    __slots__ = ("day", "month", "year")

    def __init__(self, year: int, month: int, day: int) -> None:
        self.year = year
        self.month = month
        self.day = day


class TimeLit(Expr):
    """``hh:mm:ss[.fff]``: seconds kept exactly as ``seconds_scaled / 10**precision``."""

    __slots__ = ("hour", "minute", "precision", "seconds_scaled")

    def __init__(self, hour: int, minute: int, seconds_scaled: int, precision: int) -> None:
        self.hour = hour
        self.minute = minute
        self.seconds_scaled = seconds_scaled
        self.precision = precision


class TimeZoneLit(Expr):
    """``±HH:MM`` as a signed number of minutes."""

    __slots__ = ("minutes",)

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes


class EmptyList(Expr):
    """``[] : annot`` (the annotation is the whole type, usually ``List T``)."""

    __slots__ = ("annot",)

    def __init__(self, annot: Expr) -> None:
        self.annot = annot


class ListLit(Expr):
    """A non-empty list literal."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[Expr, ...]) -> None:
        self.items = items


class Some(Expr):
    """``Some expr``."""

    __slots__ = ("expr",)

    def __init__(self, expr: Expr) -> None:
        self.expr = expr


class Op(Expr):
    """A binary operator; ``op`` is one of the codes at the top of this module."""

    __slots__ = ("left", "op", "right")

    def __init__(self, op: int, left: Expr, right: Expr) -> None:
        self.op = op
        self.left = left
        self.right = right


class RecordType(Expr):
    """``{ k : T, … }``; ``fields`` maps labels to types."""

    __slots__ = ("fields",)

    def __init__(self, fields: dict[str, Expr]) -> None:
        self.fields = fields


class RecordLit(Expr):
    """``{ k = v, … }``; ``fields`` maps labels to values."""

    __slots__ = ("fields",)

    def __init__(self, fields: dict[str, Expr]) -> None:
        self.fields = fields


class Field(Expr):
    """``expr.name``."""

    __slots__ = ("expr", "name")

    def __init__(self, expr: Expr, name: str) -> None:
        self.expr = expr
        self.name = name


class Project(Expr):
    """``expr.{ a, b }``."""

    __slots__ = ("expr", "names")

    def __init__(self, expr: Expr, names: tuple[str, ...]) -> None:
        self.expr = expr
        self.names = names


class ProjectType(Expr):
    """``expr.(T)``."""

    __slots__ = ("annot", "expr")

    def __init__(self, expr: Expr, annot: Expr) -> None:
        self.expr = expr
        self.annot = annot


class UnionType(Expr):
    """``< A : T | B >``; ``alternatives`` maps labels to a type or ``None``."""

    __slots__ = ("alternatives",)

    def __init__(self, alternatives: dict[str, Expr | None]) -> None:
        self.alternatives = alternatives


class Merge(Expr):
    """``merge handlers union [: annot]``."""

    __slots__ = ("annot", "handlers", "union")

    def __init__(self, handlers: Expr, union: Expr, annot: Expr | None) -> None:
        self.handlers = handlers
        self.union = union
        self.annot = annot


class ToMap(Expr):
    """``toMap expr [: annot]``."""

    __slots__ = ("annot", "expr")

    def __init__(self, expr: Expr, annot: Expr | None) -> None:
        self.expr = expr
        self.annot = annot


class ShowConstructor(Expr):
    """``showConstructor expr``."""

    __slots__ = ("expr",)

    def __init__(self, expr: Expr) -> None:
        self.expr = expr


class Assert(Expr):
    """``assert : annot``."""

    __slots__ = ("annot",)

    def __init__(self, annot: Expr) -> None:
        self.annot = annot


class With(Expr):
    """``expr with a.b.c = value``; a ``None`` path step is ``?`` (into an Optional)."""

    __slots__ = ("expr", "path", "value")

    def __init__(self, expr: Expr, path: tuple[str | None, ...], value: Expr) -> None:
        self.expr = expr
        self.path = path
        self.value = value


# Import targets (the CBOR "scheme" codes of binary.md).
HTTP, HTTPS, ABSOLUTE, HERE, PARENT, HOME, ENV, MISSING = range(8)
# Import modes.
CODE, RAW_TEXT, LOCATION, RAW_BYTES = range(4)


class Import(Expr):
    """An unresolved import.

    ``kind`` is one of HTTP…MISSING; ``path`` holds the path components (or
    the variable name for ``env:``); ``authority``/``query``/``headers`` only
    matter for URLs. ``digest`` is the raw sha256 bytes of an integrity check.
    """

    __slots__ = ("authority", "digest", "headers", "kind", "mode", "path", "query")

    def __init__(
        self,
        kind: int,
        path: tuple[str, ...],
        mode: int = CODE,
        digest: bytes | None = None,
        authority: str | None = None,
        query: str | None = None,
        headers: Expr | None = None,
    ) -> None:
        self.kind = kind
        self.path = path
        self.mode = mode
        self.digest = digest
        self.authority = authority
        self.query = query
        self.headers = headers
