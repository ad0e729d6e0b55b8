"""Partner isolation: a partner sells, prices and discounts only under its own seller ids.

The root catalog (the operator's) declares each partner with its files and
seller ids (``C.Partner``); the loader ties each part to the declared file it
came from. These rules make sure a partner's file cannot reach beyond that:
no product under another seller id, no product id another part defines, no
discount or fee issued for or computed from anyone else's lines. Reports
also confine partner discounts to the partner's own lines
(:class:`rating.report.discounts.CompiledDiscount`), whatever check said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rating.check.findings import Collector
from rating.check.rules.common import regex_error
from rating.model import Catalog, CatalogPart, Discount, Product
from rating.regex import catalog_regex


def check_parts(catalog: Catalog, out: Collector) -> None:
    """Declarations are consistent; each partner part stays within its seller ids."""
    _check_declarations(catalog, out)
    for part in catalog.parts:
        if part.is_partner:
            _check_partner_part(catalog, part, out)
    _check_entries(catalog, out)


def _operator_sellers(catalog: Catalog) -> set[str]:
    sellers = set()
    for part in catalog.parts:
        if not part.is_partner:
            sellers.add(part.seller_id)
            sellers.update(product.seller.seller_id for product in part.products)
    return sellers


def _check_declarations(catalog: Catalog, out: Collector) -> None:
    root = catalog.files[0] if catalog.files else ""
    operator = _operator_sellers(catalog)
    claimed: dict[str, str] = {}
    for partner in catalog.partners:
        for seller in partner.seller_ids:
            if seller in operator:
                out.error(
                    "partner-seller",
                    f'partner "{partner.name}" is declared with seller id "{seller}", '
                    "which the operator sells under",
                    source=_line_of(root, f'"{seller}"'),
                    file=root,
                )
            elif claimed.setdefault(seller, partner.name) != partner.name:
                out.error(
                    "partner-seller",
                    f'seller id "{seller}" is declared for partners "{claimed[seller]}" '
                    f'and "{partner.name}"',
                    source=_line_of(root, f'"{seller}"'),
                    file=root,
                )
        for file in partner.files:
            if not any(p.file == file and p.name == partner.name for p in catalog.parts):
                out.error(
                    "partner-unplaced",
                    f'partner "{partner.name}": {Path(file).name} is declared but not a part '
                    f"of the catalog (import it as it is: parts = [ ./…/{Path(file).name} ])",
                    source=_line_of(root, Path(file).name),
                    file=root,
                )


def _check_partner_part(catalog: Catalog, part: CatalogPart, out: Collector) -> None:
    """The part itself: declared by the root, under a seller id it was given."""
    allowed = part.allowed_sellers
    label = f'partner "{part.name}"'
    if not part.seller_ids:
        report = out.error if catalog.partners else out.warning
        report(
            "undeclared-partner",
            f"{label} is not declared in the root catalog's partners "
            "(C.Partner::{ name, sellerIds, files }); it sells under the seller id it chose",
            source=_line_of(part.file, "isPartner") or _line_of(part.file, "sellerId"),
            file=part.file,
        )
    elif part.seller_id not in allowed:
        out.error(
            "partner-seller",
            f'{label} writes sellerId "{part.seller_id}"; it may use {_listed(allowed)}',
            source=_line_of(part.file, f'"{part.seller_id}"'),
            file=part.file,
        )


@dataclass(frozen=True)
class _Context:
    """What the entry rules compare one part's products and discounts with."""

    owners: dict[str, str]  # product id → the part defining it first (operator parts first)
    sellers: frozenset[str]  # every seller id the catalog sells or declares under

    @classmethod
    def of(cls, catalog: Catalog) -> _Context:
        owners: dict[str, str] = {}
        for part in sorted(catalog.parts, key=lambda p: p.is_partner):
            for product in part.products:
                owners.setdefault(product.id, part.name)
        return cls(owners, frozenset(_all_sellers(catalog)))


def _foreign_product(_: _Context, part: CatalogPart, product: Product) -> str | None:
    allowed = part.allowed_sellers
    if product.seller.seller_id in allowed:
        return None
    return (
        f'partner "{part.name}" (seller {_listed(allowed)}) defines product "{product.id}" '
        f'under seller id "{product.seller.seller_id}"'
    )


def _foreign_issuer(_: _Context, part: CatalogPart, discount: Discount) -> str | None:
    allowed = part.allowed_sellers
    issuer = discount.seller.seller_id if discount.seller else part.seller_id
    if issuer in allowed:
        return None
    return (
        f'partner "{part.name}": discount "{discount.id}" is issued by seller "{issuer}"; '
        f"it may use {_listed(allowed)}"
    )


def _scope_beyond_partner(context: _Context, part: CatalogPart, discount: Discount) -> str | None:
    allowed = part.allowed_sellers
    pattern = discount.discount_scope.seller_id
    if regex_error(pattern) is not None:
        return None  # reported as bad-regex
    others = context.sellers - set(allowed)
    reached = sorted(s for s in others if catalog_regex(pattern).fullmatch(s))
    if not reached:
        return None
    return (
        f'partner "{part.name}": discount "{discount.id}" (sellerId {pattern!r}) would apply to '
        f"lines of seller {_listed(reached)}; a partner's discounts and fees apply "
        f"only to its own lines ({_listed(allowed)})"
    )


def _redefinition(context: _Context, part: CatalogPart, product: Product) -> str | None:
    owner = context.owners[product.id]
    if owner == part.name:
        return None
    return f'part "{part.name}" redefines product "{product.id}", which part "{owner}" defines'


@dataclass(frozen=True)
class _EntryRule:
    """A check of each product or discount of a part: why the entry breaks it, or None."""

    code: str
    entries: Callable[[CatalogPart], Iterable[Product | Discount]]
    problem: Callable[[_Context, CatalogPart, Any], str | None]
    partners_only: bool = True


_ENTRY_RULES = (
    # a partner sells only under its own seller ids
    _EntryRule("partner-seller", lambda part: part.products, _foreign_product),
    # … and issues discounts and fees only as itself
    _EntryRule("partner-seller", lambda part: part.discounts, _foreign_issuer),
    # … computed from its own lines only
    _EntryRule("partner-discount-scope", lambda part: part.discounts, _scope_beyond_partner),
    # no part redefines a product id another defines (the operator's come first)
    _EntryRule("partner-override", lambda part: part.products, _redefinition, False),
)


def _check_entries(catalog: Catalog, out: Collector) -> None:
    """Every rule of :data:`_ENTRY_RULES` on every entry it judges: one finding per failure."""
    context = _Context.of(catalog)
    for part in catalog.parts:
        for rule in _ENTRY_RULES:
            if rule.partners_only and not part.is_partner:
                continue
            for entry in rule.entries(part):
                message = rule.problem(context, part, entry)
                if message is not None:
                    out.error(
                        rule.code, message, source=entry.source, file=part.file, subject=entry.id
                    )


def _all_sellers(catalog: Catalog) -> set[str]:
    sellers = _operator_sellers(catalog)
    for part in catalog.parts:
        sellers.update(part.allowed_sellers)
        sellers.update(product.seller.seller_id for product in part.products)
    for partner in catalog.partners:
        sellers.update(partner.seller_ids)
    return sellers


def _listed(sellers: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f'"{seller}"' for seller in sellers)


def _line_of(file: str, needle: str) -> str | None:
    """``file:line`` of the first line of ``file`` containing ``needle``, if any."""
    try:
        lines = Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    number = next((n for n, line in enumerate(lines, start=1) if needle in line), None)
    return f"{file}:{number}" if number else None
