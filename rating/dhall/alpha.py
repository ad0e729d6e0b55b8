"""Syntactic alpha-normalization (standard/alpha-normalization.md).

Renames every bound variable to ``_`` and fixes the indices, without
evaluating anything. Normal forms are alpha-normalized during read-back
(``quote.quote_alpha``) instead; this pass is for expressions that must keep
their redexes, such as an expression shown to a user or compared verbatim.
"""

from __future__ import annotations

from rating.dhall import syntax as s


def alpha_normalize(expr: s.Expr) -> s.Expr:
    """``expr`` with all binders named ``_``."""
    return _alpha(expr, [])


def _alpha(expr: s.Expr, scope: list[str]) -> s.Expr:
    """``scope`` holds the names of the enclosing binders, outermost first."""
    kind = type(expr)
    if kind is s.Var:
        return _variable(expr, scope)
    if kind is s.Lam or kind is s.Pi:
        domain = _alpha(expr.domain, scope)
        body = _under(expr.name, expr.body if kind is s.Lam else expr.codomain, scope)
        return kind("_", domain, body)
    if kind is s.Let:
        annot = None if expr.annot is None else _alpha(expr.annot, scope)
        return s.Let("_", annot, _alpha(expr.value, scope), _under(expr.name, expr.body, scope))
    return s.map_children(expr, lambda child: _alpha(child, scope))


def _under(name: str, body: s.Expr, scope: list[str]) -> s.Expr:
    scope.append(name)
    try:
        return _alpha(body, scope)
    finally:
        scope.pop()


def _variable(var: s.Var, scope: list[str]) -> s.Var:
    index = var.index
    for position in range(len(scope) - 1, -1, -1):
        if scope[position] == var.name:
            if index == 0:
                return s.Var("_", len(scope) - 1 - position)
            index -= 1
    # Free: its index now skips only the binders that are named `_` after renaming.
    return s.Var(var.name, index + len(scope) if var.name == "_" else index)
