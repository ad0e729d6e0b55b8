"""Rules on one product entry against its resource type: traits, value types, units."""

from __future__ import annotations

from rating.check.findings import Collector
from rating.check.rules.common import entries, regex_error
from rating.identifiers import identifier_error
from rating.model import (
    Catalog,
    Condition,
    ConditionOp,
    Product,
    ResourceType,
    Trait,
    TraitType,
    UsageKind,
)
from rating.regex import engine_regex_error

_ELEMENT = {
    TraitType.LIST_TEXT: TraitType.TEXT,
    TraitType.LIST_INTEGER: TraitType.INTEGER,
    TraitType.LIST_NATURAL: TraitType.NATURAL,
    TraitType.LIST_DOUBLE: TraitType.DOUBLE,
    TraitType.LIST_BOOL: TraitType.BOOL,
}


def value_fits(value: object, trait_type: TraitType) -> bool:
    """Whether a condition value can equal a trait of this type (lists compare elements)."""
    scalar = _ELEMENT.get(trait_type, trait_type)
    if scalar is TraitType.TEXT:
        return isinstance(value, str)
    if scalar is TraitType.BOOL:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if scalar is TraitType.DOUBLE:
        return isinstance(value, int | float)
    if scalar is TraitType.NATURAL:
        return isinstance(value, int) and value >= 0
    return isinstance(value, int)


def _type_name(value: object) -> str:
    return {str: "Text", bool: "Bool", int: "Integer", float: "Double"}.get(
        type(value), type(value).__name__
    )


def check_products(catalog: Catalog, out: Collector) -> None:
    for part, product in entries(catalog):
        where = {"source": product.source, "file": part.file, "subject": product.id}
        for field, value in (("id", product.id), ("sellerId", product.seller.seller_id)):
            reason = identifier_error(value)
            if reason is not None:
                named = field if field == "id" else f"{field} {value!r}"
                out.error("bad-identifier", f"product {product.id!r}: {named} {reason}", **where)
        resource_type = catalog.resource_type(product.resource_type)
        if resource_type is None:
            out.error(
                "unknown-resource-type",
                f'product "{product.id}": unknown resource type "{product.resource_type}"',
                **where,
            )
            continue
        for condition in product.filter:
            _check_condition(product, resource_type, condition, out, where)
        _check_usage(product, resource_type, out, where)


def _check_condition(
    product: Product,
    resource_type: ResourceType,
    condition: Condition,
    out: Collector,
    where: dict,
) -> None:
    label = f'product "{product.id}": condition on "{condition.trait}"'
    if condition.op is ConditionOp.REGEX:
        pattern = condition.pattern or ""
        reason = regex_error(pattern) or engine_regex_error(pattern)
        if reason is not None:
            out.error(
                "bad-regex",
                f"{label}: regex {condition.pattern!r} does not compile: {reason}",
                **where,
            )
    trait = resource_type.trait(condition.trait)
    if trait is None:
        known = ", ".join(t.name for t in resource_type.traits)
        out.error(
            "unknown-trait",
            f'product "{product.id}": resource type "{resource_type.id}" has no trait '
            f'"{condition.trait}" (known: {known})',
            **where,
        )
        return
    if condition.op is ConditionOp.RANGE and not trait.type.is_numeric:
        out.error("wrong-value-type", f"{label}: Range on a {trait.type} trait", **where)
    if condition.op is ConditionOp.REGEX and trait.type not in (
        TraitType.TEXT,
        TraitType.LIST_TEXT,
    ):
        out.error("wrong-value-type", f"{label}: Regex on a {trait.type} trait", **where)
    for value in condition.values:
        if not value_fits(value, trait.type):
            out.error(
                "wrong-value-type",
                f"{label}: {_type_name(value)} value {value!r} for a {trait.type} trait",
                **where,
            )


def _check_usage(
    product: Product, resource_type: ResourceType, out: Collector, where: dict
) -> None:
    from rating import units

    usage = product.usage
    label = f'product "{product.id}": usage unit "{usage.unit}"'
    try:
        units.parse_unit(usage.unit)
    except Exception as bad:  # the units module reports invalid codes its own way
        out.error("invalid-unit", f"{label} is not a valid UCUM code: {bad}", **where)
        return
    if usage.kind is UsageKind.TIME:
        if not units.is_time_unit(usage.unit):
            out.error("incommensurable-unit", f"{label} is not a time unit", **where)
        return
    if usage.kind not in (UsageKind.TIME_QUANTITY, UsageKind.QUANTITY):
        return
    trait = _measured_trait(product, resource_type, out, where)
    if trait is None or trait.unit is None:
        return
    time = units.time_basis(usage.unit)  # calendar months never convert to hours
    measured = trait.unit if usage.kind is UsageKind.QUANTITY else units.multiply(trait.unit, time)
    if not units.is_commensurable(usage.unit, measured):
        what = (
            f'"{trait.name}" ({trait.unit})'
            if usage.kind is UsageKind.QUANTITY
            else f'"{trait.name}" ({trait.unit}) × time'
        )
        out.error(
            "incommensurable-unit",
            f"{label} is not commensurable with {what}, which {usage.kind} measures",
            **where,
        )


def _measured_trait(
    product: Product, resource_type: ResourceType, out: Collector, where: dict
) -> Trait | None:
    """The numeric trait with a unit that TimeQuantity/Quantity measure, or a finding."""
    usage = product.usage
    label = f'product "{product.id}": {usage.kind} usage'
    if not usage.trait:
        out.error("usage-without-trait", f"{label} names no trait", **where)
        return None
    trait = resource_type.trait(usage.trait)
    if trait is None:
        out.error(
            "unknown-trait",
            f'{label}: resource type "{resource_type.id}" has no trait "{usage.trait}"',
            **where,
        )
        return None
    if not trait.type.is_numeric:
        out.error(
            "non-numeric-usage-trait",
            f'{label} measures {trait.type} trait "{trait.name}"',
            **where,
        )
        return None
    if trait.unit is None:
        out.error(
            "usage-trait-without-unit",
            f'{label} measures trait "{trait.name}", which has no unit',
            **where,
        )
        return None
    return trait
