"""The dimensions a report groups by (``--by``) and which line-item column holds each.

``label:<name>`` reads the line-item column ``label.<name>``, which exists
only when the catalog declares that label as an allocation dimension; a
dimension whose column the line items lack is an error, never an empty
grouping. Discount and fee lines carry only the tenant, the seller and the
seller product group; under any other dimension they have no value (None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rating.errors import RatecardError

LABEL = "label:"
_COLUMNS = {
    "tenant": "tenant",
    "cell": "cell",
    "seller": "seller_id",
    "product-group": "seller_product_group",
    "service-category": "service_category",
    "product": "product_id",
}
# The discount-line attribute that carries a dimension (the tenant is the report's).
_DISCOUNT_FIELDS = {"seller": "seller_id", "product-group": "seller_product_group"}
_EXPECTED = f"expected {', '.join(_COLUMNS)} or {LABEL}NAME"


@dataclass(frozen=True)
class Dimension:
    name: str  # as written: "cell", "label:costCenter"
    column: str  # the line-item column: "cell", "label.costCenter"

    def value(self, row: Mapping[str, Any], tenant: str) -> str | None:
        """The dimension's value for a line item of ``tenant``'s report."""
        return tenant if self.name == "tenant" else row[self.column]

    def discount_value(self, discount: Any, tenant: str) -> str | None:
        """The value for a discount/fee line: only tenant, seller and product group have one."""
        if self.name == "tenant":
            return tenant
        field = _DISCOUNT_FIELDS.get(self.name)
        return None if field is None else getattr(discount, field)


def parse_dimensions(text: str | Iterable[str]) -> tuple[Dimension, ...]:
    """``tenant,cell`` (or a list of names) as dimensions; unknown or repeated ones fail."""
    names = text.split(",") if isinstance(text, str) else list(text)
    dimensions: list[Dimension] = []
    for raw in names:
        name = raw.strip()
        if name.startswith(LABEL) and name[len(LABEL) :].strip():
            dimension = Dimension(name, f"label.{name[len(LABEL) :].strip()}")
        elif name in _COLUMNS:
            dimension = Dimension(name, _COLUMNS[name])
        else:
            raise RatecardError(f"--by {name!r}: unknown dimension, {_EXPECTED}")
        if dimension in dimensions:
            raise RatecardError(f"--by {name!r}: dimension given twice")
        dimensions.append(dimension)
    return tuple(dimensions)


def values_key(values: Iterable[str | None]) -> tuple[tuple[bool, str], ...]:
    """Sort key for groups' values: a missing value (None) before any text."""
    return tuple((value is not None, value or "") for value in values)


def require_declared(dimensions: Iterable[Dimension], labels: Iterable[str]) -> None:
    """Fail before rating when a label dimension is not one the catalog declares
    (``labels``): the line items would lack its column, and rating first would
    only delay the same error."""
    require_columns(dimensions, [*_COLUMNS.values(), *(f"label.{name}" for name in labels)])


def require_columns(dimensions: Iterable[Dimension], columns: Iterable[str]) -> None:
    """Fail when the line items lack a dimension's column (a label the catalog never declared)."""
    present = set(columns)
    for dimension in dimensions:
        if dimension.column in present or dimension.name == "tenant":
            continue
        if dimension.name.startswith(LABEL):
            raise RatecardError(
                f"--by {dimension.name}: the catalog declares no label dimension "
                f"{dimension.name[len(LABEL) :]!r} (line items have no column {dimension.column!r})"
            )
        raise RatecardError(
            f"--by {dimension.name}: line items have no column {dimension.column!r}"
        )
