"""The synthetic fleet generator: reproducible, readable in every format, realistic churn."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from rating.errors import RatecardError
from rating.generate import plan_fleet, sample_schema
from rating.generate.cli import generate, parse_interval
from rating.generate.fleet import NEVER
from rating.generate.kinds import KINDS
from rating.period import Period

OCTOBER = Period.parse("2026-10")
HOURS = 31 * 24


def run(tmp_path: Path, name: str, *extra: str, resources: int = 200, seed: int = 7) -> Path:
    out = tmp_path / name
    out.parent.mkdir(parents=True, exist_ok=True)
    result = CliRunner().invoke(
        generate,
        [
            "--resources",
            str(resources),
            "--period",
            "2026-10",
            "--seed",
            str(seed),
            "--out",
            str(out),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def fleet_table(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    return pq.read_table(run(tmp_path_factory.mktemp("fleet"), "fleet.parquet", resources=300))


@pytest.mark.parametrize("name", ["a.parquet", "a.csv", "a.jsonl", "a.jsonl.gz"])
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, name: str) -> None:
    first = run(tmp_path / "1", name, resources=40)
    again = run(tmp_path / "2", name, resources=40)
    other = run(tmp_path / "3", name, resources=40, seed=8)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_parquet_schema_and_counts(fleet_table: pa.Table) -> None:
    assert fleet_table.schema.equals(sample_schema())
    assert fleet_table.schema.field("time").type == pa.timestamp("us", tz="UTC")
    assert fleet_table.schema.field("traits.vcpu").type == pa.int64()
    assert fleet_table.schema.field("traits.flavor").type == pa.string()
    assert len(pc.unique(fleet_table["resource.id"])) == 300
    expected = plan_fleet(300, OCTOBER, 7).samples
    assert fleet_table.num_rows == expected


def test_every_resource_type_present(fleet_table: pa.Table) -> None:
    present = set(pc.unique(fleet_table["resource.type"]).to_pylist())
    assert present == {kind.type for kind in KINDS}
    assert len(KINDS) == 13


def test_samples_hourly_within_period(fleet_table: pa.Table) -> None:
    times = fleet_table["time"].to_pylist()
    assert min(times) >= OCTOBER.start and max(times) < OCTOBER.end
    assert all(t.minute == t.second == t.microsecond == 0 for t in set(times))
    # No resource is sampled twice at one time.
    keys = pa.table({"id": fleet_table["resource.id"], "t": fleet_table["time"]})
    assert keys.group_by(["id", "t"]).aggregate([]).num_rows == fleet_table.num_rows


def _per_resource(table: pa.Table) -> pa.Table:
    return table.group_by("resource.id").aggregate(
        [
            ("time", "min"),
            ("time", "max"),
            ("time", "count"),
            ("traits.vcpu", "count_distinct"),
            ("traits.state", "count_distinct"),
            ("traits.size", "count_distinct"),
        ]
    )


def test_churn_creations_deletions_resizes_stops(fleet_table: pa.Table) -> None:
    per = _per_resource(fleet_table).to_pylist()
    last_tick = OCTOBER.end - timedelta(hours=1)
    assert any(r["time_min"] > OCTOBER.start for r in per), "no resource created mid-period"
    assert any(r["time_max"] < last_tick for r in per), "no resource deleted mid-period"
    assert any(r["traits.vcpu_count_distinct"] == 2 for r in per), "no server resized"
    assert any(r["traits.size_count_distinct"] == 2 for r in per), "no volume resized"
    assert any(r["traits.state_count_distinct"] == 2 for r in per), "no server stopped"
    # Lifetimes are contiguous: one sample every hour from first to last.
    for r in per:
        assert r["time_count"] == (r["time_max"] - r["time_min"]) // timedelta(hours=1) + 1
    states = set(pc.unique(fleet_table["traits.state"].drop_null()).to_pylist())
    assert states == {"ACTIVE", "SHUTOFF"}


def test_server_flavors_match_vcpu_and_ram(fleet_table: pa.Table) -> None:
    servers = fleet_table.filter(pc.equal(fleet_table["resource.type"], "openstack.nova.server"))
    combos = servers.group_by(["traits.flavor", "traits.vcpu", "traits.ramMb"]).aggregate([])
    found = {(r["traits.flavor"], r["traits.vcpu"], r["traits.ramMb"]) for r in combos.to_pylist()}
    assert found <= {
        ("m1.tiny", 1, 512),
        ("m1.small", 1, 2048),
        ("m1.medium", 2, 4096),
        ("m1.large", 4, 8192),
        ("m1.xlarge", 8, 16384),
    }
    assert servers["traits.milliCpu"].null_count == servers.num_rows


def test_jsonl_records_match_parquet(tmp_path: Path) -> None:
    table = pq.read_table(run(tmp_path, "f.parquet", resources=30))
    lines = run(tmp_path, "f.jsonl.gz", resources=30)
    with gzip.open(lines, "rt") as stream:
        records = [json.loads(line) for line in stream]
    assert len(records) == table.num_rows
    row = table.slice(0, 1).to_pylist()[0]
    first = records[0]
    assert first["time"] == row["time"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first["resource"] == {
        "id": row["resource.id"],
        "type": row["resource.type"],
        "name": row["resource.name"],
    }
    assert first["scope"]["tenant"] == row["scope.tenant"]
    expected_traits = {
        name.removeprefix("traits."): value
        for name, value in row.items()
        if name.startswith("traits.") and value is not None
    }
    assert first["traits"] == expected_traits
    floating = [r for r in records if r["resource"]["type"] == "openstack.neutron.floating-ip"]
    assert floating and all(r["traits"] == {} for r in floating)


def test_csv_readable_with_typed_columns(tmp_path: Path) -> None:
    table = pacsv.read_csv(run(tmp_path, "f.csv", resources=30))
    assert table.column_names == sample_schema().names
    assert table.schema.field("traits.ramMb").type == pa.int64()
    assert table.num_rows == plan_fleet(30, OCTOBER, 7).samples
    assert table["time"][0].as_py() == datetime(2026, 10, 1, tzinfo=UTC)


def test_stdout_is_jsonl_and_summary_on_stderr() -> None:
    result = CliRunner().invoke(generate, ["--resources", "3", "--period", "2026-10-01/2026-10-02"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert all(json.loads(line)["time"].startswith("2026-10-01T") for line in lines)
    assert len(lines) == plan_fleet(3, Period.parse("2026-10-01/2026-10-02"), 0).samples
    assert "generated 3 resources" in result.stderr and f"{len(lines)} samples" in result.stderr


def test_interval_option_changes_the_grid(tmp_path: Path) -> None:
    table = pq.read_table(run(tmp_path, "f.parquet", "--interval", "6h", resources=20))
    hours = {t.hour for t in table["time"].to_pylist()}
    assert hours <= {0, 6, 12, 18}
    fleet = plan_fleet(20, OCTOBER, 7, timedelta(hours=6))
    assert fleet.ticks == HOURS // 6 and table.num_rows == fleet.samples


def test_bad_arguments_are_one_line_errors() -> None:
    with pytest.raises(RatecardError, match="--interval"):
        parse_interval("0h")
    assert parse_interval("15m") == timedelta(minutes=15)
    result = CliRunner().invoke(generate, ["--period", "2026-10", "--out", "fleet.xlsx"])
    assert isinstance(result.exception, RatecardError)
    assert "fleet.xlsx" in str(result.exception)


def test_batches_are_bounded() -> None:
    fleet = plan_fleet(100, OCTOBER, 3)
    sizes = [batch.num_rows for batch in fleet.batches(max_rows=5000)]
    assert sum(sizes) == fleet.samples
    assert max(sizes) <= 5000 and len(sizes) > 1


@settings(max_examples=30, deadline=None)
@given(
    resources=st.integers(min_value=1, max_value=60),
    seed=st.integers(min_value=0, max_value=2**32),
    days=st.integers(min_value=1, max_value=5),
)
def test_plan_invariants(resources: int, seed: int, days: int) -> None:
    period = Period.parse(f"2026-10-01/2026-10-{1 + days:02d}")
    fleet = plan_fleet(resources, period, seed)
    assert fleet.ticks == days * 24
    assert len(fleet.first) == resources
    assert (fleet.first >= 0).all() and (fleet.first < fleet.end).all()
    assert (fleet.end <= fleet.ticks).all()
    changed = fleet.resized != NEVER
    assert (
        (fleet.first[changed] < fleet.resized[changed])
        & (fleet.resized[changed] < fleet.end[changed])
    ).all()
    stopped = fleet.stop_from != NEVER
    assert (fleet.stop_from[stopped] < fleet.stop_until[stopped]).all()
    assert (fleet.stop_until[stopped] <= fleet.end[stopped]).all()
    rows = sum(batch.num_rows for batch in fleet.batches(max_rows=500))
    assert rows == fleet.samples
