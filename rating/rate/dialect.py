"""The few SQL constructs the rating plan needs that DuckDB and Spark spell differently.

:mod:`rating.rate.plan` generates one plan; every engine-specific spelling goes
through a :class:`Dialect`, so the semantics exist once and each engine gets its
own rendering of them. Everything else in the plan is SQL both engines accept
as written (window functions, ``min_by``, ``any_value``, ``FILTER``, ``IS NOT
DISTINCT FROM`` — Spark with ANSI mode).

Escaping: no name or value from a catalog or a sample reaches SQL text but
through :meth:`Dialect.identifier` and :meth:`Dialect.literal`, the engine's own
lexical rules. They differ: a Spark string literal unescapes backslashes, and a
Spark double-quoted identifier cannot end in one. The Spark rules hold under the
settings :data:`rating.rate.spark.PLAN_CONF` puts on every session (no
``${…}`` variable substitution in SQL text, backslash escapes on).

Exactness: the plan keeps quantities and money as integers in 10^-12 units.
DuckDB has a 128-bit integer; Spark's widest exact integer is DECIMAL(38,0),
and its decimal division rounds, so the Spark spelling only ever divides
numbers that divide exactly (see :meth:`SparkDialect.idiv`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

SqlValue = str | int | Decimal | bool | None


@dataclass(frozen=True)
class Dialect:
    """DuckDB's spelling; :class:`SparkDialect` overrides what Spark writes differently."""

    name: str = "duckdb"
    wide_int: str = "HUGEINT"  # exact integer of at least 38 digits

    def identifier(self, name: str) -> str:
        """A column name, exact for any text (trait names are the user's: dots, quotes…)."""
        return '"' + name.replace('"', '""') + '"'

    def string_literal(self, text: str) -> str:
        """Standard SQL: only the quote is special, and doubling it is exact."""
        return "'" + text.replace("'", "''") + "'"

    def literal(self, value: SqlValue) -> str:
        """A SQL literal for a trait value, bound or label; numbers exact, in plain notation.

        (``1E+3`` would be a DOUBLE literal; ``1000`` is an exact integer.)
        """
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, int):
            return str(value)
        return self.string_literal(value)

    def timestamp(self, moment: datetime) -> str:
        """An instant (an aware datetime) as a timestamp-with-time-zone literal."""
        return f"TIMESTAMPTZ {self.string_literal(moment.isoformat())}"

    def wide(self, expr: str) -> str:
        """``expr`` as the wide exact integer type."""
        return f"CAST({expr} AS {self.wide_int})"

    def idiv(self, num: str, den: str) -> str:
        """Integer division truncating toward zero (both operands integers)."""
        return f"(({num}) // ({den}))"

    def epoch_us(self, timestamp: str) -> str:
        """Microseconds since the epoch of a TIMESTAMP WITH TIME ZONE."""
        return f"epoch_us({timestamp})"

    def timestamp_us(self, micros: str) -> str:
        """The UTC timestamp ``micros`` microseconds after the epoch."""
        return f"make_timestamptz({micros})"

    def full_match(self, text: str, pattern: str) -> str:
        """Does the regex ``pattern`` (its text, not SQL) match the whole text?"""
        return f"regexp_full_match(CAST({text} AS VARCHAR), {self.string_literal(pattern)})"

    def any_element(self, array: str, var: str, predicate: str) -> str:
        """Does ``predicate`` (over ``var``) hold for some element of ``array``?"""
        return f"(len(list_filter({array}, lambda {var}: {predicate})) > 0)"

    def not_nan(self, number: str) -> str:
        """Is the Double not NaN? (DuckDB folds ``isnan`` and comparisons to constants from
        Parquet statistics, which leave NaN out; ``isfinite`` it evaluates.)"""
        return f"isfinite({number})"

    def row_hash(self, columns: Sequence[str]) -> str:
        """A 64-bit hash of ``columns`` together (NULLs included): equal rows hash
        equal, distinct rows may collide."""
        return f"hash({', '.join(columns)})"

    def unique_id(self) -> str:
        """A number distinct for every row of the select it appears in."""
        return "ROW_NUMBER() OVER ()"

    def explode_range(self, first: str, stop: str) -> str:
        """One row per integer in [first, stop) (a set-returning select item)."""
        return f"unnest(range({first}, {stop}))"

    def money(self, units12: str) -> str:
        """A 10^-12-unit integer as an exact DECIMAL(38,12)."""
        return f"(CAST({units12} AS DECIMAL(38,0)) * CAST(0.000000000001 AS DECIMAL(38,12)))"


@dataclass(frozen=True)
class SparkDialect(Dialect):
    """Spark SQL (4.x), with ANSI mode on so overflow fails loudly instead of yielding NULL."""

    name: str = "spark"
    wide_int: str = "DECIMAL(38,0)"

    def identifier(self, name: str) -> str:
        # In double quotes Spark pairs a backslash with the next character, so a
        # name ending in one cannot be written; in backquotes only ` is special.
        return "`" + name.replace("`", "``") + "`"

    def string_literal(self, text: str) -> str:
        # Spark unescapes \n, \t, \u0041 … in string literals: escaping every
        # backslash and quote leaves no escape sequence but these two.
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def timestamp(self, moment: datetime) -> str:
        # Spark's TIMESTAMP is an instant (its naive type is TIMESTAMP_NTZ).
        return f"TIMESTAMP {self.string_literal(moment.isoformat())}"

    def idiv(self, num: str, den: str) -> str:
        # ``div`` returns a 64-bit long (too narrow for 10^-12 money) and decimal ``/``
        # rounds; subtracting the remainder first makes the division exact, and the
        # quotient type DECIMAL(38,6) still holds 32 integer digits.
        n, d = self.wide(num), self.wide(den)
        return f"CAST(({n} - {n} % {d}) / {d} AS {self.wide_int})"

    def epoch_us(self, timestamp: str) -> str:
        return f"unix_micros({timestamp})"

    def timestamp_us(self, micros: str) -> str:
        return f"timestamp_micros({micros})"

    def full_match(self, text: str, pattern: str) -> str:
        # RLIKE finds the pattern anywhere; Java's ``$`` would also match before a
        # final line break, ``\z`` only at the very end.
        anchored = self.string_literal("\\A(?:" + pattern + ")\\z")
        return f"(CAST({text} AS STRING) RLIKE {anchored})"

    def any_element(self, array: str, var: str, predicate: str) -> str:
        return f"exists({array}, {var} -> {predicate})"

    def not_nan(self, number: str) -> str:
        return f"NOT isnan({number})"

    def row_hash(self, columns: Sequence[str]) -> str:
        return f"xxhash64({', '.join(columns)})"  # skips NULLs: more collisions, still a hash

    def unique_id(self) -> str:
        return "monotonically_increasing_id()"  # ROW_NUMBER needs an ORDER BY in Spark

    def explode_range(self, first: str, stop: str) -> str:
        return f"explode(sequence(CAST({first} AS BIGINT), CAST({stop} AS BIGINT) - 1))"

    def money(self, units12: str) -> str:
        # DECIMAL(26,0) / DECIMAL(13,0) has result type DECIMAL(38,12); the quotient
        # has at most 12 decimals, so that division is exact (26 digits of 10^-12
        # units: amounts and quantities up to 10^14).
        return f"(CAST({units12} AS DECIMAL(26,0)) / CAST(1000000000000 AS DECIMAL(13,0)))"


DUCKDB = Dialect()
SPARK = SparkDialect()
