"""``ratecard rate`` end to end: example catalog, JSON Lines samples, every output format."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from rating.cli import cli
from rating.rate.result import LINE_ITEM_SCHEMA, line_item_schema

CATALOG = Path(__file__).parent.parent / "examples/catalogs/private-cloud/catalog.dhall"


def vm_sample(time: str, **traits) -> dict:
    return {
        "time": time,
        "resource": {"id": "vm-1", "type": "openstack.nova.server", "name": "web"},
        "scope": {
            "platformType": "OpenStack",
            "location": "eu-de-1",
            "platformInstance": "queens",
            "tenant": "proj-01",
        },
        "traits": {
            "vcpu": 2,
            "ramMb": 2048,
            "state": "ACTIVE",
            "flavor": "m1.small",
            "disk": 20,
            "diskRoot": 20,
            **traits,
        },
    }


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    path = tmp_path / "samples.jsonl"
    rows = [vm_sample(f"2026-10-01T0{h}:00:00Z") for h in range(3)]
    elsewhere = vm_sample("2026-10-01T00:00:00Z")
    elsewhere["resource"]["id"] = "vm-2"
    elsewhere["scope"]["platformType"] = "VMware"  # no product for this platform
    rows.append(elsewhere)
    lines = [json.dumps(r) for r in rows] + ['{"time": "not a time"}']
    path.write_text("\n".join(lines) + "\n")
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, ["rate", *args], catch_exceptions=False)


def test_jsonl_to_stdout_with_reconciliation(samples: Path, tmp_path: Path):
    rejects = tmp_path / "rejects.jsonl"
    result = invoke(str(CATALOG), str(samples), "--format", "jsonl", "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    vcpu = [r for r in lines if r["product_id"] == "vm-vcpu"]
    # 3 hours × 2 vCPU at 0.012 EUR (the period is inferred: 2026-10).
    assert [(r["quantity"], r["amount"], r["period"]) for r in vcpu] == [
        ("6.000000000000", "0.072000000000", "2026-10")
    ]
    assert vcpu[0]["start"] == "2026-10-01T00:00:00Z"
    assert vcpu[0]["end"] == "2026-10-01T03:00:00Z"
    assert "samples read 5, rated 3, unmatched 1, rejected 1, duplicates 0" in result.stderr
    assert "unmatched openstack.nova.server: 1 samples of 1 resources" in result.stderr
    assert 'nearest product "' in result.stderr and "VMware" in result.stderr
    assert rejects.read_text().strip()


def test_parquet_out_matches_engine_schema(samples: Path, tmp_path: Path):
    out = tmp_path / "li.parquet"
    result = invoke(str(CATALOG), str(samples), "--period", "2026-10", "--out", str(out))
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    schema = line_item_schema(("costCenter",))  # the example catalog's label dimension
    assert table.schema.names == [*LINE_ITEM_SCHEMA.names, "label.costCenter"]
    assert table.cast(schema).num_rows >= 2
    total = sum(table.column("amount").to_pylist(), Decimal(0))
    assert f"total EUR {total}" in result.stderr


def test_csv_and_interval_for(samples: Path, tmp_path: Path):
    out = tmp_path / "li.csv"
    result = invoke(
        str(CATALOG),
        str(samples),
        "--out",
        str(out),
        "--interval-for",
        "openstack.nova.server=30m",
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("period,tenant,")
    # Each hourly sample now covers only 30 minutes: three separate 1 vCPU.h slices.
    vcpu = [line for line in text.splitlines() if ",vm-vcpu," in line]
    assert len(vcpu) == 3
    assert all(",1.000000000000,{vCPU}.h,0.012000000000,0.012000000000," in v for v in vcpu)


def test_table_format(samples: Path):
    result = invoke(str(CATALOG), str(samples), "--format", "table")
    assert result.exit_code == 0, result.output
    assert "vm-vcpu" in result.stdout and "resource_id" in result.stdout


def test_table_writes_decimals_in_plain_notation():
    fleet = CATALOG.parent.parent.parent / "samples/fleet-2026-10.jsonl"
    result = invoke(str(CATALOG), str(fleet), "--period", "2026-10", "--format", "table")
    assert result.exit_code == 0, result.output
    volume = next(line for line in result.stdout.splitlines() if "volume-storage" in line)
    assert "0.000000000000 " in volume and "E-" not in result.stdout


def test_period_must_be_given_when_samples_span_months(tmp_path: Path):
    path = tmp_path / "two-months.jsonl"
    rows = [vm_sample("2026-09-30T23:00:00Z"), vm_sample("2026-10-01T00:00:00Z")]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = CliRunner().invoke(cli, ["rate", str(CATALOG), str(path)])
    assert result.exit_code != 0
    assert "pass --period" in str(result.exception)


@pytest.mark.parametrize("bad", [["--interval", "soon"], ["--interval-for", "30m"]])
def test_bad_intervals_are_one_line_errors(samples: Path, bad: list[str]):
    result = CliRunner().invoke(cli, ["rate", str(CATALOG), str(samples), *bad])
    assert result.exit_code != 0
    assert "interval" in str(result.exception)
