"""Compile a catalog into one relational rating plan: lookup tables plus SQL text.

The plan is the production engine's "program". Everything that depends on the
catalog is turned into small tables (one row per entry, one row per price tier)
and a handful of generated SQL expressions (one boolean filter per entry,
evaluated only on the *distinct matching signatures* of the input, not on every
sample), so matching cost stays flat when the catalog grows and no Python code
ever loops over samples. The statements are plain SQL over those tables and the
ingested sample table ``s``, run in order by the DuckDB engine
(:mod:`rating.rate.engine`) or the Spark engine (:mod:`rating.rate.spark`).

Exactness: times are BIGINT microseconds; quantities and amounts are wide
integers (DuckDB HUGEINT, Spark DECIMAL(38,0)) in units of 10^-12 (``*12``
columns), computed with exact integer division and ``%``, rounded half-even by
:func:`~rating.rate.plan.arithmetic.round_half_even`, then turned into
DECIMAL(38,12). No DOUBLE and no rounding decimal division is ever involved in
money. A line's quantity is priced *exactly*: it is carried as an integer
``qx`` in units of 10^-12/``qden``
(``qden`` is one denominator per product id that every quantity of it divides),
so ranges, tiers and amounts are exact and each amount is rounded once
(:func:`~rating.rate.plan.arithmetic.round_sum_ctes`); only the reported
quantity is rounded to 12 places.

Engine-specific spellings (integer division, the wide integer type, epoch
conversions, regex full match, list predicates, exploding a range, exact
money) come from a :class:`~rating.rate.dialect.Dialect`, so DuckDB and Spark
run the same plan (docs/spark.md). The rest is SQL both accept as written.
Every trait column name and every value from the catalog or the samples is
written by the dialect's ``identifier`` and ``literal``, never quoted here.

The modules follow the plan: :mod:`~rating.rate.plan.compile` compiles
catalogs into plans (:class:`RatingPlan`, :mod:`~rating.rate.plan.stages`) from
their :mod:`~rating.rate.plan.shape`; :mod:`~rating.rate.plan.scan` turns
samples into runs, :mod:`~rating.rate.plan.measure` cuts runs into pieces,
:mod:`~rating.rate.plan.match` writes the catalog's filters and
:mod:`~rating.rate.plan.price` prices the matched pieces;
:mod:`~rating.rate.plan.outputs` reads the results, all in the exact integer
units of :mod:`~rating.rate.plan.arithmetic`.
"""

from rating.rate.plan.compile import compile_plan, compile_plans
from rating.rate.plan.scan import time_range_sql
from rating.rate.plan.stages import RatingPlan, Stage

__all__ = ["RatingPlan", "Stage", "compile_plan", "compile_plans", "time_range_sql"]
