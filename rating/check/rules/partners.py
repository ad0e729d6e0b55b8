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

import re
from pathlib import Path

from rating.check.findings import Collector
from rating.check.rules.common import regex_error
from rating.model import Catalog, CatalogPart


def check_parts(catalog: Catalog, out: Collector) -> None:
    """Declarations are consistent; each partner part stays within its seller ids."""
    _check_declarations(catalog, out)
    for part in catalog.parts:
        if part.is_partner:
            _check_partner_part(catalog, part, out)
    _check_overrides(catalog, out)


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
    for product in part.products:
        if product.seller.seller_id not in allowed:
            out.error(
                "partner-seller",
                f'{label} (seller {_listed(allowed)}) defines product "{product.id}" '
                f'under seller id "{product.seller.seller_id}"',
                source=product.source,
                file=part.file,
                subject=product.id,
            )
    others = _all_sellers(catalog) - set(allowed)
    for discount in part.discounts:
        where = {"source": discount.source, "file": part.file, "subject": discount.id}
        issuer = discount.seller.seller_id if discount.seller else part.seller_id
        if issuer not in allowed:
            out.error(
                "partner-seller",
                f'{label}: discount "{discount.id}" is issued by seller "{issuer}"; '
                f"it may use {_listed(allowed)}",
                **where,
            )
        pattern = discount.discount_scope.seller_id
        if regex_error(pattern) is not None:
            continue  # reported as bad-regex
        reached = sorted(s for s in others if re.fullmatch(pattern, s))
        if reached:
            out.error(
                "partner-discount-scope",
                f'{label}: discount "{discount.id}" (sellerId {pattern!r}) would apply to '
                f"lines of seller {_listed(reached)}; a partner's discounts and fees apply "
                f"only to its own lines ({_listed(allowed)})",
                **where,
            )


def _check_overrides(catalog: Catalog, out: Collector) -> None:
    """No part redefines a product id another part defines (the operator's come first)."""
    owner: dict[str, str] = {}
    for part in sorted(catalog.parts, key=lambda p: p.is_partner):
        for product in part.products:
            owner.setdefault(product.id, part.name)
    for part in catalog.parts:
        for product in part.products:
            if owner[product.id] != part.name:
                out.error(
                    "partner-override",
                    f'part "{part.name}" redefines product "{product.id}", '
                    f'which part "{owner[product.id]}" defines',
                    source=product.source,
                    file=part.file,
                    subject=product.id,
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
