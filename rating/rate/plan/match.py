"""Catalog filters as SQL: one boolean per distinct filter, evaluated on signature rows.

The stage ``sig_match`` (:mod:`rating.rate.plan.price`) evaluates them only on
the distinct matching signatures of the input, never on every sample.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from rating.errors import RatecardError
from rating.model import Condition, ConditionOp
from rating.rate.dialect import Dialect


def condition_sql(
    cond: Condition, column: str | None, arrow_type: pa.DataType | None, d: Dialect
) -> str:
    """Boolean SQL for one filter condition on a signature row (never NULL).

    Mirrors :func:`rating.rate.matching.condition_holds`: numbers compare
    numerically, list traits hold when any element does (NotOneOf: when none
    equals a listed value), Regex sees the value's text.
    """
    col = d.identifier(column) if column else "NULL"
    op = cond.op
    if op is ConditionOp.PRESENT:
        return f"({col} IS NOT NULL)"
    if op is ConditionOp.ABSENT:
        return f"({col} IS NULL)"
    if column is None or arrow_type is None:
        return "FALSE"
    is_list = pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)
    element = arrow_type.value_type if is_list else arrow_type
    numeric = pa.types.is_integer(element) or pa.types.is_floating(element)
    boolean = pa.types.is_boolean(element)

    def one_of(x: str) -> str:
        values = [v for v in cond.values if _comparable(v, numeric, boolean)]
        listed = ", ".join(d.literal(_as_sql_value(v)) for v in values)
        return f"COALESCE({x} IN ({listed}), FALSE)" if values else "FALSE"

    def holds(x: str) -> str:
        if op in (ConditionOp.EQUALS, ConditionOp.ONE_OF, ConditionOp.NOT_ONE_OF):
            return one_of(x)
        if op is ConditionOp.REGEX:
            return f"COALESCE({d.full_match(x, cond.pattern or '')}, FALSE)"
        if op is ConditionOp.RANGE:
            if not numeric:
                return "FALSE"
            parts = [f"{x} IS NOT NULL"]
            if cond.at_least is not None:
                parts.append(f"{x} >= {d.literal(cond.at_least)}")
            if cond.below is not None:
                parts.append(f"{x} < {d.literal(cond.below)}")
            return "(" + " AND ".join(parts) + ")"
        raise RatecardError(f"condition on {cond.trait}: unsupported operator {op}")

    inner = f"COALESCE({d.any_element(col, 'x', holds('x'))}, FALSE)" if is_list else holds(col)
    if op is ConditionOp.NOT_ONE_OF:
        return f"({col} IS NOT NULL AND NOT {inner})"
    return f"({inner})"


def _comparable(value: object, numeric: bool, boolean: bool) -> bool:
    if numeric:
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if boolean:
        return isinstance(value, bool)
    return isinstance(value, str)


def _as_sql_value(value: object) -> object:
    if isinstance(value, float):
        return Decimal(repr(value))
    return value
