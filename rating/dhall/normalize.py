"""Beta- and alpha-normalization by evaluation.

``evaluate`` maps syntax to values (``values``) under an environment of
bound values; ``quote`` reads them back. ``normalize`` is the composition,
``alpha_beta_normalize`` reads back with every binder renamed to ``_``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from rating.dhall import syntax as s
from rating.dhall.builtins import builtin
from rating.dhall.errors import DhallError
from rating.dhall.operators import (
    field_value,
    if_value,
    merge_value,
    op_value,
    project_value,
    show_constructor_value,
    text_value,
    to_map_value,
    with_value,
)
from rating.dhall.quote import quote, quote_alpha
from rating.dhall.values import (
    Val,
    VEmptyList,
    VFree,
    VLam,
    VList,
    VPi,
    VRecordLit,
    VRecordType,
    VSome,
    VStuck,
    VUnionType,
    apply,
)

# An environment is a linked list of (name, value, rest) tuples, innermost first.
Env = tuple[str, Val, Any] | None


def extend(env: Env, name: str, value: Val) -> Env:
    return (name, value, env)


def lookup(env: Env, name: str, index: int) -> Val:
    """The value of ``name@index``; unbound variables stay symbolic."""
    while env is not None:
        if env[0] == name:
            if index == 0:
                return env[1]
            index -= 1
        env = env[2]
    return VFree(name, index)


class Closure:
    """A function body: syntax plus the environment it was defined in."""

    __slots__ = ("body", "env", "name")

    def __init__(self, env: Env, name: str, body: s.Expr) -> None:
        self.env = env
        self.name = name
        self.body = body

    def apply(self, arg: Val) -> Val:
        return evaluate(self.body, (self.name, arg, self.env))


def evaluate(expr: s.Expr, env: Env = None) -> Val:
    """The value of ``expr`` in ``env`` (assumes imports are resolved)."""
    return _EVAL[type(expr)](expr, env)


_IMPORTED: ContextVar[dict[int, list[Any]] | None] = ContextVar("imported", default=None)
"""``id(normal form)`` → ``[normal form, its value or None]`` of the imports seen in
the current :func:`sharing_imports` block (the normal form kept alive: its id stays unique)."""


@contextlib.contextmanager
def sharing_imports() -> Iterator[None]:
    """Within this block, evaluate each imported record or list once.

    A resolved import is its normal form, embedded in every importer: the
    library in each product file, each product file's products in the root.
    That normal form is closed, so its value does not depend on where it is
    embedded: the value computed while normalizing the import (or at the
    first evaluation) serves every importer. Records and lists only: those
    are what catalogs import, and only their rules pay for the look-up.
    """
    token = _IMPORTED.set({})
    try:
        yield
    finally:
        _IMPORTED.reset(token)


def remember_import(expr: s.Expr, value: Val | None = None) -> None:
    """Mark ``expr`` as an import's closed normal form, with its value if known."""
    shared = _IMPORTED.get()
    if shared is not None and type(expr) in (s.ListLit, s.RecordLit):
        shared[id(expr)] = [expr, value]


def _once_if_imported(rule: Callable[[Any, Env], Val]) -> Callable[[Any, Env], Val]:
    """``rule``, except that an imported normal form is evaluated only once."""

    def evaluate_shared(e: s.Expr, env: Env) -> Val:
        shared = _IMPORTED.get()
        entry = None if shared is None else shared.get(id(e))
        if entry is None:
            return rule(e, env)
        if entry[1] is None:
            entry[1] = rule(e, env)
        return entry[1]

    return evaluate_shared


def _literal(e: s.Expr, env: Env) -> Val:
    return e


def _let(e: s.Let, env: Env) -> Val:
    # Iterate over chains of lets so long let-blocks do not nest Python frames.
    while type(e) is s.Let:
        env = (e.name, evaluate(e.value, env), env)
        e = e.body
    return evaluate(e, env)


def _app(e: s.App, env: Env) -> Val:
    return apply(evaluate(e.fn, env), evaluate(e.arg, env))


def _text(e: s.TextLit, env: Env) -> Val:
    return text_value(((p, evaluate(x, env)) for p, x in e.chunks), e.suffix)


def _fields(fields: dict[str, s.Expr], env: Env) -> dict[str, Val]:
    return {k: evaluate(v, env) for k, v in fields.items()}


def _optional(e: s.Expr | None, env: Env) -> Val | None:
    return None if e is None else evaluate(e, env)


def _project_type(e: s.ProjectType, env: Env) -> Val:
    annot = evaluate(e.annot, env)
    if type(annot) is not VRecordType:
        raise DhallError("projection by a type that is not a record type")
    return project_value(evaluate(e.expr, env), annot.fields)


def _import(e: s.Import, env: Env) -> Val:
    raise DhallError("cannot evaluate an unresolved import")


_EVAL: dict[type, Callable[[Any, Env], Val]] = {
    s.Var: lambda e, env: lookup(env, e.name, e.index),
    s.Const: _literal,
    s.Builtin: lambda e, env: builtin(e.name),
    s.BoolLit: _literal,
    s.NaturalLit: _literal,
    s.IntegerLit: _literal,
    s.DoubleLit: _literal,
    s.BytesLit: _literal,
    s.DateLit: _literal,
    s.TimeLit: _literal,
    s.TimeZoneLit: _literal,
    s.Lam: lambda e, env: VLam(e.name, evaluate(e.domain, env), Closure(env, e.name, e.body)),
    s.Pi: lambda e, env: VPi(e.name, evaluate(e.domain, env), Closure(env, e.name, e.codomain)),
    s.App: _app,
    s.Let: _let,
    s.Annot: lambda e, env: evaluate(e.expr, env),
    s.If: lambda e, env: if_value(
        evaluate(e.cond, env), evaluate(e.then, env), evaluate(e.else_, env)
    ),
    s.TextLit: _text,
    s.EmptyList: lambda e, env: VEmptyList(evaluate(e.annot, env)),
    s.ListLit: _once_if_imported(lambda e, env: VList(tuple(evaluate(x, env) for x in e.items))),
    s.Some: lambda e, env: VSome(evaluate(e.expr, env)),
    s.Op: lambda e, env: op_value(e.op, evaluate(e.left, env), evaluate(e.right, env)),
    s.RecordType: lambda e, env: VRecordType(_fields(e.fields, env)),
    s.RecordLit: _once_if_imported(lambda e, env: VRecordLit(_fields(e.fields, env))),
    s.UnionType: lambda e, env: VUnionType(
        {k: _optional(v, env) for k, v in e.alternatives.items()}
    ),
    s.Field: lambda e, env: field_value(evaluate(e.expr, env), e.name),
    s.Project: lambda e, env: project_value(evaluate(e.expr, env), e.names),
    s.ProjectType: _project_type,
    s.Merge: lambda e, env: merge_value(
        evaluate(e.handlers, env), evaluate(e.union, env), _optional(e.annot, env)
    ),
    s.ToMap: lambda e, env: to_map_value(evaluate(e.expr, env), _optional(e.annot, env)),
    s.ShowConstructor: lambda e, env: show_constructor_value(evaluate(e.expr, env)),
    s.Assert: lambda e, env: VStuck(s.Assert, evaluate(e.annot, env)),
    s.With: lambda e, env: with_value(evaluate(e.expr, env), e.path, evaluate(e.value, env)),
    s.Import: _import,
}


def normalize(expr: s.Expr) -> s.Expr:
    """The beta-normal form of a closed (import-free) expression."""
    try:
        return quote(evaluate(expr))
    except RecursionError:
        raise DhallError("expression nested too deeply to normalize") from None


def normalize_import(expr: s.Expr) -> s.Expr:
    """:func:`normalize` of a resolved import, remembering its value (:func:`sharing_imports`)."""
    value = evaluate_closed(expr)
    try:
        result = quote(value)
    except RecursionError:
        raise DhallError("expression nested too deeply to normalize") from None
    remember_import(result, value)
    return result


def evaluate_closed(expr: s.Expr) -> Val:
    """The value of a closed (import-free) expression: :func:`normalize` without the read-back."""
    try:
        return evaluate(expr)
    except RecursionError:
        raise DhallError("expression nested too deeply to normalize") from None


def alpha_beta_normalize(expr: s.Expr) -> s.Expr:
    """The alpha-beta-normal form, as hashed by the semantic hash."""
    try:
        return quote_alpha(evaluate(expr))
    except RecursionError:
        raise DhallError("expression nested too deeply to normalize") from None
