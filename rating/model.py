"""The typed, immutable model everything after loading works on.

Dhall evaluates to plain JSON-like data; :mod:`rating.load` turns it into these
frozen dataclasses once, so checks, engines and reports never look at raw
dictionaries. Money and prices are :class:`~decimal.Decimal`; Dhall ``Double``
values are converted through their shortest round-trip text (``repr``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from rating.control.model import Controls

# ---------------------------------------------------------------- resource types


class TraitType(StrEnum):
    """Dhall types a trait may have (DESIGN.md §3.1)."""

    TEXT = "Text"
    INTEGER = "Integer"
    NATURAL = "Natural"
    DOUBLE = "Double"
    BOOL = "Bool"
    LIST_TEXT = "List Text"
    LIST_INTEGER = "List Integer"
    LIST_NATURAL = "List Natural"
    LIST_DOUBLE = "List Double"
    LIST_BOOL = "List Bool"

    @property
    def is_numeric(self) -> bool:
        return self in (TraitType.INTEGER, TraitType.NATURAL, TraitType.DOUBLE)


@dataclass(frozen=True)
class Trait:
    name: str
    type: TraitType
    optional: bool
    unit: str | None  # UCUM case-sensitive code for quantities, e.g. "MiBy"
    description: str


@dataclass(frozen=True)
class ResourceType:
    id: str  # stable id, e.g. "openstack.nova.server"
    platform: str  # e.g. "OpenStack"
    display_name: str
    description: str
    traits: tuple[Trait, ...]

    def trait(self, name: str) -> Trait | None:
        return next((t for t in self.traits if t.name == name), None)


# ---------------------------------------------------------------- catalog


class ScopeLevel(StrEnum):
    """meshStack's scope selectors, least to most specific."""

    PLATFORM_TYPE = "PlatformType"
    PLATFORM_INSTANCE = "PlatformInstance"
    TENANT = "Tenant"
    CELL = "Cell"  # a tenant's sub-unit (``scope.cell``): names the tenant and the cell

    @property
    def specificity(self) -> int:
        return list(ScopeLevel).index(self)


@dataclass(frozen=True)
class ScopeSelector:
    """Which samples an entry applies to; every field that is set must equal the sample's."""

    level: ScopeLevel
    platform_type: str
    location: str | None = None
    platform_instance: str | None = None
    tenant: str | None = None
    cell: str | None = None


class ConditionOp(StrEnum):
    EQUALS = "Equals"
    ONE_OF = "OneOf"
    NOT_ONE_OF = "NotOneOf"
    REGEX = "Regex"
    RANGE = "Range"  # at_least <= value < below
    PRESENT = "Present"
    ABSENT = "Absent"


TraitValue = str | int | float | bool


@dataclass(frozen=True)
class Condition:
    trait: str
    op: ConditionOp
    values: tuple[TraitValue, ...] = ()  # Equals (one value), OneOf, NotOneOf
    pattern: str | None = None  # Regex: full match, Python `re` syntax
    at_least: Decimal | None = None  # Range lower bound, inclusive
    below: Decimal | None = None  # Range upper bound, exclusive


class UsageKind(StrEnum):
    TIME = "Time"  # resource existence, priced per time unit
    TIME_QUANTITY = "TimeQuantity"  # trait value × time, e.g. GiBy.h from ramMb
    QUANTITY = "Quantity"  # sum of a counter trait over the samples
    RECURRING = "Recurring"  # fixed fee per resource and period
    ONE_TIME = "OneTime"  # fee on a resource's first appearance


@dataclass(frozen=True)
class Usage:
    kind: UsageKind
    unit: str  # UCUM unit the price is quoted in ("h", "GiBy.h", "GBy", "1")
    trait: str | None = None  # TimeQuantity and Quantity
    prorate: bool = False  # Recurring: by days present in the period


class PriceModel(StrEnum):
    PER_UNIT = "PerUnit"
    GRADUATED = "Graduated"  # each tier prices the quantity that falls inside it
    VOLUME = "Volume"  # the tier reached by the total prices all of it
    PACKAGE = "Package"  # unit_price per started block of package_size units


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None  # exclusive upper bound of aggregated quantity; None = no limit
    unit_price: Decimal


@dataclass(frozen=True)
class Price:
    currency: str  # ISO 4217
    model: PriceModel
    unit_price: Decimal = Decimal(0)
    tiers: tuple[Tier, ...] = ()
    package_size: Decimal | None = None
    included_quantity: Decimal = Decimal(0)  # free allowance per tenant, product and period
    minimum_charge: Decimal | None = None  # per tenant, product and period


@dataclass(frozen=True)
class Seller:
    seller_id: str
    seller_product_group: str


@dataclass(frozen=True)
class Product:
    """One catalog entry. Several entries may share an ``id`` (scope overrides, validity)."""

    id: str
    display_name: str
    description: str
    resource_type: str
    scope: ScopeSelector
    filter: tuple[Condition, ...]
    usage: Usage
    usage_type: str  # usage type display name, e.g. "vCPU hours"
    price: Price
    seller: Seller
    valid_from: datetime | None = None  # inclusive, UTC
    valid_until: datetime | None = None  # exclusive, UTC
    source: str | None = None  # "file:line" where the entry is defined, when known
    # Grandfathering (a price schedule's change for new resources only): the entry
    # applies only to resources created in [created_from, created_until), None = unbounded.
    created_from: datetime | None = None
    created_until: datetime | None = None
    # FOCUS ServiceCategory the entry names; None: its resource type's
    # (rating.service_categories.service_category resolves it).
    service_category: str | None = None


class DiscountRule(StrEnum):
    FIXED_PERCENTAGE = "FixedPercentage"
    TIERED_PERCENTAGE = "TieredPercentage"
    TIERED_FIXED_AMOUNT = "TieredFixedAmount"


@dataclass(frozen=True)
class DiscountTier:
    threshold: Decimal  # applies when the source amount is >= threshold; highest wins
    value: Decimal  # percentage (e.g. -5 for 5 % off) or fixed amount


@dataclass(frozen=True)
class DiscountScope:
    """Regexes (full match) selecting the report lines a discount or fee is computed from."""

    seller_id: str = ".*"
    product_display_name: str = ".*"
    usage_type_display_name: str = ".*"


@dataclass(frozen=True)
class DiscountSelector:
    """Where a discount's line items ran; unset fields match all (no field set = every platform).

    Unlike a product's :class:`ScopeSelector` there is no precedence level and the
    platform type is optional, so one discount can span platforms.
    """

    platform_type: str | None = None
    location: str | None = None
    platform_instance: str | None = None
    tenant: str | None = None
    cell: str | None = None  # one of the tenant's cells (``scope.cell``)


@dataclass(frozen=True)
class Discount:
    """A report-level discount (negative) or fee (positive), meshStack's three rules."""

    id: str
    display_name: str
    rule: DiscountRule
    scope: DiscountSelector
    discount_scope: DiscountScope
    currency: str  # every rule: only line items in this currency count; the line is in it
    percentage: Decimal | None = None  # FixedPercentage
    tiers: tuple[DiscountTier, ...] = ()  # Tiered*
    seller: Seller | None = None  # who issues the line; defaults to the operator
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    source: str | None = None


@dataclass(frozen=True)
class FxRate:
    """1 ``from_currency`` = ``rate`` ``to_currency``."""

    from_currency: str
    to_currency: str
    rate: Decimal


@dataclass(frozen=True)
class ExpectedReport:
    """What one tenant's usage report must total, after discounts, fees and FX."""

    tenant: str
    currency: str  # the report's base currency (converted total) or one of its currencies
    total: Decimal


@dataclass(frozen=True)
class CatalogExample:
    """An operator-authored test: these samples must cost exactly this much."""

    name: str
    samples: tuple[dict, ...]  # sample records in the JSON Lines shape (DESIGN.md §3.2)
    period: str  # "2026-10" or "2026-10-01/2026-10-15"
    expected_total: Decimal
    currency: str
    product_id: str | None = None  # restrict the expectation to one product
    expected_report: ExpectedReport | None = None


@dataclass(frozen=True)
class RemoteImport:
    """An ``http(s)://`` import the user allowed, where it is written, whether it is pinned."""

    url: str
    file: str
    line: int
    column: int
    pinned: bool  # followed by ``sha256:…``, so its content cannot change unnoticed


@dataclass(frozen=True)
class PartnerDeclaration:
    """A partner as the root catalog admits it: its files (absolute) and seller ids."""

    name: str
    seller_ids: tuple[str, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class CatalogPart:
    """One file's contribution: the operator's base catalog or a partner's products.

    ``seller_ids`` are the seller ids the root catalog declared for the partner
    owning this part; empty for the operator's part and for an undeclared one.
    """

    name: str
    seller_id: str
    is_partner: bool
    file: str
    products: tuple[Product, ...] = ()
    discounts: tuple[Discount, ...] = ()
    seller_ids: tuple[str, ...] = ()

    @property
    def allowed_sellers(self) -> tuple[str, ...]:
        """The seller ids a partner part may sell under and apply discounts to."""
        return self.seller_ids or (self.seller_id,)


@dataclass(frozen=True)
class Dimensions:
    """Allocation below the tenant (issue #17): which sample labels become line-item
    columns (``label.<name>``, in this order), and the labels that give a sample its
    cell when ``scope.cell`` is absent (tried in order, the first present wins)."""

    labels: tuple[str, ...] = ()
    cell_from_label: tuple[str, ...] = ()

    @property
    def read_labels(self) -> tuple[str, ...]:
        """Every label rating reads from samples: the dimensions, then the cell rules'."""
        return tuple(dict.fromkeys((*self.labels, *self.cell_from_label)))


@dataclass(frozen=True)
class Catalog:
    name: str
    version: str  # content hash of every file the catalog imports
    parts: tuple[CatalogPart, ...]
    resource_types: tuple[ResourceType, ...]  # built-in plus the catalog's own
    fx_rates: tuple[FxRate, ...] = ()
    base_currency: str | None = None
    examples: tuple[CatalogExample, ...] = ()
    files: tuple[str, ...] = field(default=())  # every file evaluated
    partners: tuple[PartnerDeclaration, ...] = ()
    remote_imports: tuple[RemoteImport, ...] = ()
    reads_environment: bool = False  # an allowed ``env:`` import
    dimensions: Dimensions = Dimensions()
    controls: Controls = field(default=Controls())  # quotas, budgets, throttling

    @property
    def volatile(self) -> bool:
        """Whether the catalog can change while no file does (never cache what depends on it)."""
        return self.reads_environment or bool(self.remote_imports)

    @property
    def products(self) -> tuple[Product, ...]:
        return tuple(p for part in self.parts for p in part.products)

    @property
    def discounts(self) -> tuple[Discount, ...]:
        return tuple(d for part in self.parts for d in part.discounts)

    def resource_type(self, type_id: str) -> ResourceType | None:
        return next((r for r in self.resource_types if r.id == type_id), None)
