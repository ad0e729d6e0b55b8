"""Pure-Python evaluation of catalog entries against one sample (semantics §3 and §8).

The reference rater decides every match with these functions, and the engines
reuse them to explain unmatched samples (the "nearest product" hint), so the
meaning of a condition is written down exactly once. A *row* is a mapping in
the normalized sample schema: ``time``, ``platform_type``, ``location``,
``platform_instance``, ``tenant`` and ``traits.<name>`` keys (a missing key is
an absent trait), and ``created``, when the resource was created
(:func:`rating.rate.timeline.creation_time`), which only grandfathered entries
look at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rating.model import Catalog, Condition, ConditionOp, Product, ScopeSelector, UsageKind
from rating.rate.result import UnmatchedGroup
from rating.regex import catalog_regex
from rating.scopes import MATCHED_SCOPE_COLUMNS

Row = Mapping[str, Any]

_SCOPE_FIELDS = MATCHED_SCOPE_COLUMNS  # the fields a ScopeSelector tests
_QUANTITY_KINDS = (UsageKind.TIME_QUANTITY, UsageKind.QUANTITY)


def trait_column(name: str) -> str:
    """The normalized column holding trait ``name``."""
    return f"traits.{name}"


def as_fraction(value: Any) -> Fraction | None:
    """An exact rational for a numeric trait or bound; ``None`` for non-numbers.

    Floats go through their shortest round-trip text, as Dhall ``Double`` does,
    so ``0.1`` means one tenth. Booleans are not numbers here.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return None


def _equal(actual: Any, expected: Any) -> bool:
    left, right = as_fraction(actual), as_fraction(expected)
    if left is not None and right is not None:
        return left == right
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    return actual == expected


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _scalar_holds(condition: Condition, value: Any) -> bool:
    """One non-null scalar value against a condition other than Present/Absent."""
    op = condition.op
    if op in (ConditionOp.EQUALS, ConditionOp.ONE_OF):
        return any(_equal(value, expected) for expected in condition.values)
    if op == ConditionOp.REGEX:
        return catalog_regex(condition.pattern or "").fullmatch(_text(value)) is not None
    if op == ConditionOp.RANGE:
        number = as_fraction(value)
        if number is None:
            return False
        low = condition.at_least
        high = condition.below
        return (low is None or Fraction(low) <= number) and (
            high is None or number < Fraction(high)
        )
    raise ValueError(f"not a scalar condition: {op}")


def condition_holds(condition: Condition, value: Any) -> bool:
    """Whether a trait value (``None`` = absent) satisfies ``condition``.

    List-valued traits satisfy Equals/OneOf/Regex/Range when any element does,
    and NotOneOf when no element equals a listed value.
    """
    op = condition.op
    if op == ConditionOp.PRESENT:
        return value is not None
    if op == ConditionOp.ABSENT:
        return value is None
    if value is None:
        return False
    elements = value if isinstance(value, list | tuple) else (value,)
    if op == ConditionOp.NOT_ONE_OF:
        return not any(_equal(e, x) for e in elements for x in condition.values)
    return any(e is not None and _scalar_holds(condition, e) for e in elements)


def scope_matches(scope: ScopeSelector, row: Row) -> bool:
    """Every field the selector sets equals the sample's."""
    return all(
        getattr(scope, name) is None or getattr(scope, name) == row.get(name)
        for name in _SCOPE_FIELDS
    )


def valid_at(entry: Product, time: datetime) -> bool:
    """valid_from <= time < valid_until, with ``None`` meaning unbounded."""
    return (entry.valid_from is None or entry.valid_from <= time) and (
        entry.valid_until is None or time < entry.valid_until
    )


def created_in(entry: Product, created: datetime | None) -> bool:
    """created_from <= created < created_until; an unknown creation time predates everything."""
    if created is None:
        return entry.created_from is None
    return (entry.created_from is None or entry.created_from <= created) and (
        entry.created_until is None or created < entry.created_until
    )


def entry_matches(entry: Product, row: Row) -> bool:
    """Scope, validity at the sample time, creation window, every filter condition and usage."""
    if entry.resource_type != row.get("resource_type"):
        return False
    if not scope_matches(entry.scope, row) or not valid_at(entry, row["time"]):
        return False
    if not created_in(entry, row.get("created")):
        return False
    if not all(condition_holds(c, row.get(trait_column(c.trait))) for c in entry.filter):
        return False
    return not (
        entry.usage.kind in _QUANTITY_KINDS
        and row.get(trait_column(entry.usage.trait or "")) is None
    )


def select_entries(candidates: Sequence[Product], row: Row) -> dict[str, Product]:
    """The winning entry per product id among ``candidates`` (catalog order).

    The most specific matching scope wins; equal specificity keeps the first.
    """
    winners: dict[str, Product] = {}
    for entry in candidates:
        if not entry_matches(entry, row):
            continue
        best = winners.get(entry.id)
        if best is None or entry.scope.level.specificity > best.scope.level.specificity:
            winners[entry.id] = entry
    return winners


# ---------------------------------------------------------------- unmatched hints


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        value = list(value)
    return json.dumps(value, default=str)


def _expectation(condition: Condition) -> str:
    op = condition.op
    if op in (ConditionOp.EQUALS, ConditionOp.ONE_OF):
        return f"expected one of {_show(condition.values)}"
    if op == ConditionOp.NOT_ONE_OF:
        return f"expected none of {_show(condition.values)}"
    if op == ConditionOp.REGEX:
        return f"expected to match {_show(condition.pattern)}"
    if op == ConditionOp.RANGE:
        bounds = []
        if condition.at_least is not None:
            bounds.append(f">= {condition.at_least}")
        if condition.below is not None:
            bounds.append(f"< {condition.below}")
        return "expected " + " and ".join(bounds or ["any number"])
    return "expected present" if op == ConditionOp.PRESENT else "expected absent"


def _observed(column: str, value: Any) -> str:
    return f"{column} absent" if value is None else f"{column} = {_show(value)}"


def failures(entry: Product, row: Row) -> list[str]:
    """Why ``entry`` does not match ``row``, one phrase per failed check, in check order."""
    found: list[str] = []
    if entry.resource_type != row.get("resource_type"):
        found.append(f"resource_type = {_show(row.get('resource_type'))}")
    for name in _SCOPE_FIELDS:
        wanted = getattr(entry.scope, name)
        if wanted is not None and wanted != row.get(name):
            found.append(f"{_observed('scope.' + name, row.get(name))}, expected {_show(wanted)}")
    time = row["time"]
    if entry.valid_from is not None and time < entry.valid_from:
        found.append(f"time {time.isoformat()} before validFrom {entry.valid_from.isoformat()}")
    if entry.valid_until is not None and time >= entry.valid_until:
        found.append(
            f"time {time.isoformat()} not before validUntil {entry.valid_until.isoformat()}"
        )
    for condition in entry.filter:
        column = trait_column(condition.trait)
        value = row.get(column)
        if not condition_holds(condition, value):
            found.append(f"{_observed(column, value)}, {_expectation(condition)}")
    if entry.usage.kind in _QUANTITY_KINDS:
        column = trait_column(entry.usage.trait or "")
        if row.get(column) is None:
            found.append(f"{column} absent, needed to measure {entry.usage.kind.value} usage")
    return found


def scope_label(scope: ScopeSelector) -> str:
    """A short name for where an entry applies, e.g. ``eu-de-1`` or ``OpenStack``."""
    named = (scope.location, scope.platform_instance, scope.tenant, scope.cell)
    parts = [v for v in named if v is not None]
    return "/".join(parts) if parts else scope.platform_type


def nearest_hint(candidates: Sequence[Product], row: Row) -> str | None:
    """Name the entry failing the fewest checks for ``row`` and its first failure.

    Ties go to catalog order; ``None`` when the resource type has no entries.
    """
    best: tuple[int, Product, list[str]] | None = None
    for entry in candidates:
        found = failures(entry, row)
        if best is None or len(found) < best[0]:
            best = (len(found), entry, found)
    if best is None:
        return None
    _, entry, found = best
    reason = found[0] if found else "matches now (was it outside the period?)"
    return f'nearest product "{entry.id}" ({scope_label(entry.scope)}): {reason}'


def unmatched_groups(
    catalog: Catalog,
    per_type: Iterable[tuple[str, int, int, str]],
    first_row: Callable[[str, str], Row | None],
) -> list[UnmatchedGroup]:
    """Unmatched samples per resource type, each with the nearest-product hint.

    ``per_type`` rows are (resource type, samples, resources, a resource id);
    ``first_row`` fetches that resource's earliest unmatched sample of the type
    from the engine.
    """
    by_type: dict[str, list[Product]] = {}
    for entry in catalog.products:
        by_type.setdefault(entry.resource_type, []).append(entry)
    groups = []
    for type_id, samples, resources, first_id in per_type:
        row = first_row(first_id, type_id)
        hint = nearest_hint(by_type.get(type_id, []), row) if row is not None else None
        groups.append(UnmatchedGroup(type_id, samples, resources, hint))
    return groups
