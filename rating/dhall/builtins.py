"""Reduction rules of the builtin functions (beta-normalization.md).

``RULES`` maps a builtin's name to ``(arity, reduce)``; ``reduce`` gets the
evaluated arguments once all of them are there and returns the result, or
``None`` when the arguments are not literal enough for a rule to fire.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from decimal import Decimal

from rating.dhall import syntax as s
from rating.dhall.errors import DhallError
from rating.dhall.operators import op_value, text_value
from rating.dhall.quote import conv
from rating.dhall.values import (
    BuiltinRule,
    HostBody,
    Val,
    VBuiltin,
    VEmptyList,
    VLam,
    VList,
    VRecordLit,
    VRecordType,
    VSome,
    VText,
    apply,
    plain_text,
    text,
)

Reduce = Callable[[tuple[Val, ...]], Val | None]


def builtin(name: str, *args: Val) -> VBuiltin:
    """The value of builtin ``name`` applied to ``args``.

    A bare builtin is one shared value per name (values are never mutated):
    a catalog evaluates ``Text`` or ``Natural`` hundreds of thousands of times,
    and sharing lets read-back and comparisons stop at ``is``.
    """
    if args:
        return VBuiltin(name, args, RULES.get(name))
    bare = _BARE.get(name)
    if bare is None:
        bare = _BARE[name] = VBuiltin(name, (), RULES.get(name))
    return bare


_BARE: dict[str, VBuiltin] = {}


def _natural(v: Val) -> int | None:
    return v.value if type(v) is s.NaturalLit else None


def _natural_build(args: tuple[Val, ...]) -> Val:
    (g,) = args
    natural = builtin("Natural")
    succ = VLam("x", natural, HostBody(lambda x: op_value(s.PLUS, x, s.NaturalLit(1))))
    return apply(apply(apply(g, natural), succ), s.NaturalLit(0))


_FOLD_STEPS: ContextVar[tuple[int, list[int]] | None] = ContextVar("fold_steps", default=None)
"""The current :func:`fold_budget`: its steps, and a cell holding those left."""


@contextlib.contextmanager
def fold_budget(steps: int) -> Iterator[None]:
    """Within this block, all ``Natural/fold`` together take at most ``steps`` steps.

    Dhall always terminates, but ``Natural/fold 100000000000 …`` only after
    days: a catalog from someone we do not trust must not hang ``check``.
    Folds are the one way a Dhall expression loops (``Natural/build`` and
    ``List/build`` fold too; ``List/fold`` walks a list already built), so
    counting their steps bounds the work.
    """
    token = _FOLD_STEPS.set((steps, [steps]))
    try:
        yield
    finally:
        _FOLD_STEPS.reset(token)


def _spend_fold_steps(count: int) -> None:
    budget = _FOLD_STEPS.get()
    if budget is None:
        return
    steps, left = budget
    if count > left[0]:
        raise DhallError(
            f"Natural/fold {count:,} times: past the limit of {steps:,} fold steps "
            "per evaluation (an expression this long to evaluate is refused)"
        )
    left[0] -= count


def _natural_fold(args: tuple[Val, ...]) -> Val | None:
    n, _type, succ, zero = args
    count = _natural(n)
    if count is None:
        return None
    _spend_fold_steps(count)
    result = zero
    for _ in range(count):
        result = apply(succ, result)
    return result


def _natural_subtract(args: tuple[Val, ...]) -> Val | None:
    a, b = args
    x, y = _natural(a), _natural(b)
    if x == 0:
        return b
    if y == 0:
        return s.NaturalLit(0)
    if x is not None and y is not None:
        return s.NaturalLit(max(y - x, 0))
    return s.NaturalLit(0) if conv(a, b) else None


def _on_natural(fn: Callable[[int], Val]) -> Reduce:
    """Lift a function on a literal Natural into a one-argument rule."""

    def reduce(args: tuple[Val, ...]) -> Val | None:
        n = _natural(args[0])
        return None if n is None else fn(n)

    return reduce


def _on_integer(fn: Callable[[int], Val]) -> Reduce:
    """Lift a function on a literal Integer into a one-argument rule."""

    def reduce(args: tuple[Val, ...]) -> Val | None:
        return fn(args[0].value) if type(args[0]) is s.IntegerLit else None

    return reduce


def _to_double(n: int) -> s.DoubleLit:
    try:
        return s.DoubleLit(float(n))
    except OverflowError:
        return s.DoubleLit(float("inf") if n > 0 else float("-inf"))


def show_double(value: float) -> str:
    """Render a Double as Haskell's ``show`` does (the standard's reference)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if str(value).startswith("-") else "0.0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    digit_text = "".join(map(str, digits))
    point = len(digit_text) + int(exponent)  # position of the decimal point
    prefix = "-" if sign else ""
    if 0 <= point <= 7:
        whole = digit_text[:point].ljust(point, "0") or "0"
        fraction = digit_text[point:] or "0"
        return f"{prefix}{whole}.{fraction}"
    return f"{prefix}{digit_text[0]}.{digit_text[1:] or '0'}e{point - 1}"


def _double_show(args: tuple[Val, ...]) -> Val | None:
    (d,) = args
    return text(show_double(d.value)) if type(d) is s.DoubleLit else None


_TEXT_ESCAPES = {'"': '\\"', "$": "\\u0024", "\\": "\\\\", "\b": "\\b", "\f": "\\f"}
_TEXT_ESCAPES.update({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


def show_text(value: str) -> str:
    """``Text/show``: a double-quoted Dhall literal for ``value``."""
    out = []
    for char in value:
        escaped = _TEXT_ESCAPES.get(char)
        if escaped is None and char < " ":
            escaped = f"\\u{ord(char):04X}"
        out.append(escaped or char)
    return '"' + "".join(out) + '"'


def _text_show(args: tuple[Val, ...]) -> Val | None:
    value = plain_text(args[0])
    return None if value is None else text(show_text(value))


def _text_replace(args: tuple[Val, ...]) -> Val | None:
    needle_v, replacement, haystack_v = args
    needle = plain_text(needle_v)
    if needle == "":
        return haystack_v
    haystack = plain_text(haystack_v)
    if needle is None or haystack is None:
        return None
    pieces = haystack.split(needle)
    if type(replacement) is VText and not replacement.chunks:
        return text(replacement.suffix.join(pieces))
    return text_value(((piece, replacement) for piece in pieces[:-1]), pieces[-1])


def _list_build(args: tuple[Val, ...]) -> Val:
    element, g = args
    list_type = builtin("List", element)

    def cons(head: Val) -> Val:
        return VLam(
            "as",
            list_type,
            HostBody(lambda tail: op_value(s.LIST_APPEND, VList((head,)), tail)),
        )

    nil = VEmptyList(list_type)
    return apply(apply(apply(g, list_type), VLam("a", element, HostBody(cons))), nil)


def _list_fold(args: tuple[Val, ...]) -> Val | None:
    _element, xs, _type, cons, nil = args
    if type(xs) is VEmptyList:
        return nil
    if type(xs) is not VList:
        return None
    result = nil
    for item in reversed(xs.items):
        result = apply(apply(cons, item), result)
    return result


def _on_list(fn: Callable[[Val, tuple[Val, ...]], Val], empty: Callable[[Val], Val]) -> Reduce:
    """A rule on ``List/x A xs``: ``fn(A, items)`` for literals, ``empty(A)`` for ``[]``."""

    def reduce(args: tuple[Val, ...]) -> Val | None:
        element, xs = args
        if type(xs) is VList:
            return fn(element, xs.items)
        if type(xs) is VEmptyList:
            return empty(element)
        return None

    return reduce


def _indexed_type(element: Val) -> Val:
    return VRecordType({"index": builtin("Natural"), "value": element})


def _show_date(args: tuple[Val, ...]) -> Val | None:
    (d,) = args
    if type(d) is not s.DateLit:
        return None
    return text(f"{d.year:04d}-{d.month:02d}-{d.day:02d}")


def _show_time(args: tuple[Val, ...]) -> Val | None:
    (t,) = args
    if type(t) is not s.TimeLit:
        return None
    seconds = str(t.seconds_scaled).rjust(t.precision + 2, "0")
    if t.precision:
        seconds = seconds[: -t.precision] + "." + seconds[-t.precision :]
    return text(f"{t.hour:02d}:{t.minute:02d}:{seconds}")


def _show_zone(args: tuple[Val, ...]) -> Val | None:
    (z,) = args
    if type(z) is not s.TimeZoneLit:
        return None
    sign = "-" if z.minutes < 0 else "+"
    hours, minutes = divmod(abs(z.minutes), 60)
    return text(f"{sign}{hours:02d}:{minutes:02d}")


RULES: dict[str, BuiltinRule] = {
    "Natural/build": (1, _natural_build),
    "Natural/fold": (4, _natural_fold),
    "Natural/isZero": (1, _on_natural(lambda n: s.BoolLit(n == 0))),
    "Natural/even": (1, _on_natural(lambda n: s.BoolLit(n % 2 == 0))),
    "Natural/odd": (1, _on_natural(lambda n: s.BoolLit(n % 2 == 1))),
    "Natural/toInteger": (1, _on_natural(s.IntegerLit)),
    "Natural/show": (1, _on_natural(lambda n: text(str(n)))),
    "Natural/subtract": (2, _natural_subtract),
    "Integer/toDouble": (1, _on_integer(_to_double)),
    "Integer/show": (1, _on_integer(lambda n: text(f"{n:+d}"))),
    "Integer/negate": (1, _on_integer(lambda n: s.IntegerLit(-n))),
    "Integer/clamp": (1, _on_integer(lambda n: s.NaturalLit(max(n, 0)))),
    "Double/show": (1, _double_show),
    "List/build": (2, _list_build),
    "List/fold": (5, _list_fold),
    "List/length": (2, _on_list(lambda a, xs: s.NaturalLit(len(xs)), lambda a: s.NaturalLit(0))),
    "List/head": (2, _on_list(lambda a, xs: VSome(xs[0]), lambda a: builtin("None", a))),
    "List/last": (2, _on_list(lambda a, xs: VSome(xs[-1]), lambda a: builtin("None", a))),
    "List/indexed": (
        2,
        _on_list(
            lambda a, xs: VList(
                tuple(VRecordLit({"index": s.NaturalLit(i), "value": x}) for i, x in enumerate(xs))
            ),
            lambda a: VEmptyList(builtin("List", _indexed_type(a))),
        ),
    ),
    "List/reverse": (
        2,
        _on_list(lambda a, xs: VList(xs[::-1]), lambda a: VEmptyList(builtin("List", a))),
    ),
    "Text/show": (1, _text_show),
    "Text/replace": (3, _text_replace),
    "Date/show": (1, _show_date),
    "Time/show": (1, _show_time),
    "TimeZone/show": (1, _show_zone),
}
