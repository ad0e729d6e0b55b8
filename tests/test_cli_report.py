"""End-to-end runs of `ratecard report` through click's CliRunner.

The catalog loader and the rater are owned by colleagues; these tests stand
them in with a fixed catalog and fixed line items so the command's own work
(options, FX file, tenant filter, formats, files, errors) is what is tested.
The golden test runs the real pipeline on the example catalog and samples.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from rating.cli import cli
from rating.model import (
    Catalog,
    CatalogPart,
    FxRate,
    Price,
    PriceModel,
    Product,
    ResourceType,
    ScopeLevel,
    ScopeSelector,
    Seller,
    Trait,
    TraitType,
    Usage,
    UsageKind,
)
from rating.period import Period
from rating.rate import engine, reference
from rating.rate.result import LINE_ITEM_SCHEMA, Counts, RateOptions, RatingResult

PERIOD = Period.parse("2026-10")
ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"


def _item(tenant: str, currency: str, amount: str, resource: str) -> dict:
    return {
        "period": "2026-10",
        "tenant": tenant,
        "platform_type": "OpenStack",
        "location": "eu-de-1",
        "platform_instance": "pike",
        "resource_id": resource,
        "resource_type": "openstack.nova.server",
        "resource_name": resource,
        "product_id": "vm-vcpu",
        "product_name": "vCPU",
        "seller_id": "operator",
        "seller_product_group": "compute",
        "usage_type": "vCPU hours",
        "quantity": Decimal("1"),
        "unit": "h",
        "unit_price": Decimal(amount),
        "amount": Decimal(amount),
        "currency": currency,
        "start": PERIOD.start,
        "end": PERIOD.start + timedelta(hours=1),
        "catalog_version": "v1",
    }


ITEMS = pa.Table.from_pylist(
    [
        _item("team/a", "EUR", "0.333333", "vm-1"),
        _item("team/a", "EUR", "0.333333", "vm-2"),
        _item("team/a", "EUR", "0.333333", "vm-3"),
        _item("b", "USD", "10", "vm-4"),
    ],
    schema=LINE_ITEM_SCHEMA,
)
CATALOG = Catalog(
    "test",
    "v1",
    (CatalogPart("base", "operator", False, "catalog.dhall"),),
    (),
    fx_rates=(FxRate("USD", "EUR", Decimal("0.9")),),
)


@pytest.fixture
def stubbed(monkeypatch, tmp_path):
    """Stand in the catalog loader and the rater; record the options the rater got."""
    seen: dict = {}
    loader = types.ModuleType("rating.load.catalog")
    loader.load_catalog = lambda path, **_options: CATALOG
    monkeypatch.setitem(sys.modules, "rating.load.catalog", loader)

    def rate_each(catalogs, batches, period, options, progress=None):
        seen.update(period=period, options=options)
        return [RatingResult(ITEMS, Counts(read=4, rated=4), [], c.version) for c in catalogs]

    monkeypatch.setattr(engine, "rate_each", rate_each)
    (tmp_path / "catalog.dhall").write_text("{=}\n")
    (tmp_path / "samples.jsonl").write_text("")
    monkeypatch.chdir(tmp_path)
    return seen


def run(*args: str):
    return CliRunner().invoke(
        cli, ["report", "catalog.dhall", "samples.jsonl", "--period", "2026-10", *args]
    )


def test_table_to_stdout_with_chargeback(stubbed):
    result = run("--interval", "5min")
    assert result.exit_code == 0, result.output
    assert "Tenant usage report: b" in result.output
    assert "Tenant usage report: team/a" in result.output
    assert "Chargeback summary" in result.output
    assert "1.00" in result.output  # 3 × 0.333333 rounds once to 1.00
    assert stubbed["options"] == RateOptions(interval=timedelta(minutes=5))


def test_json_lines_with_base_currency_and_tenant_filter(stubbed, tmp_path):
    (tmp_path / "rates.csv").write_text("from,to,rate\nUSD,EUR,0.8\n")
    result = run("--format", "json", "--tenant", "b", "--fx", "rates.csv", "--base-currency", "EUR")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    document = json.loads(line)
    assert document["tenant"] == "b"
    assert document["generatedAt"] == "2026-11-01T00:00:00Z"
    top = document["lines"][0]
    assert (top["amount"], top["exchangeRate"], top["baseAmount"]) == ("10.00", "0.8", "8.00")


def test_out_directory_one_file_per_tenant(stubbed, tmp_path):
    for fmt, ext in (("json", "json"), ("csv", "csv"), ("parquet", "parquet"), ("table", "txt")):
        out = tmp_path / fmt
        result = run("--format", fmt, "--out", str(out))
        assert result.exit_code == 0, result.output
        names = sorted(p.name for p in out.iterdir())
        assert names == [f"b.{ext}", f"chargeback.{ext}", f"team_a.{ext}"]
    document = json.loads((tmp_path / "json" / "team_a.json").read_text())
    assert document["totals"][0]["amount"] == "1.00"
    lines = pq.read_table(tmp_path / "parquet" / "team_a.parquet")
    assert lines.column("level").to_pylist()[:2] == ["seller", "product"]
    chargeback = (tmp_path / "csv" / "chargeback.csv").read_text().splitlines()
    assert chargeback == [
        "tenant,seller_id,currency,amount,base_amount,base_currency",
        "b,operator,USD,10.00,,",
        "team/a,operator,EUR,1.00,,",
    ]


def test_rerun_gives_identical_bytes(stubbed, tmp_path):
    for name in ("one", "two"):
        assert run("--format", "parquet", "--out", name).exit_code == 0
        assert run("--format", "json", "--out", name).exit_code == 0
    for path in sorted((tmp_path / "one").iterdir()):
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes(), path.name


def test_generated_at_and_rounding_options(stubbed):
    result = run(
        "--format",
        "json",
        "--tenant",
        "team/a",
        "--generated-at",
        "2026-11-02T09:00:00Z",
        "--rounding",
        "down",
    )
    document = json.loads(result.stdout)
    assert document["generatedAt"] == "2026-11-02T09:00:00Z"
    assert document["rounding"] == "down"
    assert document["lines"][0]["amount"] == "0.99"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--base-currency", "CHF"), "no exchange rate from USD to CHF"),
        (("--tenant", "nobody"), "no line items for tenant(s) 'nobody'"),
        (("--interval", "1 hour"), "--interval '1 hour'"),
        (("--format", "parquet"), "binary output needs --out"),
        (("--fx", "missing.csv"), "missing.csv: cannot read FX rates"),
    ],
)
def test_user_errors_are_one_line(stubbed, args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert message in str(result.exception) or message in result.output


def test_bad_fx_file_names_line_and_field(stubbed, tmp_path):
    (tmp_path / "rates.csv").write_text("from,to,rate\nUSD,EUR,abc\n")
    result = run("--fx", "rates.csv")
    assert "rates.csv:2: field rate: 'abc' is not a number" in str(result.exception)


EXAMPLE_CATALOG = ROOT / "examples" / "catalogs" / "private-cloud"
EXAMPLE_SAMPLES = ROOT / "examples" / "samples" / "fleet-2026-10.jsonl"


@pytest.mark.skipif(
    not (any(EXAMPLE_CATALOG.glob("*.dhall")) and EXAMPLE_SAMPLES.exists()),
    reason="example catalog or samples not written yet",
)
def test_golden_example_report(tmp_path):
    """The example catalog on the example samples, compared byte for byte with tests/golden.

    To (re)record them after an intended change, run this test with
    ``RATECARD_UPDATE_GOLDEN=1`` and review the diff of tests/golden/report-2026-10/.
    """
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            str(EXAMPLE_CATALOG),
            str(EXAMPLE_SAMPLES),
            "--period",
            "2026-10",
            "--format",
            "json",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    golden = GOLDEN / "report-2026-10"
    if os.environ.get("RATECARD_UPDATE_GOLDEN") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(out, golden)
    if not golden.exists():
        pytest.skip("golden files not recorded: run with RATECARD_UPDATE_GOLDEN=1 and review")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in golden.iterdir())
    for expected in sorted(golden.iterdir()):
        assert (out / expected.name).read_bytes() == expected.read_bytes(), expected.name


SERVER = ResourceType(
    "openstack.nova.server",
    "OpenStack",
    "Server",
    "A Nova server",
    (Trait("vcpu", TraitType.INTEGER, False, "{vCPU}", "virtual CPUs"),),
)
VCPU = Product(
    id="vm-hours",
    display_name="VM hours",
    description="",
    resource_type="openstack.nova.server",
    scope=ScopeSelector(ScopeLevel.PLATFORM_TYPE, "OpenStack"),
    filter=(),
    usage=Usage(UsageKind.TIME, "h"),
    usage_type="VM hours",
    price=Price("EUR", PriceModel.PER_UNIT, unit_price=Decimal("0.333333")),
    seller=Seller("operator", "compute"),
)


def test_real_samples_through_the_rater(monkeypatch, tmp_path):
    """Only the Dhall loader is stood in: real sample reader, reference rater, real report."""
    catalog = Catalog(
        "e2e", "v9", (CatalogPart("base", "operator", False, "c.dhall", (VCPU,)),), (SERVER,)
    )
    loader = types.ModuleType("rating.load.catalog")
    loader.load_catalog = lambda path, **_options: catalog
    monkeypatch.setitem(sys.modules, "rating.load.catalog", loader)
    monkeypatch.setattr(
        engine,
        "rate",
        lambda catalog, batches, period, options, progress=None: reference.rate(
            catalog, batches, period, options
        ),
    )
    monkeypatch.chdir(tmp_path)
    Path("catalog.dhall").write_text("{=}\n")
    records = [
        {
            "time": f"2026-10-0{day}T10:00:00Z",
            "resource": {"id": "vm-1", "type": "openstack.nova.server", "name": "web"},
            "scope": {"platformType": "OpenStack", "location": "eu", "tenant": "t1"},
            "traits": {"vcpu": 2},
        }
        for day in (1, 2, 3)
    ]
    Path("samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    result = run("--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    # 3 one-hour slices × 0.333333 = 0.999999 EUR, rounded once to 1.00
    assert document["lines"][0]["exactAmount"] == "0.999999000000"
    assert document["totals"][0]["amount"] == "1.00"
    assert document["catalog"]["version"] == "v9"


def test_installed_script_prints_one_line_error(tmp_path):
    script = Path(sys.executable).with_name("ratecard")
    (tmp_path / "c.dhall").write_text("{=}\n")
    (tmp_path / "s.jsonl").write_text("")
    done = subprocess.run(
        [str(script), "report", "c.dhall", "s.jsonl", "--period", "2026-13"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == "ratecard: error: period '2026-13': month must be 01..12\n"
