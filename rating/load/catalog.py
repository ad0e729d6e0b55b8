"""Catalog Dhall → the frozen :class:`~rating.model.Catalog`.

The Dhall types in ``catalog/`` already guarantee most of the shape; this
module still checks every field it reads, because a catalog may be written
without the library (plain records, enums as text). Each mistake becomes a
:class:`RatecardError` naming the file, the product or discount id and the field.

Provenance is recovered from the source text: the binding returns data only,
so a part's file is the imported file that mentions its name (or its product
ids), and a product's ``source`` is the line of its ``id = "…"``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import math
import os
import pickle
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from rating import model as model_module
from rating.cache import private_cache_dir, write_private
from rating.control import model as control_model
from rating.errors import RatecardError
from rating.library import traits_dir
from rating.load import schedule as schedule_module
from rating.load import traits as traits_module
from rating.load.dhall import (
    content_key,
    evaluate_tracked,
    imported_files,
)
from rating.load.imports import ImportPolicy, scan_imports
from rating.load.native import without_cycle_collection
from rating.load.schedule import PriceChange, expand_schedule, schedule_problem
from rating.load.traits import builtin_resource_types, merge_resource_types, parse_resource_types
from rating.model import (
    Catalog,
    CatalogExample,
    CatalogPart,
    Condition,
    ConditionOp,
    Dimensions,
    Discount,
    DiscountRule,
    DiscountScope,
    DiscountSelector,
    DiscountTier,
    ExpectedReport,
    FxRate,
    PartnerDeclaration,
    Price,
    PriceModel,
    Product,
    ScopeLevel,
    ScopeSelector,
    Seller,
    Tier,
    Usage,
    UsageKind,
)
from rating.scopes import LABEL_NAME_RULE, SCOPE_FIELDS, label_name_ok
from rating.service_categories import SERVICE_CATEGORIES

E = TypeVar("E", bound=StrEnum)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})")


def catalog_file(path: Path) -> Path:
    """The Dhall file a catalog path names: the file itself or ``<dir>/catalog.dhall``."""
    path = Path(path)
    candidate = path / "catalog.dhall" if path.is_dir() else path
    if not candidate.is_file():
        raise RatecardError(f"{candidate}: no such catalog file")
    return candidate.resolve()


@without_cycle_collection()  # a catalog is many small objects, read or built: no cycles
def load_catalog(path: Path, imports: ImportPolicy | None = None) -> Catalog:
    """Evaluate and convert the catalog at ``path`` (a ``.dhall`` file or a directory).

    Every import is checked against ``imports`` (default: only the catalog's
    directory and the libraries) before anything is evaluated. The converted
    model is cached (pickled) next to the evaluated JSON, keyed by the
    catalog's files, the built-in trait schemas and this loader's code, so an
    unchanged catalog loads without evaluating or converting anything. A
    catalog reading the environment or the network is never cached.
    """
    root = catalog_file(path)
    scan = scan_imports(root, imports or ImportPolicy())
    if not scan.cacheable:
        catalog = _convert(root, cache=False)
        return dataclasses.replace(
            catalog, remote_imports=scan.remote, reads_environment=scan.uses_env
        )
    model_key = _model_key(imported_files(root))
    model_file = private_cache_dir() / f"catalog-{model_key}.pickle"
    try:
        cached = pickle.loads(model_file.read_bytes())
        if isinstance(cached, Catalog):
            return cached
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
        pass
    catalog = _convert(root, cache=True)
    with contextlib.suppress(OSError):  # an unwritable cache only costs speed
        write_private(model_file, pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL))
    return catalog


def _model_key(files: Sequence[Path]) -> str:
    modules = (model_module, traits_module, schedule_module, control_model)
    code = [Path(module.__file__) for module in modules] + [Path(__file__)]
    code.append(Path(__file__).with_name("controls.py"))  # parse_controls, imported late
    schemas = imported_files(traits_dir() / "package.dhall")
    return content_key((*files, *schemas, *code))


def _convert(root: Path, cache: bool) -> Catalog:
    """The catalog model; ``cache=False``: never read from or written to the cache."""
    from rating.load.controls import parse_controls  # it reads fields with this module's helpers

    raw, files = evaluate_tracked(root, cache=cache)
    sources = _Sources(root, files)
    where = _Where(str(root))
    if not isinstance(raw, dict):
        raise RatecardError(f"{root}: a catalog must evaluate to a record (use C.Catalog::{{…}})")
    name = where.text(raw, "name")
    partners = partner_declarations(where.list(raw, "partners"), root, where.at("partners"))
    owners = _partner_owners(partners, where.list(raw, "parts"), files, cache)
    parts = _parts(raw, name, sources, where, owners)
    extra_types = parse_resource_types(where.list(raw, "resourceTypes"), str(root))
    return Catalog(
        name=name,
        version=catalog_version(files),
        parts=parts,
        resource_types=merge_resource_types(builtin_resource_types(), extra_types, str(root)),
        fx_rates=tuple(_fx_rate(item, where.at("fxRates")) for item in where.list(raw, "fxRates")),
        base_currency=where.optional(raw, "baseCurrency"),
        examples=tuple(_example(item, where) for item in where.list(raw, "examples")),
        files=tuple(str(file) for file in files),
        partners=partners,
        controls=parse_controls(raw, where, sources),
        dimensions=_dimensions(raw.get("dimensions") or {}, where.at("dimensions")),
    )


def catalog_version(files: Sequence[Path]) -> str:
    """``sha256:`` + 16 hex digits over the content of every file, independent of location."""
    digests = sorted(hashlib.sha256(file.read_bytes()).hexdigest() for file in files)
    return "sha256:" + hashlib.sha256("\n".join(digests).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- provenance


class _Sources:
    """The text of every imported file, to find where a part or an entry is written."""

    _ID = re.compile(r'\bid\s*=\s*"((?:[^"\\]|\\.)*)"')

    def __init__(self, root: Path, files: Sequence[Path]) -> None:
        self.root = root
        self.texts = {file: file.read_text(encoding="utf-8", errors="replace") for file in files}
        self._ids: dict[str, list[tuple[Path, int]]] = {}
        for file, text in self.texts.items():
            line, position = 1, 0
            for match in self._ID.finditer(text):
                line += text.count("\n", position, match.start())
                position = match.start()
                self._ids.setdefault(match.group(1), []).append((file, line))

    def file_of_part(self, name: str, product_ids: Sequence[str]) -> Path:
        """The file defining a part: the first writing ``name = "<name>"``, else its products."""
        pattern = re.compile(r"\bname\s*=\s*" + re.escape(f'"{name}"'))
        for file, text in self.texts.items():
            if pattern.search(text):
                return file
        hits = self._ids.get(product_ids[0], []) if product_ids else []
        return hits[0][0] if hits else self.root

    def locate(self, file: Path, entry_id: str) -> str | None:
        """``file:line`` of the next unclaimed ``id = "<entry_id>"``, preferring ``file``.

        Entries overriding one product share its id; they claim its
        occurrences in order.
        """
        hits = self._ids.get(entry_id)
        if not hits:
            return None
        index = next((i for i, hit in enumerate(hits) if hit[0] == file), 0)
        found, line = hits.pop(index)
        if not hits:
            hits.append((found, line))  # more entries than occurrences: repeat the last
        return f"{found}:{line}"


# ---------------------------------------------------------------- field access


class _Where:
    """Reads fields of one record, naming ``file: context: field`` in every error."""

    def __init__(self, file: str, context: str = "") -> None:
        self.file, self.context = file, context

    def at(self, context: str) -> _Where:
        joined = f"{self.context}: {context}" if self.context else context
        return _Where(self.file, joined)

    def fail(self, field: str, problem: str) -> RatecardError:
        context = f"{self.context}: " if self.context else ""
        return RatecardError(f"{self.file}: {context}field {field}: {problem}")

    def get(self, raw: Any, field: str) -> Any:
        if not isinstance(raw, dict):
            raise self.fail(field, "expected a record")
        if field not in raw:
            raise self.fail(field, "missing")
        return raw[field]

    def text(self, raw: Any, field: str) -> str:
        value = self.get(raw, field)
        if not isinstance(value, str):
            raise self.fail(field, f"expected Text, got {value!r}")
        return value

    def optional(self, raw: Any, field: str) -> str | None:
        value = raw.get(field) if isinstance(raw, dict) else None
        if value is not None and not isinstance(value, str):
            raise self.fail(field, f"expected Optional Text, got {value!r}")
        return value

    def list(self, raw: Any, field: str) -> list[Any]:
        value = raw.get(field, []) if isinstance(raw, dict) else None
        if not isinstance(value, list):
            raise self.fail(field, f"expected a List, got {value!r}")
        return value

    def bool(self, raw: Any, field: str, default: bool) -> bool:
        value = raw.get(field, default)
        if not isinstance(value, bool):
            raise self.fail(field, f"expected Bool, got {value!r}")
        return value

    def decimal(self, raw: Any, field: str) -> Decimal:
        return self.to_decimal(self.get(raw, field), field)

    def optional_decimal(self, raw: Any, field: str) -> Decimal | None:
        value = raw.get(field) if isinstance(raw, dict) else None
        return None if value is None else self.to_decimal(value, field)

    def to_decimal(self, value: Any, field: str) -> Decimal:
        """Dhall Doubles go through their shortest round-trip text: 0.1 → Decimal("0.1")."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, f"expected a number, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(field, f"expected a finite number, got {value!r}")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)

    def enum(self, raw: Any, field: str, kind: type[E]) -> E:
        value = self.get(raw, field)
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise self.fail(field, f"unknown value {value!r} (one of {allowed})") from None

    def instant(self, raw: Any, field: str) -> datetime | None:
        """``YYYY-MM-DD`` (midnight UTC) or RFC 3339 with offset, as an aware UTC datetime."""
        value = self.optional(raw, field)
        if value is None:
            return None
        try:
            if _DATE.fullmatch(value):
                return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
            if _DATETIME.fullmatch(value):
                return datetime.fromisoformat(value.replace("z", "Z")).astimezone(UTC)
        except (ValueError, OverflowError):  # OverflowError: past year 9999 (or before 1) in UTC
            pass
        raise self.fail(field, f"{value!r} is not a date (YYYY-MM-DD) or RFC 3339 timestamp")


# ---------------------------------------------------------------- conversion


def _parts(
    raw: dict, name: str, sources: _Sources, where: _Where, owners: dict[int, _Owner]
) -> tuple[CatalogPart, ...]:
    """The base part (the catalog's own products and discounts) followed by ``parts``.

    A part the root declared as a partner's (``owners``) takes its name, file
    and seller ids from the declaration, whatever the partner's file says.
    """
    own_products, own_discounts = where.list(raw, "products"), where.list(raw, "discounts")
    raw_parts = where.list(raw, "parts")
    parts = []
    if own_products or own_discounts or not raw_parts:
        seller_id = where.optional(raw, "sellerId") or name
        parts.append(
            _part(name, seller_id, False, own_products, own_discounts, sources.root, sources)
        )
    for index, item in enumerate(raw_parts):
        part_where = where.at(f"parts[{index}]")
        part_name = part_where.text(item, "name")
        products = part_where.list(item, "products")
        owner = owners.get(index)
        if owner is None:
            ids = [p.get("id", "") for p in products if isinstance(p, dict)]
            file = sources.file_of_part(part_name, ids)
        else:
            part_name, file = owner.partner.name, owner.file
        part = _part(
            part_name,
            part_where.text(item, "sellerId"),
            owner is not None or part_where.bool(item, "isPartner", True),
            products,
            part_where.list(item, "discounts"),
            file,
            sources,
        )
        if owner is not None:
            part = dataclasses.replace(part, seller_ids=owner.partner.seller_ids)
        parts.append(part)
    return tuple(parts)


def _part(
    name: str,
    seller_id: str,
    is_partner: bool,
    products: list[Any],
    discounts: list[Any],
    file: Path,
    sources: _Sources,
) -> CatalogPart:
    where = _Where(str(file))
    return CatalogPart(
        name=name,
        seller_id=seller_id,
        is_partner=is_partner,
        file=str(file),
        products=tuple(
            entry
            for index, item in enumerate(products)
            for entry in _entry(item, index, where, file, sources, _scheduled_product, "product")
        ),
        discounts=tuple(
            _entry(item, index, where, file, sources, _discount, "discount")
            for index, item in enumerate(discounts)
        ),
    )


def _entry(
    raw: Any,
    index: int,
    where: _Where,
    file: Path,
    sources: _Sources,
    convert: Callable[[Any, _Where, str | None], Any],
    noun: str,
) -> Any:
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(entry_id, str):
        raise where.at(f"{noun} #{index + 1}").fail("id", "missing or not Text")
    source = sources.locate(file, entry_id)
    file_name = source.rsplit(":", 1)[0] if source else where.file
    return convert(raw, _Where(file_name, f"{noun} {entry_id!r}"), source)


def _scheduled_product(raw: dict, where: _Where, source: str | None) -> list[Product]:
    """The product's entries: one per price of its ``priceSchedule`` (:mod:`.schedule`)."""
    product = _product(raw, where, source)
    changes = [
        _price_change(item, where.at(f"priceSchedule[{index}]"))
        for index, item in enumerate(where.list(raw, "priceSchedule"))
    ]
    problem = schedule_problem(product, changes)
    if problem is not None:
        index, text = problem
        raise where.at(f"priceSchedule[{index}]").fail("from", text)
    return expand_schedule(product, changes)


def _price_change(raw: Any, where: _Where) -> PriceChange:
    where.text(raw, "from")  # required: a change has a date
    return PriceChange(
        start=where.instant(raw, "from"),  # type: ignore[arg-type]
        price=_price(where.get(raw, "price"), where.at("price")),
        for_existing=where.bool(raw, "forExisting", True),
    )


def _product(raw: dict, where: _Where, source: str | None) -> Product:
    return Product(
        id=where.text(raw, "id"),
        display_name=where.text(raw, "displayName"),
        description=where.optional(raw, "description") or "",
        resource_type=where.text(raw, "resourceType"),
        scope=_scope(where.get(raw, "scope"), where.at("scope")),
        filter=tuple(
            _condition(item, where.at(f"filter[{index}]"))
            for index, item in enumerate(where.list(raw, "filter"))
        ),
        usage=_usage(where.get(raw, "usage"), where.at("usage")),
        usage_type=where.text(raw, "usageType"),
        price=_price(where.get(raw, "price"), where.at("price")),
        seller=_seller(where.get(raw, "seller"), where.at("seller")),
        valid_from=where.instant(raw, "validFrom"),
        valid_until=where.instant(raw, "validUntil"),
        source=source,
        service_category=_service_category(raw, where),
    )


def _service_category(raw: dict, where: _Where) -> str | None:
    """The entry's own FOCUS ServiceCategory, one of the specification's values."""
    category = where.optional(raw, "serviceCategory")
    if category is not None and category not in SERVICE_CATEGORIES:
        allowed = ", ".join(SERVICE_CATEGORIES)
        raise where.fail("serviceCategory", f"unknown value {category!r} (one of {allowed})")
    return category


# ---------------------------------------------------------------- partners


def partner_declarations(
    raw: list[Any], root: Path, where: _Where
) -> tuple[PartnerDeclaration, ...]:
    """The root's ``partners``: files resolved under the catalog's directory."""
    declared = []
    for index, item in enumerate(raw):
        item_where = where.at(f"[{index}]")
        name = item_where.text(item, "name")
        seller_ids = item_where.list(item, "sellerIds")
        if not seller_ids or not all(isinstance(s, str) and s for s in seller_ids):
            raise item_where.fail("sellerIds", f"partner {name!r} needs at least one seller id")
        files = []
        for file in item_where.list(item, "files"):
            if not isinstance(file, str) or not file:
                raise item_where.fail("files", f"expected relative paths, got {file!r}")
            resolved = Path(os.path.normpath(root.parent / file))
            if Path(file).is_absolute() or not resolved.is_relative_to(root.parent):
                raise item_where.fail(
                    "files", f"{file!r} of partner {name!r} is outside the catalog's directory"
                )
            files.append(str(resolved))
        declared.append(PartnerDeclaration(name, tuple(seller_ids), tuple(files)))
    return tuple(declared)


@dataclasses.dataclass(frozen=True)
class _Owner:
    """The declared partner a part belongs to, and the file it comes from."""

    partner: PartnerDeclaration
    file: Path


def _partner_owners(
    partners: tuple[PartnerDeclaration, ...],
    raw_parts: list[Any],
    files: Sequence[Path],
    cache: bool,
) -> dict[int, _Owner]:
    """Which of ``raw_parts`` each declared partner file evaluates to (by value).

    The root imports partner files as it likes; the file's own value is the
    only reliable link between a part and the file, so each declared file the
    catalog imports is evaluated on its own (cached by content like any file).
    """
    owners: dict[int, _Owner] = {}
    imported = {str(file) for file in files}
    for partner in partners:
        for file in partner.files:
            if file not in imported:
                continue  # the check reports a declared file the catalog does not use
            value = evaluate_tracked(Path(file), cache=cache)[0]
            for index, item in enumerate(raw_parts):
                if index not in owners and item == value:
                    owners[index] = _Owner(partner, Path(file))
    return owners


# ---------------------------------------------------------------- values


def _scope(raw: Any, where: _Where) -> ScopeSelector:
    """A selector; a cell is only meaningful within its tenant, so Cell names both."""
    scope = ScopeSelector(
        level=where.enum(raw, "level", ScopeLevel),
        platform_type=where.text(raw, "platformType"),
        location=where.optional(raw, "location"),
        platform_instance=where.optional(raw, "platformInstance"),
        tenant=where.optional(raw, "tenant"),
        cell=where.optional(raw, "cell"),
    )
    if scope.level is ScopeLevel.CELL and (scope.tenant is None or scope.cell is None):
        raise where.fail("level", "a Cell scope names a tenant and a cell (Scope.cell)")
    if scope.cell is not None and scope.level is not ScopeLevel.CELL:
        raise where.fail("cell", f"a cell is only selected at level Cell, not {scope.level}")
    return scope


def _dimensions(raw: Any, where: _Where) -> Dimensions:
    """Label names become SQL column names: each must follow the label-name rule, once."""
    lists = {}
    for field in ("labels", "cellFromLabel"):
        names = where.list(raw, field)
        for name in names:
            if not isinstance(name, str) or not label_name_ok(name):
                raise where.fail(field, f"label name {name!r}: not {LABEL_NAME_RULE}")
        if len(set(names)) < len(names):
            twice = next(name for name in names if names.count(name) > 1)
            raise where.fail(field, f"label {twice!r} is listed twice")
        lists[field] = tuple(names)
    return Dimensions(labels=lists["labels"], cell_from_label=lists["cellFromLabel"])


def _condition(raw: Any, where: _Where) -> Condition:
    values = where.list(raw, "values")
    for value in values:
        if not isinstance(value, str | int | float | bool):
            raise where.fail(
                "values", f"expected Text, Integer, Natural, Double or Bool: {value!r}"
            )
    return Condition(
        trait=where.text(raw, "trait"),
        op=where.enum(raw, "op", ConditionOp),
        values=tuple(values),
        pattern=where.optional(raw, "pattern"),
        at_least=where.optional_decimal(raw, "atLeast"),
        below=where.optional_decimal(raw, "below"),
    )


def _usage(raw: Any, where: _Where) -> Usage:
    return Usage(
        kind=where.enum(raw, "kind", UsageKind),
        unit=where.text(raw, "unit"),
        trait=where.optional(raw, "trait"),
        prorate=where.bool(raw, "prorate", False),
    )


def _price(raw: Any, where: _Where) -> Price:
    return Price(
        currency=where.text(raw, "currency"),
        model=where.enum(raw, "model", PriceModel),
        unit_price=where.optional_decimal(raw, "unitPrice") or Decimal(0),
        tiers=tuple(
            Tier(
                up_to=where.at(f"tiers[{index}]").optional_decimal(item, "upTo"),
                unit_price=where.at(f"tiers[{index}]").decimal(item, "unitPrice"),
            )
            for index, item in enumerate(where.list(raw, "tiers"))
        ),
        package_size=where.optional_decimal(raw, "packageSize"),
        included_quantity=where.optional_decimal(raw, "includedQuantity") or Decimal(0),
        minimum_charge=where.optional_decimal(raw, "minimumCharge"),
    )


def _seller(raw: Any, where: _Where) -> Seller:
    return Seller(
        seller_id=where.text(raw, "sellerId"),
        seller_product_group=where.text(raw, "sellerProductGroup"),
    )


def _discount(raw: dict, where: _Where, source: str | None) -> Discount:
    rule = where.get(raw, "rule")
    rule_where = where.at("rule")
    scope = where.get(raw, "discountScope") if "discountScope" in raw else {}
    seller = raw.get("seller")
    return Discount(
        id=where.text(raw, "id"),
        display_name=where.text(raw, "displayName"),
        rule=rule_where.enum(rule, "kind", DiscountRule),
        scope=_discount_selector(where.get(raw, "scope"), where.at("scope")),
        discount_scope=DiscountScope(
            seller_id=where.optional(scope, "sellerId") or ".*",
            product_display_name=where.optional(scope, "productDisplayName") or ".*",
            usage_type_display_name=where.optional(scope, "usageTypeDisplayName") or ".*",
        ),
        currency=rule_where.text(rule, "currency"),
        percentage=rule_where.optional_decimal(rule, "percentage"),
        tiers=tuple(
            DiscountTier(
                threshold=rule_where.at(f"tiers[{index}]").decimal(item, "threshold"),
                value=rule_where.at(f"tiers[{index}]").decimal(item, "value"),
            )
            for index, item in enumerate(rule_where.list(rule, "tiers"))
        ),
        seller=None if seller is None else _seller(seller, where.at("seller")),
        valid_from=where.instant(raw, "validFrom"),
        valid_until=where.instant(raw, "validUntil"),
        source=source,
    )


def _discount_selector(raw: Any, where: _Where) -> DiscountSelector:
    """A discount's scope: every field optional, so no field set means every platform."""
    return DiscountSelector(
        **{field.column: where.optional(raw, field.key) for field in SCOPE_FIELDS}
    )


def _fx_rate(raw: Any, where: _Where) -> FxRate:
    return FxRate(
        from_currency=where.text(raw, "from"),
        to_currency=where.text(raw, "to"),
        rate=where.decimal(raw, "rate"),
    )


def _example(raw: Any, where: _Where) -> CatalogExample:
    name = where.at("examples").text(raw, "name")
    example_where = where.at(f"example {name!r}")
    return CatalogExample(
        name=name,
        samples=tuple(_sample(item) for item in example_where.list(raw, "samples")),
        period=example_where.text(raw, "period"),
        expected_total=example_where.decimal(raw, "expectedTotal"),
        currency=example_where.text(raw, "currency"),
        product_id=example_where.optional(raw, "productId"),
        expected_report=_expected_report(raw.get("expectedReport"), example_where),
    )


def _expected_report(raw: Any, where: _Where) -> ExpectedReport | None:
    if raw is None:
        return None
    report_where = where.at("expectedReport")
    return ExpectedReport(
        tenant=report_where.text(raw, "tenant"),
        currency=report_where.text(raw, "currency"),
        total=report_where.decimal(raw, "total"),
    )


def _sample(raw: Any) -> dict:
    """A Dhall sample record in the JSON Lines shape: nulls dropped, traits as an object.

    The cell moves into the scope (``scope.cell``) and an empty label map goes away.
    """

    def prune(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: prune(item) for key, item in value.items() if item is not None}
        return value

    sample = prune(raw)
    if not isinstance(sample, dict):
        return sample
    if sample.get("traits") == []:
        sample["traits"] = {}
    if sample.get("labels") == []:
        del sample["labels"]
    cell = sample.pop("cell", None)
    if cell is not None and isinstance(sample.get("scope"), dict):
        sample["scope"]["cell"] = cell
    return sample
