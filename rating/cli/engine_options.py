"""``--engine``, ``--spark-master`` and ``--spark-conf``: where the rating plan runs.

The embedded DuckDB engine is the default. ``--engine spark`` runs the same
compiled plan on Apache Spark (the ``ratecard[spark]`` extra): samples are
Parquet, JSON Lines or CSV files (or Parquet directories), local or on any
Hadoop filesystem (``s3a://``); docs/spark.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import click

from rating.errors import RatecardError

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class EngineChoice:
    """The engine and, for Spark, the master and settings to start it with."""

    name: str = "duckdb"
    spark_master: str | None = None
    spark_conf: dict[str, str] = field(default_factory=dict)

    @property
    def spark(self) -> bool:
        return self.name == "spark"

    def arguments(self) -> dict[str, object]:
        """The keyword arguments of :meth:`rating.api.Ratecard.rate` this choice stands for."""
        return {
            "engine": self.name,
            "spark_master": self.spark_master,
            "spark_conf": self.spark_conf,
        }


def engine_options(command: Callable) -> Callable:
    """Add the engine options to a click command; it receives ``engine: EngineChoice``."""
    options = [
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default="duckdb",
            show_default=True,
            help="duckdb: embedded, in-process; spark: the same plan on Apache Spark.",
        ),
        click.option(
            "--spark-master",
            help="Spark master URL (default: spark-submit's, else local[*]).",
        ),
        click.option(
            "--spark-conf",
            "spark_conf",
            multiple=True,
            metavar="KEY=VALUE",
            help="A Spark setting, e.g. spark.hadoop.fs.s3a.endpoint=… (repeatable).",
        ),
    ]

    @functools.wraps(command)
    def wrapped(*args, engine: str, spark_master: str | None, spark_conf: tuple, **kwargs):
        choice = EngineChoice(engine, spark_master, _parse_conf(spark_conf))
        if not choice.spark and (spark_master or spark_conf):
            raise RatecardError("--spark-master and --spark-conf need --engine spark")
        return command(*args, engine=choice, **kwargs)

    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


def _parse_conf(items: Sequence[str]) -> dict[str, str]:
    conf = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise RatecardError(f"--spark-conf {item!r}: expected KEY=VALUE")
        conf[key.strip()] = value
    return conf
