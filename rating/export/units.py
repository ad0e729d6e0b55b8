"""UCUM unit codes (what the catalog measures in) → FOCUS unit strings.

FOCUS wants case-sensitive, human units in ``<quantity>-<time>`` form
(``GiB-Hours``, ``vCPU-Hours``, ``Hours``); the FinOps validator rejects
lower-case or spelled-out forms. A code we do not know still becomes a
readable ASCII string rather than an error: the unit is informative, the cost
columns carry the money.
"""

from __future__ import annotations

import re
import unicodedata

# Time units: singular for rates ("/Second"), plural after a quantity ("GB-Hours").
_TIME = {
    "s": ("Second", "Seconds"),
    "min": ("Minute", "Minutes"),
    "h": ("Hour", "Hours"),
    "d": ("Day", "Days"),
    "wk": ("Week", "Weeks"),
    "mo": ("Month", "Months"),
    "a": ("Year", "Years"),
}

# Data sizes: FOCUS uses B/KB/MB/... (decimal) and KiB/MiB/... (binary).
_DATA = {
    "By": "B",
    "kBy": "KB",
    "MBy": "MB",
    "GBy": "GB",
    "TBy": "TB",
    "PBy": "PB",
    "KiBy": "KiB",
    "MiBy": "MiB",
    "GiBy": "GiB",
    "TiBy": "TiB",
    "PiBy": "PiB",
    "bit": "b",
    "kbit": "Kb",
    "Mbit": "Mb",
    "Gbit": "Gb",
    "Tbit": "Tb",
}

_ANNOTATION = re.compile(r"^\{([^{}]+)\}$")


def focus_unit(ucum: str | None) -> str | None:
    """The FOCUS unit for a UCUM code (``GiBy.h`` → ``GiB-Hours``); ``None`` stays ``None``."""
    if ucum is None:
        return None
    numerator, _, denominator = ucum.partition("/")
    head = _product(numerator)
    if denominator:
        rate = _TIME.get(denominator, (None,))[0] or _product(denominator)
        return f"{head}/{rate}"
    return head


def _product(code: str) -> str:
    """A product of UCUM factors: quantities first, then the time unit, joined by '-'."""
    quantities: list[str] = []
    times: list[str] = []
    for factor in code.split("."):
        if factor in _TIME:
            times.append(_TIME[factor][1])
        else:
            quantities.append(_factor(factor))
    if not quantities:
        return "-".join(times)
    if times:
        return "-".join([*quantities, *times])
    return "-".join(quantities)


def _factor(factor: str) -> str:
    if factor in _DATA:
        return _DATA[factor]
    if factor in ("1", ""):
        return "Units"
    if match := _ANNOTATION.match(factor):
        return ascii_text(match[1])
    return ascii_text(factor)


def ascii_text(text: str) -> str:
    """Fold text to ASCII (the validator rejects anything else): drop accents, '?' for the rest."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKD", text)
    return "".join(
        char if char.isascii() else "?" for char in folded if not unicodedata.combining(char)
    )
