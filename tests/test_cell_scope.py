"""The ``Cell`` scope level (issue #17): a cell of a tenant gets its own price.

Specificity PlatformType < PlatformInstance < Tenant < Cell; known answers by
hand through the CLI, both engines against the reference rater, and
``check`` still finding ambiguities among cell entries.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from ratefixtures import VM, VM_TYPE, make_catalog, make_product, samples_table, scope
from test_spark import spark  # noqa: F401 (the module's Spark session fixture)

from rating.check import check_catalog
from rating.cli import cli
from rating.library import catalog_dir
from rating.load.samples import open_samples
from rating.load.samples.writers import write_samples
from rating.period import Period
from rating.rate import engine, reference
from rating.rate.spark import rate_on_spark

OCT = Period.parse("2026-10")
LIBRARY = (catalog_dir() / "package.dhall").resolve().as_posix()


def catalog_text(*scopes: tuple[str, float]) -> str:
    """A catalog of one product, ``vm-hours``, with one entry per (scope expression, price)."""
    entries = ", ".join(f"vm ({where}) {price}" for where, price in scopes)
    return f"""let C = {LIBRARY}
let vm =
      \\(scope : C.Scope.Type) ->
      \\(price : Double) ->
        C.Product::{{
        , id = "vm-hours"
        , displayName = "VM"
        , resourceType = "openstack.nova.server"
        , scope
        , usage = C.Usage.time "h"
        , usageType = "VM hours"
        , price = C.Price.perUnit "EUR" price
        , seller = C.Seller::{{ sellerId = "acme", sellerProductGroup = "Cloud" }}
        }}
in  C.Catalog::{{ name = "cells", products = [ {entries} ] }}
"""


PRICES = (
    ('C.Scope.platformType "OpenStack"', 1.0),
    ('C.Scope.tenant "OpenStack" "proj-7"', 0.5),
    ('C.Scope.cell "OpenStack" "proj-7" "gpu"', 2.0),
)
# (resource, tenant, cell): the same cell name under another tenant is another cell.
FLEET = (("vm-1", "proj-7", "web"), ("vm-2", "proj-7", "gpu"), ("vm-3", "proj-8", "gpu"))


def fleet_samples(resource_type: str = "openstack.nova.server") -> list[dict]:
    """Every VM of FLEET runs 10 hours (hourly samples from 00:00)."""
    return [
        {
            "time": f"2026-10-01T{hour:02d}:00:00Z",
            "resource": {"id": vm, "type": resource_type},
            "scope": {"platformType": "OpenStack", "tenant": tenant, "cell": cell},
            "traits": {"vcpu": 2, "ramMb": 1024, "state": "ACTIVE"},
        }
        for vm, tenant, cell in FLEET
        for hour in range(10)
    ]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_cell_price_overrides_the_tenant_price_via_the_cli(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.dhall"
    catalog.write_text(catalog_text(*PRICES))
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(s) + "\n" for s in fleet_samples()))
    result = invoke("rate", str(catalog), str(samples), "--period", "2026-10", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # vm-1 (proj-7/web): the tenant price, 10 h × 0.5 = 5; vm-2 (proj-7/gpu): its cell's,
    # 10 h × 2 = 20; vm-3 (proj-8/gpu): another tenant's cell, the platform's 10 h × 1 = 10.
    assert [(r["resource_id"], r["cell"], r["unit_price"], r["amount"]) for r in lines] == [
        ("vm-1", "web", "0.500000000000", "5.000000000000"),
        ("vm-2", "gpu", "2.000000000000", "20.000000000000"),
        ("vm-3", "gpu", "1.000000000000", "10.000000000000"),
    ]
    assert "total EUR 35.000000000000" in result.stderr
    assert invoke("check", str(catalog)).exit_code == 0


def test_engines_and_reference_agree_on_cell_prices(tmp_path: Path, spark) -> None:  # noqa: F811
    """The same plan on DuckDB and Spark (Java 17 needed), and the reference rater."""
    types = (VM_TYPE,)
    path = tmp_path / "fleet.parquet"
    write_samples(fleet_samples(VM), path, types)
    catalog = make_catalog(
        [
            make_product("vm-hours", unit_price="1", scope=scope()),
            make_product("vm-hours", unit_price="0.5", scope=scope(tenant="proj-7")),
            make_product("vm-hours", unit_price="2", scope=scope(tenant="proj-7", cell="gpu")),
        ]
    )
    duck = engine.rate(catalog, open_samples([str(path)], types), OCT)
    amounts = [(r["resource_id"], r["amount"]) for r in duck.line_items.to_pylist()]
    assert amounts == [("vm-1", Decimal(5)), ("vm-2", Decimal(20)), ("vm-3", Decimal(10))]
    oracle = reference.rate(catalog, open_samples([str(path)], types).batches(), OCT)
    assert duck.line_items.equals(oracle.line_items)
    on_spark = rate_on_spark(spark, catalog, [str(path)], OCT).collect()
    assert on_spark.line_items.to_pylist() == duck.line_items.to_pylist()


def test_a_move_into_a_priced_cell_changes_the_price_from_then_on() -> None:
    # vm-1 of proj-7: cell web 00:00-03:00 (3 h × 0.5), then gpu 03:00-05:00 (2 h × 2).
    rows = [
        {"time": f"2026-10-01T{hour:02d}:00:00Z", "tenant": "proj-7", "cell": cell}
        for hour, cell in enumerate(["web"] * 3 + ["gpu"] * 2)
    ]
    table = samples_table(rows)
    catalog = make_catalog(
        [
            make_product("vm-hours", unit_price="0.5", scope=scope(tenant="proj-7")),
            make_product("vm-hours", unit_price="2", scope=scope(tenant="proj-7", cell="gpu")),
        ]
    )
    result = engine.rate(catalog, table.to_batches(), OCT)
    lines = [(r["cell"], r["quantity"], r["amount"]) for r in result.line_items.to_pylist()]
    assert lines == [("web", Decimal(3), Decimal("1.5")), ("gpu", Decimal(2), Decimal(4))]
    assert result.line_items.equals(reference.rate(catalog, table.to_batches(), OCT).line_items)


def test_check_finds_ambiguous_cell_entries_and_not_distinct_cells() -> None:
    gpu = make_product("vm-hours", unit_price="2", scope=scope(tenant="proj-7", cell="gpu"))
    web = make_product("vm-hours", unit_price="3", scope=scope(tenant="proj-7", cell="web"))
    assert check_catalog(make_catalog([gpu, web])) == []
    twice = make_product("vm-hours", unit_price="3", scope=scope(tenant="proj-7", cell="gpu"))
    (finding,) = check_catalog(make_catalog([gpu, twice]))
    assert finding.code == "overlapping-validity"


@pytest.mark.parametrize(
    ("scope_text", "message"),
    [
        (
            'C.Scope::{ level = C.Scope.Level.Cell, platformType = "OpenStack", '
            'tenant = Some "proj-7" }',
            "scope: field level: a Cell scope names a tenant and a cell (Scope.cell)",
        ),
        (
            'C.Scope.tenant "OpenStack" "proj-7" // { cell = Some "gpu" }',
            "scope: field cell: a cell is only selected at level Cell, not Tenant",
        ),
    ],
    ids=["cell level without a cell", "cell below the tenant level"],
)
def test_a_cell_selector_names_tenant_and_cell(
    tmp_path: Path, scope_text: str, message: str
) -> None:
    catalog = tmp_path / "catalog.dhall"
    catalog.write_text(catalog_text((scope_text, 1.0)))
    result = invoke("check", str(catalog))
    assert result.exit_code == 2
    assert result.output.strip() == (f"ratecard: error: {catalog}: product 'vm-hours': {message}")


GPU_DISCOUNT = """C.Discount::{
  , id = "gpu-half-off"
  , displayName = "GPU cell half off"
  , rule = C.DiscountRule.fixedPercentage "EUR" -50.0
  , scope = C.Discount.Selector::{ tenant = Some "proj-7", cell = Some "gpu" }
  }"""

GPU_EXAMPLE = """C.Example::{
  , name = "two GPU-cell hours, half off"
  , period = "2026-10"
  , expectedTotal = 4.0
  , currency = "EUR"
  , expectedReport = Some { tenant = "proj-7", currency = "EUR", total = 2.0 }
  , samples =
    [ C.Example.Sample::{
      , time = "2026-10-01T00:00:00Z"
      , resource = { id = "vm-2", type = "openstack.nova.server", name = None Text }
      , scope =
        { platformType = "OpenStack"
        , location = None Text
        , platformInstance = None Text
        , tenant = Some "proj-7"
        }
      , cell = Some "gpu"
      , labels = toMap { team = "ml" }
      , traits = toMap { vcpu = C.Value.natural 2, state = C.Value.text "ACTIVE" }
      }
    , C.Example.Sample::{
      , time = "2026-10-01T01:00:00Z"
      , resource = { id = "vm-2", type = "openstack.nova.server", name = None Text }
      , scope =
        { platformType = "OpenStack"
        , location = None Text
        , platformInstance = None Text
        , tenant = Some "proj-7"
        }
      , cell = Some "gpu"
      , traits = toMap { vcpu = C.Value.natural 2, state = C.Value.text "ACTIVE" }
      }
    ]
  }"""


def test_a_discount_and_an_example_select_one_cell(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.dhall"
    products = catalog_text(*PRICES).replace(
        "products = [",
        f"discounts = [ {GPU_DISCOUNT} ], examples = [ {GPU_EXAMPLE} ], products = [",
    )
    catalog.write_text(products)
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(s) + "\n" for s in fleet_samples()))
    result = invoke("report", str(catalog), str(samples), "--period", "2026-10", "--format", "json")
    assert result.exit_code == 0, result.output
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    totals = {r["tenant"]: [(t["currency"], t["amount"]) for t in r["totals"]] for r in reports}
    # proj-7: web 5 + gpu 20, and half of the gpu cell's 20 off = 15; proj-8's cell
    # of the same name is another tenant's: 10, no discount.
    assert totals == {"proj-7": [("EUR", "15.00")], "proj-8": [("EUR", "10.00")]}
    # The example: vm-2 in proj-7/gpu for 2 h × 2 EUR = 4, its report 4 - 50 % = 2.
    assert invoke("check", str(catalog)).exit_code == 0
    checked = invoke("test", str(catalog))
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(
        'ok   example "two GPU-cell hours, half off": expected 4.0 EUR, got 4 EUR; '
        "report of 'proj-7': expected 2.0, got 2.00 EUR"
    )
