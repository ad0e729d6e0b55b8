"""Small helpers shared by the rules: iterating entries with their file, regexes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rating.model import Catalog, CatalogPart, Product
from rating.regex import catalog_regex


def entries(catalog: Catalog) -> Iterator[tuple[CatalogPart, Product]]:
    """Every product entry with the part (file) it comes from."""
    for part in catalog.parts:
        for product in part.products:
            yield part, product


def regex_error(pattern: str) -> str | None:
    """Why ``pattern`` does not compile as a catalog regex, or None when it does."""
    try:
        catalog_regex(pattern)
    except re.error as bad:
        return str(bad)
    return None


def currency_known(code: str) -> bool:
    """ISO 4217 membership, from the shared currency table."""
    from rating.currencies import is_currency

    return is_currency(code)
