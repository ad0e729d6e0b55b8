"""Short Dhall text for types in error messages, and what differs between two types.

A catalog author reading ``the annotated expression has the wrong type``
needs to know *which* field is missing or wrong, not two pages of record
types, so :func:`mismatch` names the differing fields by their path and
:func:`show` prints a type on one line, cut to a readable length.
"""

from __future__ import annotations

from rating.dhall import syntax as s

_LIMIT = 60


def show(expr: s.Expr, limit: int = _LIMIT) -> str:
    """``expr`` as one line of Dhall, at most ``limit`` characters (``…`` marks a cut)."""
    text = _text(expr)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(expr: s.Expr) -> str:
    match expr:
        case s.Builtin(name=name) | s.Const(name=name):
            return name
        case s.Var(name=name, index=index):
            return name if index == 0 else f"{name}@{index}"
        case s.App(fn=fn, arg=arg):
            return f"{_text(fn)} {_argument(arg)}"
        case s.RecordType(fields=fields):
            inner = ", ".join(f"{name} : {_text(value)}" for name, value in fields.items())
            return f"{{ {inner} }}" if inner else "{}"
        case s.UnionType(alternatives=alternatives):
            inner = " | ".join(
                name if value is None else f"{name} : {_text(value)}"
                for name, value in alternatives.items()
            )
            return f"< {inner} >" if inner else "<>"
        case s.Pi(name=name, domain=domain, codomain=codomain):
            head = _argument(domain) if name == "_" else f"∀({name} : {_text(domain)})"
            return f"{head} → {_text(codomain)}"
    return "…"


def _argument(expr: s.Expr) -> str:
    text = _text(expr)
    return f"({text})" if type(expr) in (s.App, s.Pi) else text


def mismatch(found: s.Expr, expected: s.Expr) -> str:
    """What differs between the normal types ``found`` and ``expected``, fields by path."""
    return "; ".join(_differences(found, expected, ""))


def _differences(found: s.Expr, expected: s.Expr, path: str) -> list[str]:
    match found, expected:
        case (
            s.App(fn=s.Builtin(name="List"), arg=found_item),
            s.App(fn=s.Builtin(name="List"), arg=expected_item),
        ):
            return _differences(found_item, expected_item, path)
        case (s.RecordType(fields=have), s.RecordType(fields=want)):
            pass
        case _:
            where = f"field {path.rstrip('.')} is" if path else "it is"
            return [f"{where} {show(found)} but must be {show(expected)}"]
    problems = []
    if missing := [f"{path}{name}" for name in sorted(want) if name not in have]:
        problems.append(f"record missing field {', '.join(missing)}")
    if extra := [f"{path}{name}" for name in sorted(have) if name not in want]:
        problems.append(f"record has unexpected field {', '.join(extra)}")
    for name in sorted(want):
        if name in have and have[name] != want[name]:
            problems.extend(_differences(have[name], want[name], f"{path}{name}."))
    return problems or [f"it is {show(found)} but must be {show(expected)}"]
