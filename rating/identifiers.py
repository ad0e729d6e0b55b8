"""What text may name something on a bill: product and seller ids, a FOCUS provider name."""

from __future__ import annotations

import unicodedata


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
