"""The rating plan on Apache Spark (local[2]) against the embedded DuckDB engine.

One Spark session for the whole module (starting one costs ~10 s); every test
compares Spark's line items with DuckDB's, line for line and Decimal-exact,
and the CLI test compares the bytes of the written files.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import test_sample_rules as hand_worked
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ratefixtures import make_catalog, make_product, sample, samples_table
from strategies import catalogs, options_st, sample_rows
from test_engine import MIXED, MIXED_CATALOG, MIXED_LINES, line_summary
from test_price_time import (
    ANSWER_A,
    ANSWER_A_LINES,
    ANSWER_B,
    ANSWER_B_LINES,
    GRANDFATHERED,
    GRANDFATHERED_LINES,
)

import rating
from rating.cli import cli
from rating.errors import RatecardError
from rating.load.catalog import load_catalog
from rating.load.samples import open_samples
from rating.load.samples.parquet_sql import SampleRules
from rating.load.samples.schema import ENVELOPE_COLUMNS
from rating.period import Period
from rating.rate import engine, reference
from rating.rate.dialect import SPARK
from rating.rate.result import line_item_schema
from rating.rate.spark import rate_on_spark, start_session

REPO = Path(__file__).resolve().parent.parent
CATALOG = REPO / "examples/catalogs/private-cloud"
FLEET = REPO / "examples/samples/fleet-2026-10.parquet"
OCT = Period.parse("2026-10")
SHORT = Period.parse("2026-10-01/2026-10-03")


@pytest.fixture(scope="module")
def spark():
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        pytest.skip("the Spark tests need Java 17: install it or set JAVA_HOME (see README)")
    started = time.perf_counter()
    quiet = {"spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false"}
    session = start_session("local[2]", quiet)
    print(f"\nspark session started in {time.perf_counter() - started:.1f} s")
    yield session
    session.stop()


def flat_parquet(table: pa.Table, path: Path) -> str:
    """Normalized sample rows written in the flat file layout users give Spark (kept
    labels ``label.<name>`` as ``labels.<name>``)."""
    renamed = {target: source for target, source in ENVELOPE_COLUMNS.items()}
    table = table.drop_columns(["source_file", "source_line"])
    names = [renamed.get(n, n.replace("label.", "labels.", 1)) for n in table.column_names]
    pq.write_table(table.rename_columns(names), path)
    return str(path)


def test_example_catalog_and_fleet_match_duckdb_exactly(spark):
    catalog = load_catalog(CATALOG)
    expected = engine.rate(catalog, open_samples([str(FLEET)], catalog.resource_types), OCT)
    actual = rate_on_spark(spark, catalog, [str(FLEET)], OCT).collect()
    assert actual.line_items.schema == line_item_schema(catalog.dimensions.labels)
    assert actual.line_items.num_rows == expected.line_items.num_rows > 20
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()
    assert actual.counts == expected.counts
    assert actual.totals() == expected.totals()


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(catalogs(), sample_rows(), options_st, st.sampled_from([OCT, SHORT]))
def test_generated_catalogs_rate_identically(spark, tmp_path, catalog, rows, options, period):
    table = samples_table(rows)
    path = flat_parquet(table, tmp_path / f"samples-{time.monotonic_ns()}.parquet")
    expected = engine.rate(catalog, table.to_batches(), period, options)
    actual = rate_on_spark(spark, catalog, [path], period, options).collect()
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()
    assert actual.counts == expected.counts
    assert actual.unmatched == expected.unmatched


def test_invalid_rows_are_counted_as_rejected_and_the_rest_rated(spark, tmp_path):
    good = sample("2026-10-01T00:00:00Z", traits={"vcpu": 2, "ramMb": 512, "state": "ACTIVE"})
    rows = [
        good,
        {**good, "time": "2026-10-01T01:00:00Z", "resource_type": "no.such.type"},
        {**good, "time": "2026-10-01T02:00:00Z", "traits": {"vcpu": 2, "state": "ACTIVE"}},
        {**good, "time": "2026-10-01T03:00:00Z", "traits": {**good["traits"], "vcpu": -1}},
        {**good, "time": "2026-10-01T04:00:00Z", "platform_type": ""},
    ]
    table = samples_table(rows)
    path = flat_parquet(table, tmp_path / "mixed.parquet")
    rated = rate_on_spark(spark, make_catalog(), [path], OCT)
    assert (rated.counts.read, rated.counts.rejected, rated.counts.rated) == (5, 4, 1)
    assert rated.counts.reconciles
    reader = open_samples([path], make_catalog().resource_types)
    assert sum(batch.num_rows for batch in reader) == 1  # the embedded reader agrees
    assert reader.total.rejected == 4


def test_cli_writes_byte_identical_line_items(spark, tmp_path):
    runner = CliRunner()
    outputs = {}
    for name, extra in (("duckdb", []), ("spark", ["--engine", "spark"])):
        out = tmp_path / f"{name}.jsonl"
        args = ["rate", str(CATALOG), str(FLEET), "--period", "2026-10", "--out", str(out)]
        result = runner.invoke(cli, [*args, *extra])
        assert result.exit_code == 0, result.output
        assert "rated 708" in result.output
        outputs[name] = out.read_bytes()
    assert outputs["spark"] == outputs["duckdb"]
    assert outputs["spark"].count(b"\n") > 20


def test_cli_lets_spark_write_a_parquet_dataset_to_a_uri(spark, tmp_path):
    target = (tmp_path / "line-items").as_uri()  # file://, as s3a:// would be on a cluster
    args = ["rate", str(CATALOG), str(FLEET), "--period", "2026-10", "--engine", "spark"]
    result = CliRunner().invoke(cli, [*args, "--out", target])
    assert result.exit_code == 0, result.output
    assert "line items 24" in result.output and "total EUR 54.769075180499" in result.output
    written = pq.read_table(tmp_path / "line-items")
    catalog = load_catalog(CATALOG)
    expected = engine.rate(catalog, open_samples([str(FLEET)], catalog.resource_types), OCT)
    schema = line_item_schema(catalog.dimensions.labels)
    assert written.select(schema.names).cast(schema).to_pylist() == expected.line_items.to_pylist()


def test_a_filesystem_spark_cannot_reach_is_a_one_line_error(spark):
    # s3a:// without the hadoop-aws connector fails the same way.
    args = ["rate", str(CATALOG), str(FLEET), "--period", "2026-10", "--engine", "spark"]
    result = CliRunner().invoke(cli, [*args, "--out", "nosuchfs://bucket/line-items"])
    assert isinstance(result.exception, RatecardError)
    message = str(result.exception)
    assert message.startswith("nosuchfs://bucket/line-items: cannot write line items: ")
    assert "\n" not in message


def test_cli_report_on_spark_equals_the_default_engine(spark):
    runner = CliRunner()
    args = ["report", str(CATALOG), str(FLEET), "--period", "2026-10", "--format", "json"]
    default = runner.invoke(cli, args)
    on_spark = runner.invoke(cli, [*args, "--engine", "spark"])
    assert default.exit_code == on_spark.exit_code == 0, on_spark.output
    assert on_spark.stdout == default.stdout
    assert '"tenant":"proj-7"' in on_spark.stdout


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        ("fleet.txt", "fleet.txt: --engine spark reads .parquet, .jsonl (.json, .ndjson) and .csv"),
        ("-", "-: --engine spark reads files, not stdin"),
        ("f.parquet.gz", "f.parquet.gz: compressed Parquet is not supported"),
    ],
)
def test_spark_refuses_inputs_it_cannot_read_in_one_line(spark, samples, message):
    result = CliRunner().invoke(cli, ["rate", str(CATALOG), samples, "--engine", "spark"])
    assert isinstance(result.exception, RatecardError)
    assert str(result.exception).startswith(message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--spark-conf", "no-equals-sign", "--engine", "spark"],
            "--spark-conf 'no-equals-sign': expected KEY=VALUE",
        ),
        (["--spark-master", "local[2]"], "--spark-master and --spark-conf need --engine spark"),
    ],
)
def test_engine_option_mistakes_are_one_line_errors(args, message):
    result = CliRunner().invoke(cli, ["rate", str(CATALOG), str(FLEET), *args])
    assert isinstance(result.exception, RatecardError)  # main() prints it as one line
    assert str(result.exception) == message


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (ANSWER_A, ANSWER_A_LINES),
        (ANSWER_B, ANSWER_B_LINES),
        (GRANDFATHERED, GRANDFATHERED_LINES),
    ],
    ids=["A", "B", "grandfathered"],
)
def test_prices_in_time_known_answers(spark, tmp_path, case, expected):
    """Issue #15: a price change inside an event interval (A), state carried in (B), a price
    schedule's change for new resources only (grandfathered)."""
    table = samples_table(case.rows)
    path = flat_parquet(table, tmp_path / "samples.parquet")
    actual = rate_on_spark(spark, case.catalog, [path], case.period).collect()
    assert [(li["quantity"], li["amount"]) for li in actual.line_items.to_pylist()] == expected
    embedded = engine.rate(case.catalog, table.to_batches(), case.period)
    assert actual.line_items.to_pylist() == embedded.line_items.to_pylist()
    assert actual.counts == embedded.counts


def test_events_and_samples_cover_each_instant_once_on_spark(spark, tmp_path):
    """A create, a sample holding to the delete, a sample after it: test_engine's answer."""
    path = flat_parquet(samples_table(MIXED), tmp_path / "samples.parquet")
    actual = rate_on_spark(spark, MIXED_CATALOG, [path], OCT).collect()
    assert line_summary(actual) == MIXED_LINES


def test_samples_of_a_run_count_by_their_own_interval_on_spark(spark, tmp_path):
    """Hourly samples at 08, 09 and 10 h, one run; the entry is valid from 10:30: only the
    10 h sample reaches it (rated 1, unmatched 2), as on DuckDB and in the reference."""
    catalog = make_catalog([make_product(valid_from="2026-10-01T10:30:00Z")])
    traits = {"vcpu": 2, "ramMb": 512, "state": "ACTIVE"}  # what the resource type requires
    table = samples_table([sample(f"2026-10-01T{h:02d}:00:00Z", traits=traits) for h in (8, 9, 10)])
    path = flat_parquet(table, tmp_path / "samples.parquet")
    actual = rate_on_spark(spark, catalog, [path], OCT).collect()
    assert (actual.counts.rated, actual.counts.unmatched) == (1, 2)
    assert actual.counts == reference.rate(catalog, table.to_batches(), OCT).counts


def test_the_python_api_rates_on_spark_like_on_duckdb(spark):
    """Issue #22: ``engine="spark"`` is one argument away, with the same answer."""
    catalog = rating.open_catalog(CATALOG)
    on_spark = catalog.rate(str(FLEET), period="2026-10", engine="spark")
    embedded = catalog.rate(str(FLEET), period="2026-10")
    assert on_spark.line_items.to_pylist() == embedded.line_items.to_pylist()
    assert on_spark.counts == embedded.counts and on_spark.period == embedded.period


# ---------------------------------------------------------------- JSON Lines, CSV and bad input

# Bad-input corpus cases (tests/test_bad_input_samples.py) whose records Spark must judge
# exactly as the embedded readers: one of each kind of reject, in every format.
SAME_VERDICT = [
    "gz whole fleet",
    "zst whole fleet csv",
    "jsonl latin-1 byte",
    "jsonl lone surrogate escape",
    "csv latin-1 byte",
    "trailing comma",
    "two objects on a line",
    "JSON array",
    "NaN in Double",
    "1e400 overflows to Infinity",
    "exactly 1e15",
    "integer beyond int64",
    "negative vcpu",
    "negative Double without unit",
    "negative list element with unit",
    "csv negative vcpu",
    "csv NaN Double",
    "parquet NaN",
    "parquet NaN in list",
    "parquet negative int32 vcpu",
    "time Feb 30",
    "time before 1970",
    "time year 9999",
    "csv time without zone",
    "parquet naive timestamp",
    "line over 1 MiB",
    "nesting 33 deep",
    "vcpu as float",
    "traits as list",
    "resource id as number",
    "unknown trait",
    "unknown top-level field",
    "member named twice",
    "trait named twice",
    "empty tenant",
    "NUL in tenant",
    "parquet newline in id",
    "csv more cells than header",
    "csv quote inside field",
    "header-only csv",
    "jsonl BOM",
    "mixed fleet and junk",
]


@pytest.fixture(scope="module")
def corpus_traits(tmp_path_factory):
    from test_bad_input_samples import TRAITS

    from rating.library import traits_dir

    path = tmp_path_factory.mktemp("traits") / "acme.dhall"
    path.write_text(TRAITS.format(trait=traits_dir() / "Trait.dhall"))
    return path


@pytest.mark.parametrize("name", SAME_VERDICT)
def test_bad_input_gets_the_same_counts_on_spark_and_duckdb(spark, tmp_path, corpus_traits, name):
    from test_bad_input_samples import CASES

    case = next(c for c in CASES if c.name == name)
    path = tmp_path / case.file
    path.write_bytes(case.data())
    catalog = rating.open_catalog(CATALOG)
    counts = {
        engine: catalog.rate(str(path), period="2026-10", engine=engine, traits=corpus_traits)
        for engine in ("duckdb", "spark")
    }
    embedded, on_spark = counts["duckdb"].counts, counts["spark"].counts
    assert (on_spark.read, on_spark.rejected, on_spark.rated) == (
        embedded.read,
        embedded.rejected,
        embedded.rated,
    )
    assert on_spark.reconciles and on_spark.read == case.read


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_the_example_fleet_in_text_formats_rates_like_on_duckdb(spark, suffix):
    catalog = rating.open_catalog(CATALOG)
    fleet = str(FLEET.with_suffix(suffix))
    on_spark = catalog.rate(fleet, period="2026-10", engine="spark")
    embedded = catalog.rate(fleet, period="2026-10")
    assert on_spark.line_items.num_rows > 20
    assert on_spark.line_items.to_pylist() == embedded.line_items.to_pylist()
    assert on_spark.counts == embedded.counts


def test_a_dataset_directory_rates_on_spark_like_on_duckdb(spark, tmp_path):
    """Issue #19: Spark takes a ``period=YYYY-MM`` dataset and reads only the period's months.

    September's partition repeats October's samples: read, they would be duplicates.
    """
    for month in ("2026-09", "2026-10"):
        partition = tmp_path / f"period={month}"
        partition.mkdir()
        shutil.copy(FLEET, partition / "part-0.parquet")
    catalog = rating.open_catalog(CATALOG)
    on_spark = catalog.rate(tmp_path, period="2026-10", engine="spark")
    embedded = catalog.rate(tmp_path, period="2026-10")
    assert on_spark.counts.duplicates == 0 and on_spark.counts.read == embedded.counts.read > 0
    assert on_spark.line_items.to_pylist() == embedded.line_items.to_pylist()


def test_the_sample_rules_reach_the_verdicts_worked_out_by_hand_on_spark(spark, tmp_path):
    """tests/test_sample_rules.py's table of rows, checked by the rules in Spark SQL."""
    rows = hand_worked.table()
    path = tmp_path / "rules.parquet"
    pq.write_table(rows.append_column("case", pa.array(range(rows.num_rows))), path)
    spark.read.parquet(str(path)).createOrReplaceTempView("rule_cases")
    valid = SampleRules(hand_worked.SCHEMA, hand_worked.TYPES, {}, SPARK).valid()
    verdicts = spark.sql(f"SELECT {valid} FROM rule_cases ORDER BY case").collect()
    assert dict(zip(hand_worked.CASES, [row[0] for row in verdicts], strict=True)) == dict(
        zip(hand_worked.CASES, hand_worked.EXPECTED, strict=True)
    )
