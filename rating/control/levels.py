"""Green, yellow, red: how close a use is to its limit (shared by quotas and budgets)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from rating.control.model import Thresholds


class Level(StrEnum):
    GREEN = "green"  # below the warning threshold
    YELLOW = "yellow"  # from warning, below critical
    RED = "red"  # from critical (at or near the limit, or over it)


def percent(used: Fraction, limit: Decimal) -> Fraction | None:
    """``used`` as a percentage of ``limit``; None for a zero limit with anything used."""
    if limit == 0:
        return Fraction(0) if used == 0 else None
    return used * 100 / Fraction(limit)


def level(used: Fraction, limit: Decimal, thresholds: Thresholds) -> Level:
    """The level of ``used`` against ``limit``: anything on a zero limit is red."""
    share = percent(used, limit)
    if share is None or share >= Fraction(thresholds.critical):
        return Level.RED
    if share >= Fraction(thresholds.warning):
        return Level.YELLOW
    return Level.GREEN


def decimal(value: Fraction, places: int = 6) -> Decimal:
    """An exact quantity shown as a Decimal, rounded half-even to ``places`` decimals."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return plain(exact.quantize(Decimal(1).scaleb(-places)))


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros or exponent: 100.0 → 100 (not 1E+2), 79.680 → 79.68."""
    return value.normalize() + 0
