"""Normal forms → plain Python data, as the ``dhall`` PyPI binding (0.1.15) returns them.

The loader converted catalogs from the binding's values for years, so the
native evaluator must hand it exactly the same shapes (the differential tests
in ``tests/test_dhall_differential.py`` hold the two together):

* records → ``dict`` (keys in label order), lists → ``list``, ``Text`` → ``str``,
  ``Natural``/``Integer`` → ``int``, ``Double`` → ``float``, ``Bool`` → ``bool``;
* ``Some x`` → ``x``, ``None T`` → ``None``;
* a union alternative → its payload converted, or its name if it has none;
* a list of ``{ mapKey : Text, mapValue : T }`` records (what ``toMap`` makes)
  → a ``dict`` sorted by key, the last entry winning for a repeated key.

Anything else — types, functions, ``Bytes``, ``Date``/``Time``/``TimeZone`` —
is not data the binding can return, and raises :class:`DhallValueError`.
"""

from __future__ import annotations

from typing import Any

from rating.dhall import syntax as s
from rating.dhall.errors import DhallError

_MAP_FIELDS = frozenset({"mapKey", "mapValue"})


class DhallValueError(DhallError):
    """A normal form that is not plain data (a type, a function, a Date, …)."""


def to_python(expr: s.Expr) -> Any:
    """The Python value of the beta-normal form ``expr`` (see the module docstring)."""
    match expr:
        case (
            s.BoolLit(value=value)
            | s.NaturalLit(value=value)
            | s.IntegerLit(value=value)
            | s.DoubleLit(value=value)
        ):
            return value
        case s.TextLit(chunks=(), suffix=text):
            return text
        case s.RecordLit(fields=fields):
            return {name: to_python(value) for name, value in sorted(fields.items())}
        case s.ListLit(items=items):
            return _list(items)
        case s.EmptyList(annot=annot):
            return {} if _is_map_type(annot) else []
        case s.Some(expr=inner):
            return to_python(inner)
        case s.App(fn=s.Builtin(name="None")):
            return None
        case s.App(fn=s.Field(expr=s.UnionType()), arg=payload):
            return to_python(payload)
        case s.Field(expr=s.UnionType(), name=name):
            return name
    raise DhallValueError(f"not plain data: {_describe(expr)}")


def _list(items: tuple[s.Expr, ...]) -> Any:
    first = items[0]
    if type(first) is s.RecordLit and first.fields.keys() == _MAP_FIELDS:
        entries = {}
        for item in items:
            match item:
                case s.RecordLit(fields={"mapKey": s.TextLit(chunks=(), suffix=key)}):
                    entries[key] = to_python(item.fields["mapValue"])
                case _:
                    raise DhallValueError("a mapKey is not a Text literal")
        return dict(sorted(entries.items()))
    return [to_python(item) for item in items]


def _is_map_type(list_type: s.Expr) -> bool:
    """Whether ``list_type`` is ``List { mapKey : Text, mapValue : T }``."""
    match list_type:
        case s.App(fn=s.Builtin(name="List"), arg=s.RecordType(fields=fields)):
            return fields.keys() == _MAP_FIELDS and fields["mapKey"] == s.Builtin("Text")
    return False


def _describe(expr: s.Expr) -> str:
    names = {
        s.Lam: "a function",
        s.Pi: "a function type",
        s.Const: "a type",
        s.RecordType: "a record type",
        s.UnionType: "a union type",
        s.BytesLit: "Bytes",
        s.DateLit: "a Date",
        s.TimeLit: "a Time",
        s.TimeZoneLit: "a TimeZone",
    }
    if isinstance(expr, s.Builtin | s.App):
        return "a type or a builtin function"
    return names.get(type(expr), "an expression that is not a value")
