"""What changed in a catalog's entries: products and discounts added, removed or changed.

Entries may share an id (scope overrides, validity windows), so an entry is
known by its id and its position among the entries of that id; the n-th
``vm-vcpu`` of the old catalog is compared with the n-th of the new one. Each
entry is reduced to a few *aspects* (price, tiers, filter, scope, validity,
seller, …) rendered as text, and an aspect whose text differs is a change: so
equal means "prices the same", whatever the Dhall looked like.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from rating.model import Catalog, Condition, Discount, Product


@dataclass(frozen=True)
class AspectChange:
    """One aspect of an entry before and after, as text."""

    aspect: str
    old: str
    new: str


@dataclass(frozen=True)
class EntryChange:
    """An entry added, removed or changed; ``source``: its "file:line" (the old one if removed)."""

    kind: str  # "product" or "discount"
    id: str
    status: str  # "added", "removed" or "changed"
    source: str | None
    changes: tuple[AspectChange, ...]  # for "changed"; added/removed carry a one-line summary


Entry = Product | Discount
Relabel = Callable[[str], str]


def structural_changes(
    old: Catalog, new: Catalog, old_shown: Relabel, new_shown: Relabel
) -> tuple[EntryChange, ...]:
    """Every entry that differs between ``old`` and ``new``, products first, by id.

    ``old_shown``/``new_shown`` turn a source path into what the user would
    write (a git checkout's temporary path into ``REF:path``).
    """
    changes: list[EntryChange] = []
    for kind, before, after in (
        ("product", old.products, new.products),
        ("discount", old.discounts, new.discounts),
    ):
        old_entries, new_entries = _keyed(before), _keyed(after)
        for key in sorted(old_entries.keys() | new_entries.keys()):
            change = _compare(
                kind, old_entries.get(key), new_entries.get(key), old_shown, new_shown
            )
            if change is not None:
                changes.append(change)
    return tuple(changes)


def _keyed(entries: Iterable[Entry]) -> dict[tuple[str, int], Entry]:
    """Entries by (id, position among the entries of that id)."""
    seen: Counter[str] = Counter()
    keyed = {}
    for entry in entries:
        keyed[(entry.id, seen[entry.id])] = entry
        seen[entry.id] += 1
    return keyed


def _compare(
    kind: str, old: Entry | None, new: Entry | None, old_shown: Relabel, new_shown: Relabel
) -> EntryChange | None:
    if old is None and new is not None:
        summary = AspectChange("", "", _summary(new))
        return EntryChange(kind, new.id, "added", _source(new, new_shown), (summary,))
    if new is None and old is not None:
        summary = AspectChange("", _summary(old), "")
        return EntryChange(kind, old.id, "removed", _source(old, old_shown), (summary,))
    assert old is not None and new is not None
    before, after = aspects(old), aspects(new)
    differing = tuple(
        AspectChange(name, before.get(name, ""), after.get(name, ""))
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name)
    )
    if not differing:
        return None
    return EntryChange(kind, new.id, "changed", _source(new, new_shown), differing)


def _source(entry: Entry, shown: Relabel) -> str | None:
    return shown(entry.source) if entry.source else None


def _summary(entry: Entry) -> str:
    """What an added or removed entry is, in one line."""
    text = aspects(entry)
    head = text.get("resource type") or text.get("rule", "")
    return f"{head}: {text['price']}" + (f" {text['tiers']}" if text["tiers"] else "")


def aspects(entry: Entry) -> dict[str, str]:
    """An entry as aspect → text; two entries price alike iff their aspects are equal."""
    if isinstance(entry, Product):
        return {
            "name": f"{entry.display_name} ({entry.usage_type})",
            "description": entry.description,
            "resource type": entry.resource_type,
            "usage": _fields(entry.usage),
            "price": _price(entry),
            "tiers": _tiers("up to", ((t.up_to, t.unit_price) for t in entry.price.tiers)),
            "filter": " and ".join(_condition(c) for c in entry.filter),
            "scope": _fields(entry.scope),
            "validity": _validity(entry.valid_from, entry.valid_until, entry),
            "seller": _fields(entry.seller),
        }
    return {
        "name": entry.display_name,
        "rule": entry.rule.value,
        "price": entry.currency
        + ("" if entry.percentage is None else f" {_number(entry.percentage)} %"),
        "tiers": _tiers("from", ((t.threshold, t.value) for t in entry.tiers)),
        "scope": _fields(entry.scope) or "every platform",
        "lines": _fields(entry.discount_scope),
        "validity": _validity(entry.valid_from, entry.valid_until, None),
        "seller": _fields(entry.seller) if entry.seller else "the operator",
    }


def _price(product: Product) -> str:
    price = product.price
    text = f"{price.model.value} {price.currency}"
    if not price.tiers:
        text += f" {_number(price.unit_price)}"
    if price.package_size is not None:
        text += f" per {_number(price.package_size)}"
    if price.included_quantity:
        text += f", {_number(price.included_quantity)} included"
    if price.minimum_charge is not None:
        text += f", minimum {_number(price.minimum_charge)}"
    return text


def _tiers(bound_word: str, tiers: Iterable[tuple[Decimal | None, Decimal]]) -> str:
    """Tiers as ``up to 10.0: 0.25; rest: 0.1`` (products) or ``from 100: -5`` (discounts)."""
    return "; ".join(
        f"{'rest' if bound is None else f'{bound_word} {_number(bound)}'}: {_number(value)}"
        for bound, value in tiers
    )


def _condition(condition: Condition) -> str:
    if condition.pattern is not None:
        operand = f"/{condition.pattern}/"
    elif condition.at_least is not None or condition.below is not None:
        operand = f"[{_number(condition.at_least)}, {_number(condition.below)})"
    else:
        operand = ", ".join(str(value) for value in condition.values)
    return f"{condition.trait} {condition.op.value} {operand}".rstrip()


def _validity(start: datetime | None, end: datetime | None, product: Product | None) -> str:
    text = f"[{_time(start)}, {_time(end)})" if start or end else "always"
    if product is not None and (product.created_from or product.created_until):
        text += f", resources created in [{_time(product.created_from)}, "
        text += f"{_time(product.created_until)})"
    return text


def _fields(value: object) -> str:
    """A small dataclass's set fields as ``name=value``, enum members by value."""
    parts = []
    for name, item in vars(value).items():
        if item is None:
            continue
        parts.append(f"{name}={getattr(item, 'value', item)}")
    return ", ".join(parts)


def _time(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat().replace("+00:00", "Z")


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")
