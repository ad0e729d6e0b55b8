"""Exact integer arithmetic for the plan: its units, and the SQL that divides and rounds.

Times are BIGINT microseconds, quantities and amounts wide integers in units
of 10^-12; these helpers write the integer division and half-even rounding the
stages use, so no DOUBLE and no rounding decimal division touches money.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from rating.errors import RatecardError
from rating.rate.dialect import Dialect

SCALE12 = 10**12
US_PER_S = 10**6
US_PER_DAY = 86_400 * US_PER_S
NEG_INF_US = -(2**62)  # validity segment start before every boundary
POS_INF_US = 2**62  # time segment end after every cut
INFX = 10**37  # "no upper bound" for tiers, in exact-quantity units (see ``qden``)
DOUBLE_SCALE = 10**9  # Double trait values enter integer arithmetic as value × 10^9
RUNNING = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"  # a running-sum window frame


def round_half_even(num: str, den: str, d: Dialect) -> str:
    """SQL for num / den rounded half to even, both integer expressions, den > 0.

    Integer division truncates toward zero, so the sign is handled separately. Callers pass
    column names or cheap expressions (they are repeated).
    """

    def nonneg(x: str) -> str:
        quo, rem = d.idiv(x, den), f"(({x}) % ({den}))"
        bump = (
            f"CASE WHEN 2 * {rem} > ({den}) OR (2 * {rem} = ({den}) AND {quo} % 2 = 1) "
            "THEN 1 ELSE 0 END"
        )
        return f"({quo} + {bump})"

    return f"(CASE WHEN ({num}) >= 0 THEN {nonneg(num)} ELSE -{nonneg('-(' + num + ')')} END)"


def round_sum_ctes(source: str, whole: str, part: str, den: str, d: Dialect) -> str:
    """CTEs ending in ``rounded``: ``source`` plus ``amount12``, the exact amount rounded once.

    The amount is ``whole``/10^12 + ``part``/(10^12 · ``den``) (10^-24 units and
    a fraction of them). Multiplying ``whole`` by ``den`` to add them could
    overflow 38 digits, so the whole 10^-12 units of ``whole`` are kept apart
    and only its remainder joins the fraction: base = those units + floor of
    the fraction, then half-even on what is left (parity taken on the sum, so
    ties go to an even amount).
    """
    s = str(SCALE12)
    return f"""u AS (
          SELECT {source}.*, {d.idiv(whole, s)} AS wq, ({whole} % {s}) * {den} + {part} AS fn,
            {s} * {den} AS fd
          FROM {source}
        ),
        v AS (
          SELECT u.*, wq + {d.idiv("fn", "fd")} - CASE WHEN fn % fd < 0 THEN 1 ELSE 0 END AS base,
            fn % fd + CASE WHEN fn % fd < 0 THEN fd ELSE 0 END AS rest
          FROM u
        ),
        rounded AS (
          SELECT v.*, base + CASE WHEN 2 * rest > fd OR (2 * rest = fd AND base % 2 <> 0)
                                  THEN 1 ELSE 0 END AS amount12
          FROM v
        )"""


def ceil_div(num: str, den: str, d: Dialect) -> str:
    """SQL ceil(num / den) for num >= 0, den > 0 (integers)."""
    return d.idiv(f"({num}) + ({den}) - 1", den)


def to_us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=moment.tzinfo)
    return (delta.days * 86_400 + delta.seconds) * US_PER_S + delta.microseconds


def td_us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * US_PER_S + delta.microseconds


def to12(value: Decimal, what: str) -> int:
    scaled = value * SCALE12
    if scaled != scaled.to_integral_value():
        raise RatecardError(f"{what}: {value} has more than 12 decimal places")
    return int(scaled)
