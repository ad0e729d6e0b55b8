"""Small catalogs and normalized sample tables for rating tests (reference and engines).

Everything has a sensible default so a test states only what it is about::

    catalog = make_catalog(products=[make_product(unit_price="0.5")])
    table = samples_table([{"time": "2026-10-01T00:00:00Z", "resource_id": "vm-1"}])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from rating.load.samples.schema import sample_schema
from rating.model import (
    Catalog,
    CatalogPart,
    Condition,
    ConditionOp,
    Discount,
    DiscountRule,
    DiscountScope,
    DiscountSelector,
    FxRate,
    Price,
    PriceModel,
    Product,
    ResourceType,
    ScopeLevel,
    ScopeSelector,
    Seller,
    Tier,
    Trait,
    TraitType,
    Usage,
    UsageKind,
)

VM = "test.vm"

VM_TYPE = ResourceType(
    id=VM,
    platform="OpenStack",
    display_name="Test VM",
    description="A virtual machine for rating tests.",
    traits=(
        Trait("vcpu", TraitType.NATURAL, False, "{vCPU}", "virtual CPUs"),
        Trait("ramMb", TraitType.NATURAL, False, "MiBy", "memory"),
        Trait("diskGb", TraitType.DOUBLE, True, "GBy", "disk"),
        Trait("requests", TraitType.NATURAL, True, "1", "requests since last sample"),
        Trait("state", TraitType.TEXT, False, None, "server state"),
        Trait("flavor", TraitType.TEXT, True, None, "flavor name"),
        Trait("tags", TraitType.LIST_TEXT, True, None, "tags"),
    ),
)

SAMPLE_DEFAULTS: dict[str, Any] = {
    "event": None,
    "resource_id": "vm-1",
    "resource_type": VM,
    "resource_name": None,
    "platform_type": "OpenStack",
    "location": "eu-de-1",
    "platform_instance": "pike",
    "tenant": "t1",
    "source_file": "test.jsonl",
}


def utc(text: str) -> datetime:
    """``"2026-10-01T00:00:00Z"`` (or a datetime) as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def samples_schema(
    resource_types: Iterable[ResourceType] = (VM_TYPE,), labels: Sequence[str] = ()
) -> pa.Schema:
    """The normalized sample schema the readers produce for these resource types."""
    return sample_schema(tuple(resource_types), labels=labels)


def sample(time: str | datetime, **fields: Any) -> dict[str, Any]:
    """One row; trait values go in ``traits={...}`` or as ``traits.<name>`` keys."""
    return {"time": time, **fields}


def samples_table(
    rows: Sequence[dict[str, Any]], resource_types: Iterable[ResourceType] = (VM_TYPE,)
) -> pa.Table:
    """Rows (defaults from :data:`SAMPLE_DEFAULTS`, ``traits`` dict flattened) as Arrow.

    Kept labels are ``label.<name>`` keys; the schema has a column for each one used.
    """
    used = (key for row in rows for key in row if key.startswith("label."))
    labels = [key.removeprefix("label.") for key in dict.fromkeys(used)]
    schema = samples_schema(resource_types, labels)
    flat = []
    for line, row in enumerate(rows, start=1):
        record = {**SAMPLE_DEFAULTS, "source_line": line}
        for key, value in row.items():
            if key == "traits":
                record.update({f"traits.{name}": v for name, v in value.items()})
            else:
                record[key] = value
        if isinstance(record["time"], str):
            record["time"] = utc(record["time"])
        unknown = set(record) - set(schema.names)
        if unknown:
            raise KeyError(f"not in the sample schema: {sorted(unknown)}")
        flat.append(record)
    return pa.Table.from_pylist(flat, schema=schema)


def scope(
    platform_type: str = "OpenStack",
    location: str | None = None,
    platform_instance: str | None = None,
    tenant: str | None = None,
    cell: str | None = None,
) -> ScopeSelector:
    """A selector whose level follows from the most specific field set."""
    if cell is not None:
        level = ScopeLevel.CELL
    elif tenant is not None:
        level = ScopeLevel.TENANT
    elif location is not None or platform_instance is not None:
        level = ScopeLevel.PLATFORM_INSTANCE
    else:
        level = ScopeLevel.PLATFORM_TYPE
    return ScopeSelector(level, platform_type, location, platform_instance, tenant, cell)


def equals(trait: str, value: Any) -> Condition:
    return Condition(trait, ConditionOp.EQUALS, (value,))


def tiers(*pairs: tuple[str | None, str]) -> tuple[Tier, ...]:
    """``tiers(("10", "1"), (None, "0.5"))`` → tiers up to 10 at 1, then 0.5."""
    return tuple(Tier(None if up is None else Decimal(up), Decimal(p)) for up, p in pairs)


def make_price(
    unit_price: str | Decimal = "1",
    *,
    currency: str = "EUR",
    model: PriceModel = PriceModel.PER_UNIT,
    tiers: tuple[Tier, ...] = (),
    package_size: str | None = None,
    included: str | Decimal = "0",
    minimum: str | None = None,
) -> Price:
    return Price(
        currency=currency,
        model=model,
        unit_price=Decimal(unit_price),
        tiers=tiers,
        package_size=None if package_size is None else Decimal(package_size),
        included_quantity=Decimal(included),
        minimum_charge=None if minimum is None else Decimal(minimum),
    )


def make_product(
    id: str = "vm-hours",
    *,
    kind: UsageKind = UsageKind.TIME,
    unit: str = "h",
    trait: str | None = None,
    prorate: bool = False,
    unit_price: str | Decimal = "1",
    price: Price | None = None,
    resource_type: str = VM,
    scope: ScopeSelector | None = None,
    filter: Sequence[Condition] = (),
    valid_from: str | datetime | None = None,
    valid_until: str | datetime | None = None,
    usage_type: str | None = None,
    seller: Seller | None = None,
) -> Product:
    """A catalog entry; by default a platform-wide 1 EUR per VM hour."""

    def when(value: str | datetime | None) -> datetime | None:
        return utc(value) if isinstance(value, str) else value

    return Product(
        id=id,
        display_name=id.replace("-", " ").title(),
        description=f"test product {id}",
        resource_type=resource_type,
        scope=scope or ScopeSelector(ScopeLevel.PLATFORM_TYPE, "OpenStack"),
        filter=tuple(filter),
        usage=Usage(kind, unit, trait, prorate),
        usage_type=usage_type or f"{id} usage",
        price=price or make_price(unit_price),
        seller=seller or Seller("operator", "compute"),
        valid_from=when(valid_from),
        valid_until=when(valid_until),
    )


def make_catalog(
    products: Sequence[Product] = (),
    *,
    resource_types: Sequence[ResourceType] = (VM_TYPE,),
    version: str = "test-version",
) -> Catalog:
    """A one-part catalog holding ``products`` (defaults to one VM-hour product)."""
    part = CatalogPart(
        name="base",
        seller_id="operator",
        is_partner=False,
        file="catalog.dhall",
        products=tuple(products) or (make_product(),),
    )
    return Catalog(
        name="test", version=version, parts=(part,), resource_types=tuple(resource_types)
    )


def make_discount(rule: DiscountRule, **fields: Any) -> Discount:
    """A report-level discount or fee; by default on every OpenStack line, in EUR."""
    defaults: dict[str, Any] = {
        "id": f"d-{rule.value}",
        "display_name": rule.value,
        "rule": rule,
        "scope": DiscountSelector(platform_type="OpenStack"),
        "discount_scope": DiscountScope(),
        "currency": "EUR",
    }
    return Discount(**(defaults | fields))


def discounts_catalog(
    *discounts: Discount,
    seller_id: str = "operator",
    version: str = "v1",
    fx_rates: tuple[FxRate, ...] = (),
) -> Catalog:
    """A catalog of only ``discounts`` (and FX rates): what reports need beside line items."""
    part = CatalogPart("base", seller_id, False, "catalog.dhall", (), discounts)
    return Catalog("test", version, (part,), (), fx_rates=fx_rates)
