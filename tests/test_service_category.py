"""Service categories (issue #17): FOCUS 1.2 ServiceCategory on products and line items.

A product's category is its resource type's by default and its entry's
``serviceCategory`` when it says one; line items carry it in
``service_category`` and FOCUS export fills ServiceCategory from it.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from focusvalidator import real_failures, run_validator
from ratefixtures import make_catalog, make_price, make_product, samples_table
from test_export_focus import focus_python  # noqa: F401 (the validator's virtualenv fixture)

from rating.cli import cli
from rating.export import to_focus
from rating.export.encode import encode
from rating.library import catalog_dir
from rating.period import Period
from rating.rate import engine, reference
from rating.rate.result import LINE_ITEM_SCHEMA
from rating.service_categories import SERVICE_CATEGORIES, service_of

OCT = Period.parse("2026-10")
LIBRARY = (catalog_dir() / "package.dhall").resolve().as_posix()


def catalog_text(volume_category: str) -> str:
    """VM hours (category from the resource type) and volume GiB with ``volume_category``."""
    return f"""let C = {LIBRARY}
let seller = C.Seller::{{ sellerId = "acme", sellerProductGroup = "Cloud" }}
in  C.Catalog::{{
    , name = "categories"
    , products =
      [ C.Product::{{
        , id = "vm-hours"
        , displayName = "VM"
        , resourceType = "openstack.nova.server"
        , scope = C.Scope.platformType "OpenStack"
        , usage = C.Usage.time "h"
        , usageType = "VM hours"
        , price = C.Price.perUnit "EUR" 0.5
        , seller
        }}
      , C.Product::{{
        , id = "volume-gib"
        , displayName = "Volume"
        , resourceType = "openstack.cinder.volume"
        , scope = C.Scope.platformType "OpenStack"
        , usage = C.Usage.timeQuantity "size" "GiBy.h"
        , usageType = "GiB hours"
        , price = C.Price.perUnit "EUR" 0.001
        , seller
        , serviceCategory = Some "{volume_category}"
        }}
      ]
    }}
"""


def samples(path: Path) -> Path:
    """A VM and a 100 GiB volume, 4 hours each (hourly samples from 00:00)."""
    vm = {"vcpu": 2, "ramMb": 1024, "state": "ACTIVE"}
    volume = {"size": 100, "status": "in-use"}
    rows = [
        {
            "time": f"2026-10-01T{hour:02d}:00:00Z",
            "resource": {"id": resource_id, "type": resource_type},
            "scope": {"platformType": "OpenStack", "tenant": "proj-7"},
            "traits": traits,
        }
        for resource_id, resource_type, traits in (
            ("vm-1", "openstack.nova.server", vm),
            ("vol-1", "openstack.cinder.volume", volume),
        )
        for hour in range(4)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_line_items_carry_the_default_or_the_entrys_category(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.dhall"
    catalog.write_text(catalog_text("Databases"))
    result = invoke("rate", str(catalog), str(samples(tmp_path / "s.jsonl")), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # vm-1: 4 h × 0.5 = 2, Compute from openstack.nova.server; vol-1: 4 h × 100 GiB × 0.001
    # = 0.4, Databases as its entry says (not the resource type's Storage).
    assert [(r["resource_id"], r["service_category"], r["amount"]) for r in lines] == [
        ("vm-1", "Compute", "2.000000000000"),
        ("vol-1", "Databases", "0.400000000000"),
    ]
    names = list(lines[0])
    assert names.index("service_category") == names.index("seller_product_group") + 1


def test_an_unknown_category_is_one_clear_error(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.dhall"
    catalog.write_text(catalog_text("Databasez"))
    result = invoke("check", str(catalog))
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith(
        f"ratecard: error: {catalog}: product 'volume-gib': field serviceCategory: "
        "unknown value 'Databasez' (one of AI and Machine Learning, Analytics,"
    )


def test_engine_and_reference_agree_and_the_minimum_line_has_the_category() -> None:
    # 3 h at 1 EUR, topped up to the 5 EUR minimum by a 2 EUR line of the same category.
    product = make_product(price=make_price("1", minimum="5"))
    catalog = make_catalog([dataclasses.replace(product, service_category="Web")])
    table = samples_table([{"time": f"2026-10-01T0{hour}:00:00Z"} for hour in range(3)])
    result = engine.rate(catalog, table.to_batches(), OCT)
    lines = [
        (r["usage_type"], r["service_category"], r["amount"]) for r in result.line_items.to_pylist()
    ]
    assert lines == [("minimum charge", "Web", Decimal(2)), ("vm-hours usage", "Web", Decimal(3))]
    assert result.line_items.equals(reference.rate(catalog, table.to_batches(), OCT).line_items)


@pytest.mark.parametrize(
    ("resource_type", "expected"),
    [
        ("openstack.nova.server", ("Compute", "Virtual Machines")),
        ("openstack.cinder.volume", ("Storage", "Block Storage")),
        ("openstack.neutron.floating-ip", ("Networking", "Other (Networking)")),
        ("kubernetes.pod", ("Compute", "Containers")),
        ("mesh.tenant", ("Management and Governance", "Other (Management and Governance)")),
        ("acme.thing", ("Other", "Other (Other)")),
    ],
)
def test_default_category_of_a_resource_type(resource_type: str, expected: tuple) -> None:
    assert service_of(resource_type) == expected
    assert expected[0] in SERVICE_CATEGORIES


def focus_of_categories() -> pa.Table:
    """Line items of three categories (one overridden), through FOCUS."""
    rows = []
    for index, (product, resource_type, category) in enumerate(
        (
            ("VM", "openstack.nova.server", "Compute"),
            ("Volume", "openstack.cinder.volume", "Storage"),
            ("Postgres", "openstack.nova.server", "Databases"),  # a VM sold as a database
        )
    ):
        rows.append(
            {
                **dict.fromkeys(LINE_ITEM_SCHEMA.names),
                "period": "2026-10",
                "tenant": "proj-7",
                "platform_type": "OpenStack",
                "resource_id": f"r-{index}",
                "resource_type": resource_type,
                "product_id": product.lower(),
                "product_name": product,
                "seller_id": "acme",
                "seller_product_group": "Cloud",
                "service_category": category,
                "usage_type": "hours",
                "quantity": Decimal(1),
                "unit": "h",
                "unit_price": Decimal(1),
                "amount": Decimal(1),
                "currency": "EUR",
                "start": OCT.start,
                "end": OCT.end,
                "catalog_version": "cat-1",
            }
        )
    return to_focus(pa.Table.from_pylist(rows, schema=LINE_ITEM_SCHEMA))


def test_focus_service_category_comes_from_the_line_items() -> None:
    focus = focus_of_categories().to_pylist()
    assert [(r["ServiceName"], r["ServiceCategory"], r["ServiceSubcategory"]) for r in focus] == [
        ("VM", "Compute", "Virtual Machines"),
        ("Volume", "Storage", "Block Storage"),
        ("Postgres", "Databases", "Other (Databases)"),
    ]


@pytest.mark.slow
def test_finops_validator_accepts_the_categories(focus_python: Path, tmp_path: Path) -> None:  # noqa: F811
    data_file = tmp_path / "focus.parquet"
    data_file.write_bytes(encode(focus_of_categories(), "parquet"))
    assert real_failures(run_validator(focus_python, data_file, tmp_path)) == {}
