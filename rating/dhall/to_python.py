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
from rating.dhall.quote import quote
from rating.dhall.values import (
    Val,
    VBuiltin,
    VEmptyList,
    VList,
    VRecordLit,
    VRecordType,
    VSome,
    VStuck,
    VText,
    is_union_constructor,
)

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


_LITERALS = (s.BoolLit, s.NaturalLit, s.IntegerLit, s.DoubleLit)


def value_to_python(value: Val) -> Any:
    """``to_python(quote(value))`` for the value of a closed expression, without reading it back.

    A catalog's value is thousands of records: converting them straight from
    values saves reading the whole normal form back into syntax first. Any
    form not handled here is read back and given to :func:`to_python`, so the
    result (or the error) is always that of the normal form.
    """
    kind = type(value)
    if kind is VRecordLit:
        return {name: value_to_python(item) for name, item in sorted(value.fields.items())}
    if kind is VList:
        return _value_list(value)
    if kind is VSome:
        return value_to_python(value.value)
    if kind is VText and not value.chunks:
        return value.suffix
    if kind in _LITERALS:
        return value.value
    if kind is VBuiltin and value.name == "None" and len(value.args) == 1:
        return None
    if kind is VEmptyList and (empty := _empty(value.annot)) is not None:
        return empty
    if kind is VStuck:
        if value.node is s.App and is_union_constructor(value.parts[0]):
            return value_to_python(value.parts[1])
        if is_union_constructor(value):
            return value.parts[1]
    return to_python(quote(value))


def _value_list(value: VList) -> Any:
    first = value.items[0]
    if type(first) is not VRecordLit or first.fields.keys() != _MAP_FIELDS:
        return [value_to_python(item) for item in value.items]
    entries = {}
    for item in value.items:
        key = item.fields.get("mapKey") if type(item) is VRecordLit else None
        if type(key) is not VText or key.chunks:
            return to_python(quote(value))  # raises what the normal form raises
        entries[key.suffix] = value_to_python(item.fields["mapValue"])
    return dict(sorted(entries.items()))


def _empty(list_type: Val) -> dict[str, Any] | list[Any] | None:
    """What ``[] : list_type`` converts to, decided on the type's value (None: not decided).

    Every product has empty lists (no tiers, no price changes) typed by a
    large record type, which need not be read back to see that it is not a
    ``mapKey``/``mapValue`` record.
    """
    if type(list_type) is not VBuiltin or list_type.name != "List" or len(list_type.args) != 1:
        return None
    element = list_type.args[0]
    if type(element) is not VRecordType or element.fields.keys() != _MAP_FIELDS:
        return []
    key = element.fields["mapKey"]
    return {} if type(key) is VBuiltin and key.name == "Text" and not key.args else []


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
