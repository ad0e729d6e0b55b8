"""Small helpers shared by the rules: iterating entries with their file, ids, regexes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from rating.model import Catalog, CatalogPart, Product
from rating.regex import catalog_regex


def entries(catalog: Catalog) -> Iterator[tuple[CatalogPart, Product]]:
    """Every product entry with the part (file) it comes from."""
    for part in catalog.parts:
        for product in part.products:
            yield part, product


def identifier_error(value: str) -> str | None:
    """Why ``value`` cannot identify something on a bill, or None when it can.

    Ids reach line items, CSV and FOCUS files, reports and error lines: an
    empty one names nothing, one with control characters (a newline) or
    surrounding spaces reads like another id.
    """
    if not value:
        return "is empty"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        return "holds a control character"
    if value != value.strip():
        return "starts or ends with white space"
    return None


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
