"""Catalog regexes in Python, with the meaning the SQL engines give them.

A ``Regex`` condition is decided by DuckDB (RE2) or Spark (``java.util.regex``)
when rating, and by Python's ``re`` in the reference rater and the unmatched
hints; Python alone decides discount scopes in reports and the patterns
``check`` looks at. On ``str``
patterns Python's ``\\d``, ``\\w`` and ``\\s`` know all of Unicode:
``g\\d`` matches ``g١`` (ARABIC-INDIC DIGIT ONE), which neither engine does.
Compiled with ``re.ASCII`` they mean what they mean in the engines, so the
reference rater and the engines bill a sample alike. Every Python use of a
catalog pattern goes through :func:`catalog_regex`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4096)
def catalog_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled as the engines read it; raises ``re.error`` when it is invalid."""
    return re.compile(pattern, re.ASCII)


@lru_cache(maxsize=4096)
def engine_regex_error(pattern: str) -> str | None:
    """Why DuckDB (RE2) refuses ``pattern``, or None when it compiles there.

    RE2 has no backreferences, lookaround, atomic groups or possessive
    quantifiers and caps repetition counts at 1000, all of which Python's
    ``re`` accepts: such a filter passes ``check`` and then fails the rating
    plan. DuckDB itself is the judge, so the two never disagree.
    """
    import duckdb

    try:
        with _duckdb().cursor() as cursor:  # a cursor of its own: check may run on threads
            cursor.execute("SELECT regexp_full_match('', $1)", [pattern]).fetchall()
    except duckdb.Error as refused:
        reason = str(refused).splitlines()[0]
        return reason.removeprefix("Invalid Input Error: ")
    return None


@lru_cache(maxsize=1)
def _duckdb() -> Any:
    import duckdb

    return duckdb.connect()
