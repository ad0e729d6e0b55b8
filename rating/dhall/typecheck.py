"""Type inference (standard/type-inference.md), on top of the evaluator.

Types are inferred as values, so checking an application evaluates the
function type's codomain with the argument instead of substituting into
syntax, and type equivalence is a comparison of alpha-normal read-backs.
The context carries, for every binder, its name, its type and its value
(a fresh variable for λ/∀, the bound value for ``let``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from rating.dhall import syntax as s
from rating.dhall.builtins import builtin
from rating.dhall.errors import DhallTypeError
from rating.dhall.normalize import Closure, Env, evaluate, extend
from rating.dhall.parser import parse
from rating.dhall.pretty import mismatch
from rating.dhall.quote import Quoter, conv
from rating.dhall.values import (
    Constant,
    Val,
    VBuiltin,
    VPi,
    VRecordType,
    VStuck,
    VUnionType,
    VVar,
)

TYPE, KIND, SORT = s.Const("Type"), s.Const("Kind"), s.Const("Sort")
_RANK = {"Type": 0, "Kind": 1, "Sort": 2}
_FOLD_BODY = "∀(cons : a → list → list) → ∀(nil : list) → list"
_NATURAL_FOLD_BODY = "∀(natural : Type) → ∀(succ : natural → natural) → ∀(zero : natural) → natural"
_BUILTIN_TYPES = {
    "Natural/build": f"({_NATURAL_FOLD_BODY}) → Natural",
    "Natural/fold": f"Natural → {_NATURAL_FOLD_BODY}",
    "Natural/isZero": "Natural → Bool",
    "Natural/even": "Natural → Bool",
    "Natural/odd": "Natural → Bool",
    "Natural/toInteger": "Natural → Integer",
    "Natural/show": "Natural → Text",
    "Natural/subtract": "Natural → Natural → Natural",
    "Integer/toDouble": "Integer → Double",
    "Integer/show": "Integer → Text",
    "Integer/negate": "Integer → Integer",
    "Integer/clamp": "Integer → Natural",
    "Double/show": "Double → Text",
    "List/build": f"∀(a : Type) → (∀(list : Type) → {_FOLD_BODY}) → List a",
    "List/fold": f"∀(a : Type) → List a → ∀(list : Type) → {_FOLD_BODY}",
    "List/length": "∀(a : Type) → List a → Natural",
    "List/head": "∀(a : Type) → List a → Optional a",
    "List/last": "∀(a : Type) → List a → Optional a",
    "List/indexed": "∀(a : Type) → List a → List { index : Natural, value : a }",
    "List/reverse": "∀(a : Type) → List a → List a",
    "Text/show": "Text → Text",
    "Text/replace": "∀(needle : Text) → ∀(replacement : Text) → ∀(haystack : Text) → Text",
    "Date/show": "Date → Text",
    "Time/show": "Time → Text",
    "TimeZone/show": "TimeZone → Text",
    "List": "Type → Type",
    "Optional": "Type → Type",
    "None": "∀(A : Type) → Optional A",
}
_TYPE_BUILTINS = ("Bool", "Natural", "Integer", "Double", "Text", "Bytes", "Date", "Time")


@cache
def builtin_type(name: str) -> Val:
    """The type of a builtin, written in Dhall above and evaluated once."""
    if name in _TYPE_BUILTINS or name == "TimeZone":
        return TYPE
    return evaluate(parse(_BUILTIN_TYPES[name], "<builtin types>"))


def _in_type(value: Val) -> bool:
    """Whether a well-typed type value is certainly of type ``Type``, without reading it back.

    ``False`` means only "not known": the caller then infers the universe.
    """
    kind = type(value)
    if kind is VBuiltin:
        if not value.args:
            return value.name in _TYPE_BUILTINS or value.name == "TimeZone"
        return value.name in ("List", "Optional") and len(value.args) == 1
    if kind is VRecordType:
        return all(_in_type(field) for field in value.fields.values())
    if kind is VUnionType:
        return all(item is None or _in_type(item) for item in value.alternatives.values())
    return False


def _max_const(a: s.Const, b: s.Const) -> s.Const:
    return a if _RANK[a.name] >= _RANK[b.name] else b


class Context:
    """The typing context: per binder its name, its type and its value."""

    __slots__ = ("env", "names", "types")

    def __init__(self, names: tuple[str, ...] = (), types: tuple[Val, ...] = (), env: Env = None):
        self.names = names
        self.types = types
        self.env = env

    def bind(self, name: str, type_: Val) -> Context:
        """Enter a λ or ∀: the variable stands for itself."""
        variable = VVar(name, len(self.names))
        return Context((*self.names, name), (*self.types, type_), extend(self.env, name, variable))

    def define(self, name: str, type_: Val, value: Val) -> Context:
        """Enter a ``let``: the variable stands for its value."""
        return Context((*self.names, name), (*self.types, type_), extend(self.env, name, value))

    def fresh(self, name: str) -> VVar:
        return VVar(name, len(self.names))

    def eval(self, expr: s.Expr) -> Val:
        return evaluate(expr, self.env)

    def quote(self, value: Val) -> s.Expr:
        return Quoter(list(self.names), alpha=False).quote(value)


def fail(message: str) -> DhallTypeError:
    return DhallTypeError(message)


Known = dict[int, tuple[s.Expr, s.Expr]]
"""``id(expr)`` → ``(expr, its type)`` for closed expressions already checked
(resolved imports): a large imported list is not checked again by each importer."""


class _Checker:
    """Infers types; one method per syntax class, dispatched by ``infer``."""

    def __init__(self, known: Known) -> None:
        self.known = known
        self.known_values: dict[int, Val] = {}
        self.constant_codomains: dict[int, tuple[Closure, Val | None]] = {}
        """Per function type's codomain: its value if it ignores the argument, else None."""

    def infer(self, ctx: Context, expr: s.Expr) -> Val:
        if self.known and id(expr) in self.known:
            return self.known_type(expr)
        return _RULES[type(expr)](self, ctx, expr)

    def known_type(self, expr: s.Expr) -> Val:
        """The type of a known closed expression, evaluated once (closed: valid in any context)."""
        key = id(expr)
        if key not in self.known_values:
            self.known_values[key] = evaluate(self.known[key][1])
        return self.known_values[key]

    def const_of(self, ctx: Context, expr: s.Expr, what: str) -> s.Const:
        """The universe of a type expression; it is an error if ``expr`` is not a type."""
        kind = self.infer(ctx, expr)
        if type(kind) is not s.Const:
            raise fail(f"{what} is not a type")
        return kind

    def const_of_value(self, ctx: Context, value: Val, what: str) -> s.Const:
        """The universe of a type given as a value (one inferred, so well-typed).

        Types made of builtins, records and unions are in ``Type`` when their
        parts are (:func:`_in_type`), which needs no read-back: record literals
        ask this for every field of every product of a catalog.
        """
        if _in_type(value):
            return TYPE
        return self.const_of(ctx, ctx.quote(value), what)

    def check(self, ctx: Context, expr: s.Expr, expected: Val, what: str) -> None:
        found = self.infer(ctx, expr)
        if not conv(found, expected):
            difference = mismatch(ctx.quote(found), ctx.quote(expected))
            raise fail(f"{what} has the wrong type: {difference}")

    def expect_type(self, ctx: Context, expr: s.Expr, name: str, what: str) -> Val:
        """Infer ``expr`` and require it to be the builtin type ``name``."""
        found = self.infer(ctx, expr)
        if not (type(found) is VBuiltin and found.name == name and not found.args):
            raise fail(f"{what} must be a {name}")
        return found

    # -- variables, functions, let ----------------------------------------

    def var(self, ctx: Context, e: s.Var) -> Val:
        index = e.index
        for position in range(len(ctx.names) - 1, -1, -1):
            if ctx.names[position] == e.name:
                if index == 0:
                    return ctx.types[position]
                index -= 1
        raise fail(f"unbound variable {e.name}@{e.index}")

    def const(self, ctx: Context, e: s.Const) -> Val:
        if e.name == "Sort":
            raise fail("Sort has no type")
        return KIND if e.name == "Type" else SORT

    def lam(self, ctx: Context, e: s.Lam) -> Val:
        self.const_of(ctx, e.domain, "the type of a function's argument")
        domain = ctx.eval(e.domain)
        inner = ctx.bind(e.name, domain)
        body_type = inner.quote(self.infer(inner, e.body))
        # The function type must be well-typed; the function check (function-check.md)
        # accepts every pair of universes, so it suffices that the result is a type.
        self.const_of(inner, body_type, "the type of a function's result")
        return VPi(e.name, domain, Closure(ctx.env, e.name, body_type))

    def pi(self, ctx: Context, e: s.Pi) -> Val:
        """Functions into ``Type`` are impredicative; otherwise take the larger universe."""
        inp = self.const_of(ctx, e.domain, "the type of a function's argument")
        inner = ctx.bind(e.name, ctx.eval(e.domain))
        output = self.const_of(inner, e.codomain, "the type of a function's result")
        return TYPE if output == TYPE else _max_const(inp, output)

    def app(self, ctx: Context, e: s.App) -> Val:
        fn_type = self.infer(ctx, e.fn)
        if type(fn_type) is not VPi:
            raise fail("only functions can be applied")
        self.check(ctx, e.arg, fn_type.domain, "the function argument")
        return self.result_type(ctx, fn_type.codomain, e.arg)

    def result_type(self, ctx: Context, codomain: Any, arg: s.Expr) -> Val:
        """The codomain at ``arg``, evaluated once if it does not mention the argument.

        Every product applies the library's ``Price.perUnit``, ``Condition.equals``,
        …: their result types are the same for every argument, and evaluating
        the argument and the result type again for each product was a tenth of
        type checking a catalog.
        """
        if type(codomain) is not Closure:
            return codomain.apply(ctx.eval(arg))
        entry = self.constant_codomains.get(id(codomain))
        if entry is None:  # the closure is kept in the entry: its id stays unique
            constant = not s.occurs(codomain.body, codomain.name)
            value = codomain.apply(ctx.eval(arg))
            self.constant_codomains[id(codomain)] = (codomain, value if constant else None)
            return value
        if entry[1] is None:
            return codomain.apply(ctx.eval(arg))
        return entry[1]

    def let(self, ctx: Context, e: s.Let) -> Val:
        while type(e) is s.Let:
            value_type = self.infer(ctx, e.value)
            if e.annot is not None:
                self.const_of(ctx, e.annot, "a let annotation")
                if not conv(ctx.eval(e.annot), value_type):
                    raise fail(f"the value of {e.name} does not match its annotation")
            ctx = ctx.define(e.name, value_type, ctx.eval(e.value))
            e = e.body
        return self.infer(ctx, e)

    def annot(self, ctx: Context, e: s.Annot) -> Val:
        if e.annot != SORT:  # Sort is the one annotation that has no type itself
            self.infer(ctx, e.annot)
        expected = ctx.eval(e.annot)
        self.check(ctx, e.expr, expected, "the annotated expression")
        return expected

    # -- literals and simple types -----------------------------------------

    def builtin(self, ctx: Context, e: s.Builtin) -> Val:
        return builtin_type(e.name)

    def if_(self, ctx: Context, e: s.If) -> Val:
        self.expect_type(ctx, e.cond, "Bool", "the condition of an if")
        then_type = self.infer(ctx, e.then)
        self.const_of_value(ctx, then_type, "an if branch's type")
        self.check(ctx, e.else_, then_type, "the else branch")
        return then_type

    def text(self, ctx: Context, e: s.TextLit) -> Val:
        for _, chunk in e.chunks:
            self.expect_type(ctx, chunk, "Text", "an interpolated expression")
        return builtin("Text")

    def empty_list(self, ctx: Context, e: s.EmptyList) -> Val:
        self.infer(ctx, e.annot)
        list_type = ctx.eval(e.annot)
        if not (type(list_type) is VBuiltin and list_type.name == "List" and list_type.args):
            raise fail("an empty list must be annotated with List T")
        if self.const_of_value(ctx, list_type.args[0], "a list element type") != TYPE:
            raise fail("list elements must be terms")
        return list_type

    def list_(self, ctx: Context, e: s.ListLit) -> Val:
        element = self.infer(ctx, e.items[0])
        if self.const_of_value(ctx, element, "a list element's type") != TYPE:
            raise fail("list elements must be terms")
        for item in e.items[1:]:
            self.check(ctx, item, element, "a list element")
        return builtin("List", element)

    def some(self, ctx: Context, e: s.Some) -> Val:
        element = self.infer(ctx, e.expr)
        if self.const_of_value(ctx, element, "the type of Some's argument") != TYPE:
            raise fail("Some takes a term")
        return builtin("Optional", element)

    # -- operators -----------------------------------------------------------

    def op(self, ctx: Context, e: s.Op) -> Val:
        op = e.op
        if op in (s.OR, s.AND, s.EQ, s.NE):
            return self.same_builtin(ctx, e, "Bool")
        if op in (s.PLUS, s.TIMES):
            return self.same_builtin(ctx, e, "Natural")
        if op == s.TEXT_APPEND:
            return self.same_builtin(ctx, e, "Text")
        if op == s.LIST_APPEND:
            left = self.infer(ctx, e.left)
            if not (type(left) is VBuiltin and left.name == "List" and left.args):
                raise fail("# needs lists")
            self.check(ctx, e.right, left, "the right operand of #")
            return left
        if op == s.COMBINE:
            return self.combine_record_types(ctx, self.infer(ctx, e.left), self.infer(ctx, e.right))
        if op == s.PREFER:
            left, right = self.infer(ctx, e.left), self.infer(ctx, e.right)
            if type(left) is not VRecordType or type(right) is not VRecordType:
                raise fail("⫽ needs records")
            return VRecordType({**left.fields, **right.fields})
        if op == s.COMBINE_TYPES:
            universe = _max_const(
                self.const_of(ctx, e.left, "the left operand of ⩓"),
                self.const_of(ctx, e.right, "the right operand of ⩓"),
            )
            self.combine_record_types(ctx, ctx.eval(e.left), ctx.eval(e.right))
            return universe
        if op == s.EQUIVALENT:
            left = self.infer(ctx, e.left)
            if self.const_of_value(ctx, left, "the type of an ≡ operand") != TYPE:
                raise fail("≡ compares terms")
            self.check(ctx, e.right, left, "the right operand of ≡")
            return TYPE
        if op == s.COMPLETION:
            completed = s.Annot(
                s.Op(s.PREFER, s.Field(e.left, "default"), e.right), s.Field(e.left, "Type")
            )
            return self.infer(ctx, completed)
        raise fail("unresolved import alternative")

    def same_builtin(self, ctx: Context, e: s.Op, name: str) -> Val:
        symbol = s.OPERATOR_SYMBOLS[e.op]
        self.expect_type(ctx, e.left, name, f"the left operand of {symbol}")
        return self.expect_type(ctx, e.right, name, f"the right operand of {symbol}")

    def combine_record_types(self, ctx: Context, left: Val, right: Val) -> Val:
        """Recursively merge two record types; colliding non-records are an error."""
        if type(left) is not VRecordType or type(right) is not VRecordType:
            raise fail("∧/⩓ need records")
        merged = dict(left.fields)
        for key, value in right.fields.items():
            if key in merged:
                merged[key] = self.combine_record_types(ctx, merged[key], value)
            else:
                merged[key] = value
        return VRecordType(merged)

    # -- records and unions ------------------------------------------------

    def record_type(self, ctx: Context, e: s.RecordType) -> Val:
        universe = TYPE
        for field in e.fields.values():
            universe = _max_const(universe, self.const_of(ctx, field, "a record field type"))
        return universe

    def record(self, ctx: Context, e: s.RecordLit) -> Val:
        fields = {}
        for key, value in e.fields.items():
            field_type = self.infer(ctx, value)
            self.const_of_value(ctx, field_type, f"the type of field {key}")
            fields[key] = field_type
        return VRecordType(fields)

    def union_type(self, ctx: Context, e: s.UnionType) -> Val:
        universe = TYPE
        for alternative in e.alternatives.values():
            if alternative is not None:
                universe = _max_const(universe, self.const_of(ctx, alternative, "an alternative"))
        return universe

    def field(self, ctx: Context, e: s.Field) -> Val:
        record_type = self.infer(ctx, e.expr)
        if type(record_type) is VRecordType:
            if e.name not in record_type.fields:
                raise fail(f"no field {e.name}")
            return record_type.fields[e.name]
        if type(record_type) is s.Const:
            union = ctx.eval(e.expr)
            if type(union) is VUnionType:
                if e.name not in union.alternatives:
                    raise fail(f"no alternative {e.name}")
                alternative = union.alternatives[e.name]
                return union if alternative is None else VPi(e.name, alternative, Constant(union))
        raise fail(f"cannot select field {e.name} from a non-record")

    def project(self, ctx: Context, e: s.Project) -> Val:
        record_type = self.infer(ctx, e.expr)
        if type(record_type) is not VRecordType:
            raise fail("can only project from records")
        if len(set(e.names)) != len(e.names):
            raise fail("duplicate field in projection")
        missing = [n for n in e.names if n not in record_type.fields]
        if missing:
            raise fail(f"no field {missing[0]}")
        return VRecordType({n: record_type.fields[n] for n in e.names})

    def project_type(self, ctx: Context, e: s.ProjectType) -> Val:
        record_type = self.infer(ctx, e.expr)
        self.infer(ctx, e.annot)
        wanted = ctx.eval(e.annot)
        if type(record_type) is not VRecordType or type(wanted) is not VRecordType:
            raise fail("projection by type needs a record and a record type")
        for key, value in wanted.fields.items():
            if key not in record_type.fields or not conv(record_type.fields[key], value):
                raise fail(f"field {key} is missing or has another type")
        return wanted

    def merge(self, ctx: Context, e: s.Merge) -> Val:
        handlers = self.infer(ctx, e.handlers)
        if type(handlers) is not VRecordType:
            raise fail("merge needs a record of handlers")
        alternatives = self.alternatives(self.infer(ctx, e.union))
        unused = set(handlers.fields) - set(alternatives)
        if unused:
            raise fail(f"unused handler {sorted(unused)[0]}")
        result: Val | None = None
        if e.annot is not None:
            self.infer(ctx, e.annot)
            result = ctx.eval(e.annot)
        for name, alternative in alternatives.items():
            if name not in handlers.fields:
                raise fail(f"missing handler for {name}")
            handler = handlers.fields[name]
            if alternative is not None:
                if type(handler) is not VPi or not conv(handler.domain, alternative):
                    raise fail(f"the handler for {name} has the wrong type")
                out = handler.codomain.apply(ctx.fresh(handler.name))
                if not conv(out, handler.codomain.apply(VVar(handler.name, len(ctx.names) + 1))):
                    raise fail(f"the handler for {name} has a dependent type")
                handler = out
            if result is None:
                result = handler
            elif not conv(result, handler):
                raise fail("merge handlers have different types")
        if result is None:
            raise fail("an empty merge needs a type annotation")
        return result

    def alternatives(self, union_type: Val) -> dict[str, Val | None]:
        if type(union_type) is VUnionType:
            return union_type.alternatives
        if type(union_type) is VBuiltin and union_type.name == "Optional" and union_type.args:
            return {"None": None, "Some": union_type.args[0]}
        raise fail("merge needs a union")

    def to_map(self, ctx: Context, e: s.ToMap) -> Val:
        record_type = self.infer(ctx, e.expr)
        if type(record_type) is not VRecordType:
            raise fail("toMap needs a record")
        annot = None
        if e.annot is not None:
            self.infer(ctx, e.annot)
            annot = ctx.eval(e.annot)
        if not record_type.fields:
            if annot is None:
                raise fail("an empty toMap needs a type annotation")
            element = _map_value_type(annot)
            if element is None or self.const_of_value(ctx, element, "mapValue") != TYPE:
                raise fail("toMap annotation must be List { mapKey : Text, mapValue : T }")
            return annot
        values = list(record_type.fields.values())
        for value in values[1:]:
            if not conv(value, values[0]):
                raise fail("toMap needs fields of one type")
        if self.const_of_value(ctx, values[0], "a toMap field type") != TYPE:
            raise fail("toMap needs term fields")
        result = builtin("List", VRecordType({"mapKey": builtin("Text"), "mapValue": values[0]}))
        if annot is not None and not conv(annot, result):
            raise fail("toMap annotation does not match")
        return result

    def show_constructor(self, ctx: Context, e: s.ShowConstructor) -> Val:
        self.alternatives(self.infer(ctx, e.expr))
        return builtin("Text")

    def assert_(self, ctx: Context, e: s.Assert) -> Val:
        if self.infer(ctx, e.annot) != TYPE:
            raise fail("assert needs an equivalence")
        claim = ctx.eval(e.annot)
        if not (type(claim) is VStuck and claim.node is s.Op and claim.parts[0] == s.EQUIVALENT):
            raise fail("assert needs an equivalence")
        if not conv(claim.parts[1], claim.parts[2]):
            raise fail("assertion failed: the two sides are not equivalent")
        return claim

    def with_(self, ctx: Context, e: s.With) -> Val:
        result = self.with_type(ctx, self.infer(ctx, e.expr), e.path, e.value)
        self.const_of_value(ctx, result, "the type of a with-expression")
        return result

    def with_type(
        self, ctx: Context, record_type: Val, path: tuple[str | None, ...], value: s.Expr
    ) -> Val:
        step, rest = path[0], path[1:]
        if step is None:
            if not (type(record_type) is VBuiltin and record_type.name == "Optional"):
                raise fail("with ? needs an Optional")
            element = record_type.args[0]
            updated = self.with_type(ctx, element, rest, value) if rest else self.infer(ctx, value)
            if not conv(updated, element):
                raise fail("with cannot change the type of an Optional's content")
            return record_type
        if type(record_type) is not VRecordType:
            raise fail("with needs a record")
        fields = dict(record_type.fields)
        if rest:
            fields[step] = self.with_type(ctx, fields.get(step, VRecordType({})), rest, value)
        else:
            fields[step] = self.infer(ctx, value)
        return VRecordType(fields)

    def import_(self, ctx: Context, e: s.Import) -> Val:
        raise fail("cannot type-check an unresolved import")


def _map_value_type(annot: Val) -> Val | None:
    if type(annot) is VBuiltin and annot.name == "List" and annot.args:
        record = annot.args[0]
        if type(record) is VRecordType and set(record.fields) == {"mapKey", "mapValue"}:
            key = record.fields["mapKey"]
            if type(key) is VBuiltin and key.name == "Text" and not key.args:
                return record.fields["mapValue"]
    return None


_LITERAL_TYPES = {
    s.BoolLit: "Bool",
    s.NaturalLit: "Natural",
    s.IntegerLit: "Integer",
    s.DoubleLit: "Double",
    s.BytesLit: "Bytes",
    s.DateLit: "Date",
    s.TimeLit: "Time",
    s.TimeZoneLit: "TimeZone",
}
_RULES: dict[type, Callable[[_Checker, Context, Any], Val]] = {
    s.Var: _Checker.var,
    s.Const: _Checker.const,
    s.Builtin: _Checker.builtin,
    s.Lam: _Checker.lam,
    s.Pi: _Checker.pi,
    s.App: _Checker.app,
    s.Let: _Checker.let,
    s.Annot: _Checker.annot,
    s.If: _Checker.if_,
    s.TextLit: _Checker.text,
    s.EmptyList: _Checker.empty_list,
    s.ListLit: _Checker.list_,
    s.Some: _Checker.some,
    s.Op: _Checker.op,
    s.RecordType: _Checker.record_type,
    s.RecordLit: _Checker.record,
    s.UnionType: _Checker.union_type,
    s.Field: _Checker.field,
    s.Project: _Checker.project,
    s.ProjectType: _Checker.project_type,
    s.Merge: _Checker.merge,
    s.ToMap: _Checker.to_map,
    s.ShowConstructor: _Checker.show_constructor,
    s.Assert: _Checker.assert_,
    s.With: _Checker.with_,
    s.Import: _Checker.import_,
}
for _node, _name in _LITERAL_TYPES.items():
    _RULES[_node] = lambda checker, ctx, e, _n=_name: builtin(_n)


class _LocatingChecker(_Checker):
    """Infers like ``_Checker``; a failure gets the offset of the innermost
    expression that has one (``offsets`` from :func:`parser.parse_with_offsets`)."""

    def __init__(self, known: Known, offsets: dict[int, tuple[s.Expr, int]]) -> None:
        super().__init__(known)
        self.offsets = offsets

    def infer(self, ctx: Context, expr: s.Expr) -> Val:
        try:
            return super().infer(ctx, expr)
        except DhallTypeError as error:
            if error.offset is None and id(expr) in self.offsets:
                error.offset = self.offsets[id(expr)][1]
            raise


def infer(
    expr: s.Expr,
    offsets: dict[int, tuple[s.Expr, int]] | None = None,
    known: Known | None = None,
) -> s.Expr:
    """The beta-normal type of a closed, import-free expression.

    With ``offsets``, a type error carries the offset of the expression at
    fault (slower: used only to place an error found without them); the
    sub-expressions in ``known`` are taken to have their recorded types.
    """
    known = known or {}
    checker = _Checker(known) if offsets is None else _LocatingChecker(known, offsets)
    try:
        return Context().quote(checker.infer(Context(), expr))
    except RecursionError:
        raise DhallTypeError("expression nested too deeply to type-check") from None
