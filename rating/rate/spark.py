"""The rating plan on Apache Spark: the same compiled plan, spelled for Spark SQL.

:func:`~rating.rate.plan.compile_plan` with :data:`~rating.rate.dialect.SPARK`
yields the statements the DuckDB engine runs, in Spark's spelling; here each
becomes a persisted temporary view, in order. Samples are read by Spark
itself (Parquet, JSON Lines or CSV; local paths or any Hadoop filesystem such
as ``s3a://``), so nothing passes through this process but the catalog
tables, the counts and, when asked, the line items.

Samples are validated in Spark with the embedded readers' rules
(:mod:`rating.rate.spark_input`); invalid records are counted as rejected, so
the reconciliation read = rated + unmatched + rejected + duplicates + outside
period holds here too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from rating.errors import RatecardError, first_line
from rating.model import Catalog, ResourceType
from rating.period import Period
from rating.rate.backend import run_plan, unmatched
from rating.rate.dialect import SPARK
from rating.rate.plan import Stage, compile_plan, time_range_sql
from rating.rate.result import (
    Counts,
    RateOptions,
    RatingResult,
    UnmatchedGroup,
    conform,
    line_item_order,
)
from rating.rate.spark_input import java_cause, read_samples

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, Row, SparkSession


# SQL settings the plan relies on; set on every session, whoever built it.
PLAN_CONF = {
    "spark.sql.ansi.enabled": "true",  # overflow and bad casts fail instead of giving NULL
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",  # "x" is a name, as in DuckDB
    # SQL text is exactly what the dialect wrote (rating.rate.dialect: escaping):
    "spark.sql.variable.substitute": "false",  # a ${…} in a value or name stays as written
    "spark.sql.parser.escapedStringLiterals": "false",  # string literals unescape backslashes
    "spark.sql.caseSensitive": "true",  # trait names differ by case only
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # A JSON object naming a field twice is not parsed (try_parse_json gives NULL): the
    # record is rejected as ambiguous, as the embedded readers reject it.
    "spark.sql.variant.allowDuplicateKeys": "false",
}
# For a session this process starts: no progress bars over ratecard's summary.
_SESSION_DEFAULTS = {"spark.ui.showConsoleProgress": "false"}


@dataclass
class SparkRating:
    """A finished run: line items still in Spark, everything else collected."""

    line_items: DataFrame  # line_item_schema(labels) columns
    period: Period
    counts: Counts  # ``read`` and ``rejected`` include invalid input rows
    unmatched: list[UnmatchedGroup]
    catalog_version: str
    labels: tuple[str, ...] = ()  # the catalog's label dimensions

    def collect(self) -> RatingResult:
        """The line items as one Arrow table in the embedded engine's exact shape."""
        with _stage("line items"):
            table = self._in_order().toArrow()
        table = conform(table, self.labels)
        return RatingResult(table, self.counts, self.unmatched, self.catalog_version, self.period)

    def _in_order(self) -> DataFrame:
        """The line items in the engines' order (names quoted: label columns hold dots)."""
        from pyspark.sql.functions import col

        return self.line_items.orderBy(
            *(col(SPARK.identifier(c)) for c in line_item_order(self.labels))
        )

    def summary(self) -> tuple[int, dict[str, Decimal]]:
        """Line items and total amount per currency, computed by Spark."""
        from pyspark.sql.functions import expr

        per_currency = self.line_items.groupBy("currency").agg(
            expr("count(*) AS lines"), expr("sum(amount) AS total")
        )
        with _stage("line items"):
            rows = per_currency.collect()
        return sum(r.lines for r in rows), {r.currency: r.total for r in rows}

    def write_parquet(self, target: str) -> None:
        """Spark writes the line items as a Parquet dataset (a directory of part files)."""
        with _stage("line items", io=f"{target}: cannot write line items"):
            self._in_order().write.mode("overwrite").parquet(target)


def start_session(master: str | None = None, conf: Mapping[str, str] | None = None):
    """A SparkSession: the running one (Databricks, a notebook) or a new one.

    ``master`` defaults to Spark's own default (``spark-submit --master`` or
    ``local[*]``); ``conf`` holds ``key=value`` Spark settings from the command line.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as missing:
        raise RatecardError(
            "--engine spark needs PySpark: pip install 'ratecard[spark]'"
        ) from missing
    if (running := SparkSession.getActiveSession()) is not None:
        return running  # a notebook's or spark-submit's: its settings and logging stay
    builder = SparkSession.builder.appName("ratecard")
    if master:
        builder = builder.master(master)
    for key, value in {**_SESSION_DEFAULTS, **(conf or {})}.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # JVM missing or misconfigured: py4j/pyspark raise many types
        raise RatecardError(f"cannot start Spark: {first_line(error)}") from error
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def rate_on_spark(
    spark: SparkSession,
    catalog: Catalog,
    paths: Sequence[str],
    period: Period | None,
    options: RateOptions | None = None,
    resource_types: Sequence[ResourceType] | None = None,
) -> SparkRating:
    """Rate the sample files ``paths`` (one format) against ``catalog`` on ``spark``.

    Samples are checked against ``resource_types`` (default: the catalog's).
    """
    for key, value in PLAN_CONF.items():
        spark.conf.set(key, value)
    with _stage("samples", io=f"{', '.join(paths)}: cannot read samples"):
        samples = read_samples(
            spark,
            paths,
            resource_types or catalog.resource_types,
            catalog.dimensions.read_labels,
        )
        read, rejected = samples.count()
    samples.valid.createOrReplaceTempView("s")
    period = period or Period.month_of_samples(*spark.sql(time_range_sql(SPARK)).first())
    plan = compile_plan(catalog, period, options or RateOptions(), samples.schema, SPARK)
    backend = _Spark(spark)
    counts = run_plan(backend, plan, read, rejected)
    groups = unmatched(backend, plan, catalog)
    line_items = spark.sql(plan.line_items_sql)
    return SparkRating(
        line_items, period, counts, groups, catalog.version, catalog.dimensions.labels
    )


@dataclass(frozen=True)
class _Spark:
    """A Spark session as the :class:`~rating.rate.backend.Backend` plans run on."""

    spark: SparkSession

    def register(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def materialize(self, stage: Stage) -> None:
        with _stage(stage.name):
            _persist(self.spark.sql(stage.sql), stage)

    def first_row(self, sql: str) -> Row | None:
        return self.spark.sql(sql).first()

    def rows(self, sql: str) -> list[Row]:
        return self.spark.sql(sql).collect()


def _persist(frame: DataFrame, stage: Stage) -> None:
    """Materialize a stage once and cut its lineage (a view stage stays a view).

    Later stages read a stage several times; without the cut, every stage's
    logical plan would embed all earlier ones again and analysis grows
    exponentially with the number of stages.
    """
    if not stage.view:
        frame = frame.localCheckpoint(eager=True)
    frame.createOrReplaceTempView(stage.name)


@contextmanager
def _stage(name: str, io: str | None = None) -> Iterator[None]:
    """Spark's failures in one step, as the user's problem or as a bug.

    An overflow comes from the user's data; with ``io`` (what is read or
    written) any other failure is the user's too (a missing file, a filesystem
    Spark has no connector for); otherwise it is a bug in the generated plan.
    """
    try:
        yield
    except RatecardError:
        raise
    except Exception as error:  # pyspark's errors share no useful base class
        if "ARITHMETIC_OVERFLOW" in str(error) or "NUMERIC_VALUE_OUT_OF_RANGE" in str(error):
            raise RatecardError(
                f"rating plan stage {name!r}: a quantity or amount exceeds "
                f"Spark's DECIMAL(38,0): {first_line(error)}"
            ) from error
        if io is not None:
            raise RatecardError(f"{io}: {java_cause(error)}") from error
        raise RuntimeError(f"rating plan stage {name!r} failed on Spark") from error
