"""Reduction rules of the non-builtin forms (beta-normalization.md).

Each function receives already-evaluated operands and returns the reduced
value, or a ``VStuck`` node when the standard has no rule that fires.
"""

from __future__ import annotations

from collections.abc import Iterable

from rating.dhall import syntax as s
from rating.dhall.quote import conv
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
    apply,
    is_union_constructor,
    text,
)

TRUE = s.BoolLit(True)
FALSE = s.BoolLit(False)


def text_value(chunks: Iterable[tuple[str, Val]], suffix: str) -> Val:
    """Normalize a text literal: inline nested literals, drop ``"${x}"`` wrappers."""
    out: list[tuple[str, Val]] = []
    pending = ""
    for prefix, value in chunks:
        pending += prefix
        if type(value) is VText:
            for inner_prefix, inner in value.chunks:
                out.append((pending + inner_prefix, inner))
                pending = ""
            pending += value.suffix
        else:
            out.append((pending, value))
            pending = ""
    pending += suffix
    if len(out) == 1 and out[0][0] == "" and pending == "":
        return out[0][1]
    return VText(tuple(out), pending)


def if_value(cond: Val, then: Val, else_: Val) -> Val:
    if cond == TRUE:
        return then
    if cond == FALSE:
        return else_
    if then == TRUE and else_ == FALSE:
        return cond
    if conv(then, else_):
        return then
    return VStuck(s.If, cond, then, else_)


def _is_empty_record(v: Val) -> bool:
    return type(v) is VRecordLit and not v.fields


def _bool_op(op: int, left: Val, right: Val) -> Val | None:
    unit, absorbing = {s.OR: (FALSE, TRUE), s.AND: (TRUE, FALSE)}.get(op, (None, None))
    if op in (s.OR, s.AND):
        if left == unit:
            return right
        if right == unit:
            return left
        if left == absorbing or right == absorbing:
            return absorbing
        return left if conv(left, right) else None
    unit = TRUE if op == s.EQ else FALSE
    if left == unit:
        return right
    if right == unit:
        return left
    if conv(left, right):
        return TRUE if op == s.EQ else FALSE
    return None


def _natural_op(op: int, left: Val, right: Val) -> Val | None:
    lnat = left.value if type(left) is s.NaturalLit else None
    rnat = right.value if type(right) is s.NaturalLit else None
    if op == s.PLUS:
        if lnat == 0:
            return right
        if rnat == 0:
            return left
        if lnat is not None and rnat is not None:
            return s.NaturalLit(lnat + rnat)
        return None
    if lnat == 0 or rnat == 0:
        return s.NaturalLit(0)
    if lnat == 1:
        return right
    if rnat == 1:
        return left
    if lnat is not None and rnat is not None:
        return s.NaturalLit(lnat * rnat)
    return None


def _list_append(left: Val, right: Val) -> Val | None:
    if type(left) is VEmptyList:
        return right
    if type(right) is VEmptyList:
        return left
    if type(left) is VList and type(right) is VList:
        return VList(left.items + right.items)
    return None


def combine(left: Val, right: Val, record: type[VRecordLit] | type[VRecordType]) -> Val | None:
    """Recursive merge ``∧`` (record literals) or ``⩓`` (record types)."""
    if type(left) is record and not left.fields:
        return right
    if type(right) is record and not right.fields:
        return left
    if type(left) is not record or type(right) is not record:
        return None
    merged = dict(left.fields)
    op = s.COMBINE if record is VRecordLit else s.COMBINE_TYPES
    for key, value in right.fields.items():
        merged[key] = value if key not in merged else op_value(op, merged[key], value)
    return record(merged)


def _prefer(left: Val, right: Val) -> Val | None:
    if _is_empty_record(left):
        return right
    if _is_empty_record(right):
        return left
    if type(left) is VRecordLit and type(right) is VRecordLit:
        return VRecordLit({**left.fields, **right.fields})
    return left if conv(left, right) else None


def op_value(op: int, left: Val, right: Val) -> Val:
    """Reduce a binary operator application."""
    if op in (s.OR, s.AND, s.EQ, s.NE):
        result = _bool_op(op, left, right)
    elif op in (s.PLUS, s.TIMES):
        result = _natural_op(op, left, right)
    elif op == s.TEXT_APPEND:
        result = text_value((("", left), ("", right)), "")
    elif op == s.LIST_APPEND:
        result = _list_append(left, right)
    elif op == s.COMBINE:
        result = combine(left, right, VRecordLit)
    elif op == s.COMBINE_TYPES:
        result = combine(left, right, VRecordType)
    elif op == s.PREFER:
        result = _prefer(left, right)
    elif op == s.COMPLETION:
        return op_value(s.PREFER, field_value(left, "default"), right)
    else:
        result = None
    return VStuck(s.Op, op, left, right) if result is None else result


def _as_op(v: Val, op: int) -> tuple[Val, Val] | None:
    if type(v) is VStuck and v.node is s.Op and v.parts[0] == op:
        return v.parts[1], v.parts[2]
    return None


def field_value(record: Val, name: str) -> Val:
    """``record.name``, including the shortcuts through ``⫽``, ``∧`` and projections."""
    kind = type(record)
    if kind is VRecordLit:
        return record.fields[name]
    if kind is VStuck:
        if record.node is s.Project:
            return field_value(record.parts[0], name)
        for op in (s.PREFER, s.COMBINE):
            operands = _as_op(record, op)
            if operands is None:
                continue
            left, right = operands
            if type(right) is VRecordLit:
                if name in right.fields:
                    if op == s.PREFER:
                        return right.fields[name]
                    single = VRecordLit({name: right.fields[name]})
                    return VStuck(s.Field, VStuck(s.Op, op, left, single), name)
                return field_value(left, name)
            if type(left) is VRecordLit:
                if name in left.fields:
                    single = VRecordLit({name: left.fields[name]})
                    return VStuck(s.Field, VStuck(s.Op, op, single, right), name)
                return field_value(right, name)
    return VStuck(s.Field, record, name)


def project_value(record: Val, names: Iterable[str]) -> Val:
    """``record.{ names }``."""
    wanted = sorted(set(names))
    if not wanted:
        return VRecordLit({})
    if type(record) is VRecordLit:
        return VRecordLit({k: record.fields[k] for k in wanted})
    if type(record) is VStuck and record.node is s.Project:
        return project_value(record.parts[0], wanted)
    operands = _as_op(record, s.PREFER)
    if operands is not None and type(operands[1]) is VRecordLit:
        left, right = operands
        keys = right.fields
        return op_value(
            s.PREFER,
            project_value(left, [k for k in wanted if k not in keys]),
            project_value(right, [k for k in wanted if k in keys]),
        )
    return VStuck(s.Project, record, tuple(wanted))


def merge_value(handlers: Val, union: Val, annot: Val | None) -> Val:
    if type(handlers) is VRecordLit:
        fields = handlers.fields
        if type(union) is VStuck and union.node is s.App and is_union_constructor(union.parts[0]):
            return apply(fields[union.parts[0].parts[1]], union.parts[1])
        if is_union_constructor(union):
            return fields[union.parts[1]]
        if type(union) is VSome:
            return apply(fields["Some"], union.value)
        if type(union) is VBuiltin and union.name == "None" and len(union.args) == 1:
            return fields["None"]
    return VStuck(s.Merge, handlers, union, annot)


def to_map_value(record: Val, annot: Val | None) -> Val:
    if type(record) is VRecordLit:
        if not record.fields:
            return VEmptyList(annot)
        return VList(
            tuple(
                VRecordLit({"mapKey": text(k), "mapValue": record.fields[k]})
                for k in sorted(record.fields)
            )
        )
    return VStuck(s.ToMap, record, annot)


def show_constructor_value(value: Val) -> Val:
    if type(value) is VStuck and value.node is s.App and is_union_constructor(value.parts[0]):
        return text(value.parts[0].parts[1])
    if is_union_constructor(value):
        return text(value.parts[1])
    if type(value) is VSome:
        return text("Some")
    if type(value) is VBuiltin and value.name == "None" and len(value.args) == 1:
        return text("None")
    return VStuck(s.ShowConstructor, value)


def with_value(record: Val, path: tuple[str | None, ...], value: Val) -> Val:
    """``record with path = value`` for record literals and Optionals."""
    step, rest = path[0], path[1:]
    if step is None:
        if type(record) is VSome:
            return VSome(with_value(record.value, rest, value) if rest else value)
        if type(record) is VBuiltin and record.name == "None" and len(record.args) == 1:
            return record
    elif type(record) is VRecordLit:
        fields = dict(record.fields)
        if rest:
            fields[step] = with_value(fields.get(step, VRecordLit({})), rest, value)
        else:
            fields[step] = value
        return VRecordLit(fields)
    return VStuck(s.With, record, path, value)
