"""Ambiguity between entries of one product id (DESIGN.md §4).

Two entries with the same scope specificity whose scopes, filters and
validity periods can all hold for one sample make the price depend on
catalog order, so ``check`` rejects them. For equality, one-of, not-one-of,
range, present and absent conditions the question is decidable and we
construct a witness (trait values satisfying both filters); regexes are
tested against candidate values when there are any, and otherwise count as
possibly overlapping.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from rating.check.findings import Collector
from rating.check.rules.common import entries
from rating.model import (
    Catalog,
    CatalogPart,
    Condition,
    ConditionOp,
    Product,
    ResourceType,
    TraitType,
    TraitValue,
)
from rating.regex import catalog_regex
from rating.scopes import MATCHED_SCOPE_COLUMNS

_ABSENT = object()  # witness marker: the trait must be missing from the sample
_UNDECIDED = object()  # a regex constrains the value and no finite candidate set exists


@dataclass(frozen=True)
class Overlap:
    """Both filters can match; ``witness`` is None when a regex makes it undecidable."""

    witness: dict[str, TraitValue] | None


def check_overlaps(catalog: Catalog, out: Collector) -> None:
    by_id: dict[str, list[tuple[CatalogPart, Product]]] = defaultdict(list)
    for part, product in entries(catalog):
        by_id[product.id].append((part, product))
    for group in by_id.values():
        for (part_a, a), (part_b, b) in itertools.combinations(group, 2):
            if a.resource_type != b.resource_type or a.scope.level is not b.scope.level:
                continue
            if not _scopes_meet(a, b):
                continue
            if not _validity_meets(a, b):
                continue
            where = {"source": b.source, "file": part_b.file, "subject": a.id}
            here = f"{_at(a, part_a)} and {_at(b, part_b)}"
            if a.scope == b.scope and set(a.filter) == set(b.filter):
                out.error(
                    "overlapping-validity",
                    f'product "{a.id}": entries at {here} have the same scope and filter '
                    "and overlapping validity periods",
                    **where,
                )
                continue
            overlap = filters_overlap(a.filter, b.filter, catalog.resource_type(a.resource_type))
            if overlap is None:
                continue
            if overlap.witness is None:
                example = "(a regex decides; cannot prove they are disjoint)"
            else:
                example = f"e.g. a {a.resource_type} with traits " + json.dumps(
                    overlap.witness, sort_keys=True, default=str
                )
            out.error(
                "ambiguous-overlap",
                f'product "{a.id}": entries at {here} have the same scope specificity '
                f"({a.scope.level}) and can both match one resource, {example}",
                **where,
            )


def _at(product: Product, part: CatalogPart) -> str:
    return product.source or part.file


def _scopes_meet(a: Product, b: Product) -> bool:
    for name in MATCHED_SCOPE_COLUMNS:
        left, right = getattr(a.scope, name), getattr(b.scope, name)
        if left is not None and right is not None and left != right:
            return False
    return True


def _validity_meets(a: Product, b: Product) -> bool:
    """Both can apply at one instant to one resource: validity and creation windows meet."""
    return _windows_meet(a.valid_from, a.valid_until, b.valid_from, b.valid_until) and (
        _windows_meet(a.created_from, a.created_until, b.created_from, b.created_until)
    )


def _windows_meet(
    a_from: datetime | None,
    a_until: datetime | None,
    b_from: datetime | None,
    b_until: datetime | None,
) -> bool:
    start = max(_or(a_from, datetime.min), _or(b_from, datetime.min))
    end = min(_or(a_until, datetime.max), _or(b_until, datetime.max))
    return start < end


def _or(moment: datetime | None, default: datetime) -> datetime:
    if moment is None:
        return default
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def filters_overlap(
    left: tuple[Condition, ...], right: tuple[Condition, ...], resource_type: ResourceType | None
) -> Overlap | None:
    """None when no resource satisfies both filters; else an :class:`Overlap`."""
    by_trait: dict[str, list[Condition]] = defaultdict(list)
    for condition in (*left, *right):
        by_trait[condition.trait].append(condition)
    witness: dict[str, TraitValue] = {}
    decided = True
    for trait, conditions in sorted(by_trait.items()):
        trait_def = resource_type.trait(trait) if resource_type else None
        trait_type = trait_def.type if trait_def else None
        value = _solve(conditions, trait_type)
        if value is None:
            return None
        if value is _UNDECIDED:
            decided = False
        elif value is not _ABSENT:
            witness[trait] = value  # type: ignore[assignment]
    return Overlap(witness if decided else None)


def _solve(conditions: list[Condition], trait_type: TraitType | None) -> object | None:
    """A value satisfying every condition on one trait, _ABSENT, _UNDECIDED, or None."""
    ops = {c.op for c in conditions}
    if ConditionOp.ABSENT in ops:
        return _ABSENT if ops == {ConditionOp.ABSENT} else None
    if trait_type in _ELEMENT:
        return _solve_list(conditions, _ELEMENT[trait_type])
    return _solve_scalar(conditions, trait_type)


_ELEMENT = {
    TraitType.LIST_TEXT: TraitType.TEXT,
    TraitType.LIST_INTEGER: TraitType.INTEGER,
    TraitType.LIST_NATURAL: TraitType.NATURAL,
    TraitType.LIST_DOUBLE: TraitType.DOUBLE,
    TraitType.LIST_BOOL: TraitType.BOOL,
}
_POSITIVE = (ConditionOp.EQUALS, ConditionOp.ONE_OF, ConditionOp.REGEX, ConditionOp.RANGE)


def _solve_list(conditions: list[Condition], element: TraitType) -> object | None:
    """A list trait matches a positive condition when any element does, and NotOneOf
    when no element is listed: one element per positive condition suffices."""
    negative = [c for c in conditions if c.op is ConditionOp.NOT_ONE_OF]
    positive = [c for c in conditions if c.op in _POSITIVE] or [None]
    elements: list = []
    for condition in positive:
        value = _solve_scalar([*negative, *([condition] if condition else [])], element)
        if value is None or value is _UNDECIDED:
            return value
        if value not in elements:
            elements.append(value)
    return elements


def _solve_scalar(conditions: list[Condition], trait_type: TraitType | None) -> object | None:
    """A scalar value satisfying every condition (none is Absent), _UNDECIDED, or None."""
    candidates: set | None = None
    for condition in conditions:
        if condition.op is ConditionOp.EQUALS or condition.op is ConditionOp.ONE_OF:
            values = set(condition.values)
            candidates = values if candidates is None else candidates & values
    excluded = {v for c in conditions if c.op is ConditionOp.NOT_ONE_OF for v in c.values}
    low, high = _bounds(conditions)
    patterns = [c.pattern or "" for c in conditions if c.op is ConditionOp.REGEX]

    def fits(value: object) -> bool:
        if value in excluded:
            return False
        if low is not None or high is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return False
            if (low is not None and Decimal(str(value)) < low) or (
                high is not None and Decimal(str(value)) >= high
            ):
                return False
        return all(_full_match(p, value) for p in patterns)

    if candidates is not None:
        matching = sorted((v for v in candidates if fits(v)), key=repr)
        return matching[0] if matching else None
    if patterns:
        return _UNDECIDED
    return _pick(trait_type, low, high, excluded, fits)


def _bounds(conditions: list[Condition]) -> tuple[Decimal | None, Decimal | None]:
    lows = [c.at_least for c in conditions if c.op is ConditionOp.RANGE and c.at_least is not None]
    highs = [c.below for c in conditions if c.op is ConditionOp.RANGE and c.below is not None]
    return (max(lows) if lows else None, min(highs) if highs else None)


def _full_match(pattern: str, value: object) -> bool:
    try:
        return catalog_regex(pattern).fullmatch(_text(value)) is not None
    except re.error:
        return True  # reported by the regex rule; do not hide an overlap behind it


def _text(value: object) -> str:
    """The text a regex sees, as the rater renders trait values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _pick(trait_type, low, high, excluded, fits) -> object | None:
    """Construct a value of the trait's type inside [low, high) avoiding ``excluded``."""
    numeric = (
        low is not None or high is not None or (trait_type is not None and trait_type.is_numeric)
    )
    if not numeric:
        if trait_type is TraitType.BOOL:
            return next((v for v in (True, False) if fits(v)), None)
        return next(s for i in itertools.count() if fits(s := f"other{i or ''}"))
    start = low if low is not None else (high - 1 if high is not None else Decimal(0))
    if trait_type in (TraitType.INTEGER, TraitType.NATURAL, None):
        first = math.ceil(start)
        for number in range(first, first + len(excluded) + 1):
            if fits(number):
                return number
        if trait_type is not None:
            return None
    step = (high - start) / (len(excluded) + 2) if high is not None else Decimal(1)
    for i in range(len(excluded) + 1):
        number = float(start + step * i)
        if fits(number):
            return number
    return None
