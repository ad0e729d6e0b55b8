"""SQL literals and identifiers on DuckDB and Spark: hostile text in, the same text out.

In the style of SQLGlot's dialect tests, one table of hostile strings runs on
both engines: each string literal reads back as the same Python string, each
identifier names a column of exactly that name, and each regex decides every
full match as the Python side does (``rating.regex.catalog_regex``: ``re`` with
ASCII ``\\d``, ``\\w``, ``\\s``). Then whole ratings: the example catalog
over samples full of such values, and a catalog whose trait names, resource
type and version are hostile, rate identically on DuckDB, Spark and the
reference rater.

Spark tests share one module-scoped session (``tests/test_spark.py``'s fixture).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pytest
from ratefixtures import make_catalog, make_product, samples_table, scope
from test_spark import CATALOG, OCT, flat_parquet, spark  # noqa: F401 (spark: a fixture)

from rating.load.catalog import load_catalog
from rating.load.samples import open_samples
from rating.model import Catalog, Condition, ConditionOp, ResourceType, Trait, TraitType, UsageKind
from rating.rate import engine, reference
from rating.rate.dialect import DUCKDB, SPARK, Dialect, SqlValue
from rating.rate.result import RateOptions, RatingResult
from rating.rate.spark import PLAN_CONF, rate_on_spark
from rating.regex import catalog_regex

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

HOSTILE = [
    "plain",
    "it's",
    "''",
    'say "hi"',
    "back\\slash",
    "trailing\\",
    "\\",
    "\\\\",
    "x\\' OR TRUE --",
    "'; DROP TABLE s; --",
    "\\'; DROP TABLE s; --",
    "line\nbreak\n",
    "tab\there\r",
    "\\n \\t \\u0041 \\101 \\Z (escape sequences, not escapes)",
    "-- a comment",
    "/* a comment */",
    "100% _like_ %",
    "$",
    "${x}",
    "${spark.app.name}",
    "$$dollar quoted$$",
    "`back`ticks`",
    "emoji 😀👩‍👩‍👧",
    "RTL עברית العربية \u202e override",
    "control \x01\x1f\x7f, separator \u2028",
    "g1\\..*",
    "^[a-z]+(?:x|y)*?\\d{2,}$",
]
TEXTS = [*HOSTILE, ""]
NUMBERS = [0, -7, 2**70, Decimal("0.000000000001"), Decimal("-12.5"), Decimal("1E+3")]
# (pattern, text): the decision each engine makes must be catalog_regex's full match.
REGEX_CASES = [
    ("g1\\..*", "g1.large"),
    ("g1\\..*", "g1x-large"),
    ("g\\d+\\..*", "g12.xlarge"),
    ("g\\d+\\..*", "gd.xlarge"),
    ("g\\d+\\..*", "g1.large\n"),
    ("a|b", "ab"),
    ("a.c", "a\nc"),
    ("a\\\\b", "a\\b"),
    ("a\\\\", "a\\"),
    ("x\\' OR TRUE --", "x' OR TRUE --"),
    ("'; DROP TABLE s; --", "'; DROP TABLE s; --"),
    ("/\\* .* \\*/", "/* c */"),
    ("100%", "1000"),
    ("a_b", "axb"),
    ("\\$\\{x\\}", "${x}"),
    ("[😀]+", "😀😀"),
    ("עברית.?", "עברית!"),
    ("(?i)active", "ACTIVE"),
    ("g\\d", "g1"),
    ("g\\d", "g\u0661"),  # ARABIC-INDIC DIGIT ONE is no \d to RE2 and Java
    ("\\w+", "straße"),
    ("a\\sb", "a\u2028b"),  # nor is LINE SEPARATOR \s
    ("", ""),
    ("", "x"),
]


@dataclass(frozen=True)
class Engine:
    """A dialect and a way to run one query on its engine: (column names, first row)."""

    dialect: Dialect
    query: Callable[[str], tuple[list[str], tuple]]


@pytest.fixture(scope="module")
def spark_session(request: pytest.FixtureRequest) -> SparkSession:
    """test_spark's session, with the settings every rating sets (the dialect relies on them)."""
    pytest.importorskip("pyspark")
    session = request.getfixturevalue("spark")
    for key, value in PLAN_CONF.items():
        session.conf.set(key, value)
    return session


@pytest.fixture(scope="module", params=["duckdb", "spark"])
def on(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Each engine once per module; Spark's session is the whole-rating tests' too."""
    if request.param == "duckdb":
        con = duckdb.connect()

        def duck(sql: str) -> tuple[list[str], tuple]:
            cursor = con.execute(sql)
            return [d[0] for d in cursor.description], cursor.fetchone()

        yield Engine(DUCKDB, duck)
        con.close()
        return
    session = request.getfixturevalue("spark_session")

    def spark_query(sql: str) -> tuple[list[str], tuple]:
        frame = session.sql(sql)
        return frame.columns, tuple(frame.first())

    yield Engine(SPARK, spark_query)


@pytest.mark.parametrize("text", TEXTS)
def test_string_literal_round_trips(on: Engine, text: str):
    _, (value,) = on.query(f"SELECT {on.dialect.string_literal(text)} AS v")
    assert value == text


@pytest.mark.parametrize("value", [None, True, False, *NUMBERS, *HOSTILE[:3]])
def test_literal_round_trips(on: Engine, value: SqlValue):
    _, (read,) = on.query(f"SELECT {on.dialect.literal(value)} AS v")
    assert read == value and type(read) is not float


@pytest.mark.parametrize("name", [*HOSTILE, "traits.ramMb", "traits.a b.c"])
def test_identifier_names_a_column(on: Engine, name: str):
    column = on.dialect.identifier(name)
    names, row = on.query(f"SELECT {column}, 2 AS other FROM (SELECT 1 AS {column}) t")
    assert (names, row) == ([name, "other"], (1, 2))


@pytest.mark.parametrize(("pattern", "text"), REGEX_CASES)
def test_regex_full_match_decides_as_python(on: Engine, pattern: str, text: str):
    literal = on.dialect.string_literal(text)
    _, (matched,) = on.query(f"SELECT {on.dialect.full_match(literal, pattern)} AS m")
    assert matched is (catalog_regex(pattern).fullmatch(text) is not None)


# ---------------------------------------------------------------- whole ratings


def rated_everywhere(
    spark_session: SparkSession,
    catalog: Catalog,
    table: pa.Table,
    directory: Path,
    options: RateOptions,
) -> RatingResult:
    """DuckDB's result, after asserting Spark's and the reference rater's equal it.

    The file sits in a directory whose name needs quoting: DuckDB reads it in SQL.
    """
    directory.mkdir()
    path = flat_parquet(table, directory / "samples.parquet")
    oracle = reference.rate(catalog, table.to_batches(), OCT, options)
    duck = engine.rate(catalog, open_samples([path], catalog.resource_types), OCT, options)
    on_spark = rate_on_spark(spark_session, catalog, [path], OCT, options).collect()
    for result in (duck, on_spark):
        assert result.line_items.to_pylist() == oracle.line_items.to_pylist()
        assert (result.counts, result.unmatched) == (oracle.counts, oracle.unmatched)
    return duck


def test_hostile_samples_rate_identically_on_every_engine(spark_session, tmp_path):
    catalog = load_catalog(CATALOG)
    server = {"resource_type": "openstack.nova.server", "platform_type": "OpenStack"}
    resources = [
        # (resource id, tenant, name, flavor, state)
        ("x\\' OR TRUE --", "proj-42", 'web "1"', "g1.large", "ACTIVE"),
        ("vm-trailing\\", "t\\", "\\", "g1x-large", "ACTIVE"),
        ("'; DROP TABLE s; --", "${spark.app.name}", "emoji 😀", "g12.x\n", "ACTIVE"),
        ("ünïcødé 😀 עברית", "proj-7' --", "/* */", "g2.xlarge", "ACTIVE"),
        ("zz \\ 'unmatched'", "--", None, "m1.large", "ACTIVE' OR '1'='1"),
    ]
    rows = [
        {
            **server,
            "time": f"2026-10-01T0{hour}:00:00Z",
            "resource_id": resource_id,
            "tenant": tenant,
            "resource_name": name,
            "platform_instance": "other\\",
            "traits": {"vcpu": 2, "ramMb": 2048, "flavor": flavor, "state": state},
        }
        for resource_id, tenant, name, flavor, state in resources
        for hour in range(3)
    ]
    table = samples_table(rows, catalog.resource_types)
    result = rated_everywhere(
        spark_session, catalog, table, tmp_path / 'it\'s "quoted"', RateOptions()
    )
    lines = result.line_items.to_pylist()
    gpu = {line["resource_id"] for line in lines if line["usage_type"] == "GPU hours"}
    assert gpu == {"x\\' OR TRUE --", "ünïcødé 😀 עברית"}  # g1x-large and g12.x\n are not
    assert {line["tenant"] for line in lines} >= {"t\\", "${spark.app.name}", "proj-7' --"}
    (unmatched,) = result.unmatched  # its hint needs the resource's first row, found by id
    assert (unmatched.samples, unmatched.resources) == (3, 1)
    assert "ACTIVE' OR '1'='1" in (unmatched.hint or "")


HOSTILE_TYPE = ResourceType(
    id="acme.vm'\\",
    platform="OpenStack",
    display_name="A VM with hostile trait names",
    description="Trait names are the user's: any text reaches SQL as a column name.",
    traits=(
        Trait("size\\", TraitType.NATURAL, False, "GBy", "ends in a backslash"),
        Trait('a"b', TraitType.TEXT, True, None, "a double quote"),
        Trait("${x}", TraitType.TEXT, True, None, "Spark SQL's variable syntax"),
        Trait("c`d", TraitType.DOUBLE, True, None, "a backtick"),
        Trait("it's", TraitType.LIST_TEXT, True, None, "a quote"),
    ),
)


def test_hostile_trait_names_rate_identically_on_every_engine(spark_session, tmp_path):
    product = make_product(
        "storage'\\",
        kind=UsageKind.TIME_QUANTITY,
        unit="GBy.h",
        trait="size\\",
        resource_type=HOSTILE_TYPE.id,
        scope=scope(tenant="t'\\"),
        filter=[
            Condition('a"b', ConditionOp.REGEX, pattern="v\\d+'\\\\.*"),
            Condition("${x}", ConditionOp.ONE_OF, ("x' OR TRUE --", "y\\")),
            Condition("c`d", ConditionOp.RANGE, at_least=Decimal("0.5")),
            Condition("it's", ConditionOp.NOT_ONE_OF, ("\\",)),
        ],
    )
    catalog = make_catalog([product], resource_types=[HOSTILE_TYPE], version="v'1\\")
    matching = {'a"b': "v12'\\x", "${x}": "y\\", "c`d": 0.5, "it's": ["ok"]}
    variants = [
        matching,
        {**matching, 'a"b': "v12\\'x"},
        {**matching, "${x}": "x\\' OR TRUE --"},
        {**matching, "it's": ["ok", "\\"]},
    ]
    rows = [
        {
            "time": f"2026-10-01T0{2 * hour}:00:00Z",
            "resource_id": f"r{number}",
            "resource_type": HOSTILE_TYPE.id,
            "tenant": "t'\\",
            "traits": {"size\\": 10, **traits},
        }
        for number, traits in enumerate(variants)
        for hour in range(2)
    ]
    table = samples_table(rows, [HOSTILE_TYPE])
    options = RateOptions(interval_by_type={HOSTILE_TYPE.id: timedelta(hours=2)})
    result = rated_everywhere(spark_session, catalog, table, tmp_path / "samples", options)
    lines = result.line_items.to_pylist()
    assert [(line["resource_id"], line["quantity"], line["catalog_version"]) for line in lines] == [
        ("r0", Decimal(40), "v'1\\")
    ]
    assert result.counts.unmatched == 6
