"""Line items (``LINE_ITEM_SCHEMA``) and tenant reports → a FOCUS 1.2 cost-and-usage dataset.

The mapping is documented column by column in ``docs/focus-mapping.md``. Line
items map vectorized with Arrow compute, so a million of them take about a
second; Python only runs once per *distinct* value (units, resource types,
periods). The reports add a few rows per tenant — discounts (``Credit``), fees
and rounding (``Adjustment``) — so that per tenant and currency the BilledCost
sum is exactly the report's total: line items keep their unrounded amounts and
each top-level line's rounding difference is a row of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rating.errors import RatecardError
from rating.export.units import ascii_text, focus_unit
from rating.model import Catalog, UsageKind
from rating.period import Period
from rating.rate.result import LINE_ITEM_SCHEMA, MONEY, TIMESTAMP, line_item_schema
from rating.report.build import NO_TENANT, build_reports
from rating.report.model import DiscountLine, TenantReport, TopLine
from rating.scopes import LABEL_COLUMN_PREFIX, label_column
from rating.service_categories import subcategory

FOCUS_VERSION = "1.2"
# Unit price × quantity keeps all 24 decimals so ListCost = ListUnitPrice × PricingQuantity exactly.
EXACT_COST = pa.decimal128(38, 24)
MINIMUM_CHARGE = "minimum charge"

FOCUS_SCHEMA = pa.schema(
    [
        ("BillingAccountId", pa.string()),
        ("BillingAccountName", pa.string()),
        ("BillingAccountType", pa.string()),
        ("SubAccountId", pa.string()),
        ("SubAccountName", pa.string()),
        ("SubAccountType", pa.string()),
        ("BillingCurrency", pa.string()),
        ("BillingPeriodStart", TIMESTAMP),
        ("BillingPeriodEnd", TIMESTAMP),
        ("ChargePeriodStart", TIMESTAMP),
        ("ChargePeriodEnd", TIMESTAMP),
        ("ChargeCategory", pa.string()),
        ("ChargeClass", pa.string()),
        ("ChargeFrequency", pa.string()),
        ("ChargeDescription", pa.string()),
        ("PricingCategory", pa.string()),
        ("PricingQuantity", MONEY),
        ("PricingUnit", pa.string()),
        ("ConsumedQuantity", MONEY),
        ("ConsumedUnit", pa.string()),
        ("ListUnitPrice", MONEY),
        ("ListCost", EXACT_COST),
        ("ContractedUnitPrice", MONEY),
        ("ContractedCost", EXACT_COST),
        ("BilledCost", MONEY),
        ("EffectiveCost", MONEY),
        ("PricingCurrency", pa.string()),
        ("PricingCurrencyListUnitPrice", MONEY),
        ("PricingCurrencyContractedUnitPrice", MONEY),
        ("PricingCurrencyEffectiveCost", MONEY),
        ("InvoiceId", pa.string()),
        ("InvoiceIssuerName", pa.string()),
        ("ProviderName", pa.string()),
        ("PublisherName", pa.string()),
        ("ServiceName", pa.string()),
        ("ServiceCategory", pa.string()),
        ("ServiceSubcategory", pa.string()),
        ("SkuId", pa.string()),
        ("SkuPriceId", pa.string()),
        ("SkuMeter", pa.string()),
        ("SkuPriceDetails", pa.string()),
        ("CommitmentDiscountStatus", pa.string()),
        ("ResourceId", pa.string()),
        ("ResourceName", pa.string()),
        ("ResourceType", pa.string()),
        ("RegionId", pa.string()),
        ("RegionName", pa.string()),
        ("AvailabilityZone", pa.string()),
        ("Tags", pa.string()),
        ("x_SellerId", pa.string()),
        ("x_SellerProductGroup", pa.string()),
        ("x_CatalogVersion", pa.string()),
        ("x_PlatformType", pa.string()),
        ("x_Location", pa.string()),
        ("x_PlatformInstance", pa.string()),
        ("x_ProductId", pa.string()),
        ("x_UsageType", pa.string()),
        ("x_DiscountId", pa.string()),
    ]
)
# Report-level rows: the service they are filed under, and its category (FOCUS wants one).
ROUNDING_SERVICE = "Rounding"
_REPORT_SERVICE = ("Other", "Other (Other)")


def frequencies_from_catalog(catalog: Catalog) -> dict[str, str]:
    """Product id → FOCUS ChargeFrequency from the usage kind (line items only carry its label)."""
    by_kind = {UsageKind.RECURRING: "Recurring", UsageKind.ONE_TIME: "One-Time"}
    return {p.id: by_kind.get(p.usage.kind, "Usage-Based") for p in catalog.products}


def charge_frequency(usage_type: str | None) -> str:
    """Fallback without a catalog: guess from the usage-type label ("setup fee" → One-Time)."""
    lowered = (usage_type or "").lower()
    if "recurring" in lowered or lowered == MINIMUM_CHARGE:
        return "Recurring"
    if "one-time" in lowered or "onetime" in lowered or "setup" in lowered:
        return "One-Time"
    return "Usage-Based"


def focus_dataset(
    catalog: Catalog, line_items: pa.Table, period: Period, *, provider_name: str = "ratecard"
) -> pa.Table:
    """The FOCUS rows of a rating run: line items, then each tenant's report-level rows.

    The reports are built with their defaults (half-even rounding), as ``ratecard
    report`` does without options, so both agree cent for cent.
    """
    return to_focus(
        line_items,
        provider_name=provider_name,
        frequencies=frequencies_from_catalog(catalog),
        reports=build_reports(catalog, line_items, period),
    )


def to_focus(
    line_items: pa.Table,
    *,
    provider_name: str = "ratecard",
    frequencies: Mapping[str, str] | None = None,
    reports: Iterable[TenantReport] = (),
) -> pa.Table:
    """Map line items to FOCUS 1.2 columns (plus ``x_`` extensions), same row order.

    ``frequencies`` (product id → ChargeFrequency, see :func:`frequencies_from_catalog`)
    overrides the guess from usage-type labels; minimum charges are always Recurring.
    ``reports`` (of the same line items) append their discount, fee and rounding rows.
    """
    # Columns beyond LINE_ITEM_SCHEMA: the catalog's label dimensions (label.<name>).
    extra = line_items.schema.names[len(LINE_ITEM_SCHEMA) :]
    labels = [n.removeprefix(LABEL_COLUMN_PREFIX) for n in extra]
    if _shape(line_items.schema) != _shape(line_item_schema(labels)):
        raise RatecardError("export: line items do not follow rating.rate.result.LINE_ITEM_SCHEMA")
    items = line_items.combine_chunks()
    rows = items.num_rows
    column = items.column
    provider = pa.array([ascii_text(provider_name)] * rows, pa.string())
    adjustment = pc.equal(column("usage_type"), pa.scalar(MINIMUM_CHARGE))
    adjustment = pc.fill_null(adjustment, False)
    usage = pc.invert(adjustment)

    def on_usage(values: pa.Array) -> pa.Array:
        return pc.if_else(usage, values, pa.nulls(rows, values.type))

    quantity = column("quantity")
    unit_price = column("unit_price")
    focus_units = _map_distinct(column("unit"), focus_unit, pa.string())
    exact_cost = _exact_product(unit_price, quantity)
    amount = column("amount")
    list_cost = pc.if_else(
        pc.and_(usage, pc.is_valid(exact_cost)), exact_cost, amount.cast(EXACT_COST)
    )
    periods = _map_distinct(
        column("period"), _period_bounds, pa.struct([("s", TIMESTAMP), ("e", TIMESTAMP)])
    )
    service_name = pc.coalesce(column("product_name"), column("product_id"))
    services = _services(
        *(
            c.combine_chunks()
            for c in (service_name, column("service_category"), column("resource_type"))
        )
    )
    frequency = _map_distinct(column("usage_type"), charge_frequency, pa.string())
    if frequencies:
        known = _map_distinct(column("product_id"), frequencies.get, pa.string())
        frequency = pc.if_else(adjustment, frequency, pc.coalesce(known, frequency))
    tenant = column("tenant")
    invoice_id = pc.binary_join_element_wise("INV", tenant, column("period"), "provisional", "-")
    description = pc.binary_join_element_wise(
        column("product_name"), pc.fill_null(column("usage_type"), ""), ": "
    )
    sku_price_id = pc.binary_join_element_wise(
        column("product_id"), pc.fill_null(column("catalog_version"), "unversioned"), "@"
    )
    columns: dict[str, Any] = {
        "BillingAccountId": tenant,
        "BillingAccountName": tenant,
        "BillingAccountType": _constant("Tenant", rows),
        **_sub_account(tenant, column("cell")),
        "BillingCurrency": column("currency"),
        "BillingPeriodStart": pc.struct_field(periods, [0]),
        "BillingPeriodEnd": pc.struct_field(periods, [1]),
        "ChargePeriodStart": column("start"),
        "ChargePeriodEnd": column("end"),
        "ChargeCategory": pc.if_else(adjustment, "Adjustment", "Usage"),
        "ChargeClass": pa.nulls(rows, pa.string()),
        "ChargeFrequency": frequency,
        "ChargeDescription": description,
        "PricingCategory": on_usage(_constant("Standard", rows)),
        "PricingQuantity": on_usage(quantity),
        "PricingUnit": on_usage(focus_units),
        "ConsumedQuantity": on_usage(quantity),
        "ConsumedUnit": on_usage(focus_units),
        "ListUnitPrice": on_usage(unit_price),
        "ListCost": list_cost,
        "ContractedUnitPrice": on_usage(unit_price),
        "ContractedCost": list_cost,
        "BilledCost": amount,
        "EffectiveCost": amount,
        # Catalogs price in the billing currency: the PricingCurrency* columns repeat the prices.
        "PricingCurrency": column("currency"),
        "PricingCurrencyListUnitPrice": on_usage(unit_price),
        "PricingCurrencyContractedUnitPrice": on_usage(unit_price),
        "PricingCurrencyEffectiveCost": amount,
        "InvoiceId": invoice_id,
        "InvoiceIssuerName": provider,
        "ProviderName": provider,
        "PublisherName": column("seller_id"),
        "ServiceName": service_name,
        "ServiceCategory": pc.struct_field(services, [0]),
        "ServiceSubcategory": pc.struct_field(services, [1]),
        "SkuId": column("product_id"),
        "SkuPriceId": sku_price_id,
        "SkuMeter": column("usage_type"),
        "SkuPriceDetails": pa.nulls(rows, pa.string()),
        # No commitment discounts; present (null) because validator 2.2.1 references it anyway.
        "CommitmentDiscountStatus": pa.nulls(rows, pa.string()),
        "ResourceId": column("resource_id"),
        "ResourceName": column("resource_name"),
        # FOCUS: ResourceType is null wherever ResourceId is (e.g. minimum-charge lines).
        "ResourceType": pc.if_else(
            pc.is_valid(column("resource_id")),
            column("resource_type"),
            pa.scalar(None, pa.string()),
        ),
        "RegionId": column("location"),
        "RegionName": column("location"),
        "AvailabilityZone": pa.nulls(rows, pa.string()),
        "Tags": _tags(column("cell"), {name: column(label_column(name)) for name in labels}),
        "x_SellerId": column("seller_id"),
        "x_SellerProductGroup": column("seller_product_group"),
        "x_CatalogVersion": column("catalog_version"),
        "x_PlatformType": column("platform_type"),
        "x_Location": column("location"),
        "x_PlatformInstance": column("platform_instance"),
        "x_ProductId": column("product_id"),
        "x_UsageType": column("usage_type"),
        "x_DiscountId": pa.nulls(rows, pa.string()),
    }
    usage_rows = _focus_table(columns)
    report_rows = [row for report in reports for row in _report_rows(report, provider_name)]
    if not report_rows:
        return usage_rows
    extra = pa.Table.from_pylist(report_rows, schema=FOCUS_SCHEMA)
    return pa.concat_tables([usage_rows, _focus_table({n: extra[n] for n in extra.column_names})])


def _focus_table(columns: Mapping[str, Any]) -> pa.Table:
    """Columns in FOCUS_SCHEMA order and types, strings folded to ASCII for the validator."""
    arrays = []
    for name in FOCUS_SCHEMA.names:
        values = columns[name]
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        values = values.cast(FOCUS_SCHEMA.field(name).type)
        if pa.types.is_string(values.type):
            values = _ascii(values)
        arrays.append(values)
    return pa.Table.from_arrays(arrays, schema=FOCUS_SCHEMA)


def _report_rows(report: TenantReport, provider_name: str) -> list[dict[str, Any]]:
    """One tenant's rows beyond its line items: rounding differences, then discounts and fees.

    A rounding row per top-level line whose rounded amount differs from its exact
    one (``Adjustment``): with the line items' exact amounts they sum to the
    rounded line. A discount is a ``Credit`` granted after the fact, a fee an
    ``Adjustment``; both carry the report's rounded amount. Such a charge relates
    to no single row, so FOCUS wants List-, Contracted- and EffectiveCost equal to
    its BilledCost, and no quantity, unit or price.
    """
    rows = [
        _report_row(
            report,
            provider_name,
            category="Adjustment",
            amount=line.rounding_difference,
            currency=line.currency,
            description=f"Rounding to the {line.currency} minor unit: "
            f"{line.seller_id} {line.seller_product_group}",
            service=ROUNDING_SERVICE,
            line=line,
        )
        for line in report.lines
        if line.rounding_difference
    ]
    rows += [
        _report_row(
            report,
            provider_name,
            category="Credit" if discount.rate < 0 else "Adjustment",
            amount=discount.amount,
            currency=discount.currency,
            description=f"{discount.display_name} ({discount.rule})",
            service=discount.display_name,
            line=discount,
        )
        for discount in report.discounts
    ]
    return rows


def _report_row(
    report: TenantReport,
    provider_name: str,
    *,
    category: str,
    amount: Decimal,
    currency: str,
    description: str,
    service: str,
    line: TopLine | DiscountLine,
) -> dict[str, Any]:
    tenant = None if report.tenant == NO_TENANT else report.tenant
    category_name, subcategory = _REPORT_SERVICE
    row: dict[str, Any] = dict.fromkeys(FOCUS_SCHEMA.names)
    row.update(
        {
            "BillingAccountId": tenant,
            "BillingAccountName": tenant,
            "BillingAccountType": "Tenant",
            "SubAccountId": tenant,
            "SubAccountName": tenant,
            "SubAccountType": "Project",
            "BillingCurrency": currency,
            "BillingPeriodStart": report.period_start,
            "BillingPeriodEnd": report.period_end,
            "ChargePeriodStart": report.period_start,
            "ChargePeriodEnd": report.period_end,
            "ChargeCategory": category,
            "ChargeFrequency": "Recurring",  # once per billing period, like a minimum charge
            "ChargeDescription": description,
            "ListCost": amount,
            "ContractedCost": amount,
            "BilledCost": amount,
            "EffectiveCost": amount,
            "PricingCurrency": currency,
            "PricingCurrencyEffectiveCost": amount,
            "InvoiceId": f"INV-{tenant}-{report.period}-provisional" if tenant else None,
            "InvoiceIssuerName": provider_name,
            "ProviderName": provider_name,
            "PublisherName": line.seller_id,
            "ServiceName": service,
            "ServiceCategory": category_name,
            "ServiceSubcategory": subcategory,
            "x_SellerId": line.seller_id,
            "x_SellerProductGroup": line.seller_product_group,
            "x_CatalogVersion": report.catalog_version,
            "x_DiscountId": line.discount_id if isinstance(line, DiscountLine) else None,
        }
    )
    return row


def _services(
    service_name: pa.Array, category: pa.Array, resource_type: pa.Array
) -> pa.StructArray:
    """(category, subcategory) per row, one per ServiceName (FOCUS requires exactly one).

    The line items carry the category (the product's, :mod:`rating.service_categories`);
    a service whose rows differ takes the smallest, and its subcategory from the
    smallest resource type id of that category, so neither depends on row order.
    """
    category = pc.fill_null(category, "Other")  # FOCUS wants one; the rater always sets it
    pairs = pa.table({"name": service_name, "category": category, "type": resource_type})
    firsts = pairs.group_by(["name", "category"]).aggregate([("type", "min")])
    chosen: dict[str, tuple[str, str | None]] = {}
    for name, cat, first in zip(
        *(firsts.column(c).to_pylist() for c in ("name", "category", "type_min")), strict=True
    ):
        if name not in chosen or cat < chosen[name][0]:
            chosen[name] = (cat, first)
    names = pa.array(list(chosen), pa.string())
    categories = pa.array(
        [(cat, subcategory(cat, first)) for cat, first in chosen.values()],
        pa.struct([("c", pa.string()), ("s", pa.string())]),
    )
    return categories.take(pc.index_in(service_name, value_set=names))


def _shape(schema: pa.Schema) -> list[tuple[str, pa.DataType]]:
    """Names and types only: engines may differ in nullability flags and metadata."""
    return [(f.name, f.type) for f in schema]


def _constant(value: str, rows: int) -> pa.Array:
    return pa.array([value] * rows, pa.string())


def _period_bounds(label: str | None) -> dict[str, Any] | None:
    if label is None:
        raise RatecardError("export: a line item has no period")
    period = Period.parse(label)
    return {"s": period.start, "e": period.end}


def _exact_product(unit_price: pa.ChunkedArray, quantity: pa.ChunkedArray) -> pa.Array:
    """unit_price × quantity with all 24 decimals, failing loudly rather than overflowing."""
    narrow = pa.decimal256(30, 12)
    try:
        product = pc.multiply(unit_price.cast(narrow), quantity.cast(narrow))
        return product.cast(EXACT_COST)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise RatecardError(
            f"export: unit_price × quantity too large for FOCUS: {error}"
        ) from error


def _sub_account(tenant: pa.ChunkedArray, cell: pa.ChunkedArray) -> dict[str, Any]:
    """SubAccount: the tenant (a project), or the cell below it when the line item has one.

    A cell's id is ``tenant/cell``: cells are named by their tenant, so two tenants'
    cells of one name stay two sub-accounts.
    """
    has_cell = pc.and_(pc.is_valid(cell), pc.is_valid(tenant))  # no tenant: no sub-account
    return {
        "SubAccountId": pc.if_else(
            has_cell, pc.binary_join_element_wise(tenant, cell, "/"), tenant
        ),
        "SubAccountName": pc.if_else(has_cell, cell, tenant),
        "SubAccountType": pc.if_else(has_cell, "Cell", "Project"),
    }


def _json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _tags(cell: pa.ChunkedArray, labels: Mapping[str, pa.ChunkedArray]) -> pa.Array:
    """FOCUS Tags, a JSON object per row (null when empty): the cell under the provider
    prefix ``ratecard/``, then the catalog's label dimensions as the user's own tags,
    unprefixed. Each value is JSON-encoded once per distinct value."""
    pieces = [  # ', "key": "value"' or "" per row
        _map_distinct(
            values,
            lambda v, key=key: "" if v is None else f", {_json(key)}: {_json(v)}",
            pa.string(),
        )
        for key, values in {"ratecard/cell": cell, **labels}.items()
    ]
    body = pc.utf8_slice_codeunits(pc.binary_join_element_wise(*pieces, ""), 2)
    tags = pc.binary_join_element_wise("{", body, "}", "")
    return pc.if_else(pc.equal(body, ""), pa.scalar(None, pa.string()), tags)


def _map_distinct(
    values: pa.ChunkedArray, fn: Callable[[Any], Any], type_: pa.DataType
) -> pa.Array:
    """Apply ``fn`` once per distinct value and broadcast the results back to every row."""
    values = values.combine_chunks()
    distinct = pc.unique(values)
    mapped = pa.array([fn(value) for value in distinct.to_pylist()], type_)
    return mapped.take(pc.index_in(values, value_set=distinct))


def _ascii(values: pa.Array) -> pa.Array:
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return values
    return _map_distinct(
        pa.chunked_array([values]), lambda v: None if v is None else ascii_text(v), pa.string()
    )
