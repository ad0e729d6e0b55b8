"""What one resource adds to a quota: 1 for a count, its trait in the quota's unit for a sum.

Written once for ``check`` (is the unit commensurable with the trait's?),
``quota status`` (utilization) and admission (what a request would add), with
exact :class:`~fractions.Fraction` arithmetic and the project's UCUM units.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from rating.control.model import MeasureKind, Quota
from rating.errors import RatecardError
from rating.model import Catalog, ResourceType
from rating.rate.matching import as_fraction, condition_holds
from rating.units import conversion_factor


def unit_factor(quota: Quota, resource_type: ResourceType | None) -> Fraction:
    """Exact factor from the summed trait's unit to the quota's; 1 for a count.

    A trait without a unit is a plain number (``1``). Raises
    :class:`RatecardError` saying why the quota cannot measure this type.
    """
    if quota.measure.kind is MeasureKind.COUNT:
        return Fraction(1)
    if resource_type is None:
        raise RatecardError(f"unknown resource type {quota.resource_type!r}")
    trait = resource_type.trait(quota.measure.trait or "")
    if trait is None:
        raise RatecardError(f"{resource_type.id} has no trait {quota.measure.trait!r}")
    if not trait.type.is_numeric:
        raise RatecardError(f"trait {trait.name!r} is {trait.type}, not a number")
    return conversion_factor(trait.unit or "1", quota.measure.unit)


def factors(catalog: Catalog) -> dict[str, Fraction]:
    """Each quota's unit factor; the catalog passed ``check``, so each converts."""
    return {
        quota.id: unit_factor(quota, catalog.resource_type(quota.resource_type))
        for quota in catalog.controls.quotas
    }


def covers(
    quota: Quota, tenant: str, cell: str | None, resource_type: str, traits: Mapping
) -> bool:
    """Does the quota count a resource of this tenant, cell, type and traits?"""
    return (
        quota.tenant == tenant
        and (quota.cell is None or quota.cell == cell)
        and quota.resource_type == resource_type
        and all(condition_holds(c, traits.get(c.trait)) for c in quota.filter)
    )


def contribution(quota: Quota, traits: Mapping[str, Any], factor: Fraction) -> Fraction | None:
    """What one covered resource adds; None when a summed trait is absent (reported, not 0)."""
    if quota.measure.kind is MeasureKind.COUNT:
        return Fraction(1)
    value = as_fraction(traits.get(quota.measure.trait or ""))
    return None if value is None else value * factor
