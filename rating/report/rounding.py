"""Rounding money to a currency's minor unit, once, at the report level.

Line items keep 12 decimal places (``rating.rate.result.SCALE``). A report
rounds exactly once per top-level line (seller, product group, currency; with
``--by`` the group's values too) and per discount/fee line, to the ISO 4217
minor unit of the line's currency; the difference ``rounded - exact`` is
reported on the line so no cent disappears silently. Details below a
top-level line are never rounded.
"""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
)

from rating.currencies import minor_unit
from rating.errors import RatecardError

# Enough digits that sums and products of DECIMAL(38, 12) values stay exact.
EXACT = Context(prec=80)

# CLI spelling -> decimal rounding constant
ROUNDING_MODES: dict[str, str] = {
    "half-even": ROUND_HALF_EVEN,
    "half-up": ROUND_HALF_UP,
    "half-down": ROUND_HALF_DOWN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
    "ceiling": ROUND_CEILING,
    "floor": ROUND_FLOOR,
}

_NAMES = {constant: name for name, constant in ROUNDING_MODES.items()}


def rounding_mode(name: str) -> str:
    """The decimal rounding constant for a CLI name such as ``half-up``."""
    try:
        return ROUNDING_MODES[name]
    except KeyError:
        choices = ", ".join(ROUNDING_MODES)
        raise RatecardError(f"rounding {name!r}: expected one of {choices}") from None


def rounding_name(mode: str) -> str:
    """The CLI name of a decimal rounding constant (shown in reports)."""
    try:
        return _NAMES[mode]
    except KeyError:
        raise RatecardError(f"rounding {mode!r}: not a supported decimal rounding mode") from None


def round_money(amount: Decimal, currency: str, mode: str) -> Decimal:
    """``amount`` rounded to ``currency``'s minor unit (e.g. 2 places for EUR, 0 for JPY)."""
    step = Decimal(1).scaleb(-minor_unit(currency))
    return amount.quantize(step, rounding=mode, context=EXACT)
