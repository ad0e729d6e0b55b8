"""Allocation dimensions (issue #17): label columns on line items, cells from labels.

A catalog's ``dimensions`` name the sample labels that become line-item
columns ``label.<name>`` (a change splits the slice) and the labels that give
a sample its cell when ``scope.cell`` is absent. Known answers by hand, in
every input format, on both engines and the reference rater.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from focusvalidator import real_failures, run_validator
from test_cells_labels import write_flat
from test_export_focus import focus_python  # noqa: F401 (the validator's virtualenv fixture)
from test_spark import spark  # noqa: F401 (the module's Spark session fixture)

from rating.cli import cli
from rating.export import to_focus
from rating.export.encode import encode
from rating.library import catalog_dir
from rating.load.catalog import load_catalog
from rating.load.samples import RejectSink, open_samples
from rating.load.samples.writers import write_samples
from rating.period import Period
from rating.rate import engine, reference
from rating.rate.result import LINE_ITEM_SCHEMA
from rating.rate.spark import rate_on_spark
from rating.scopes import LABEL_NAME_RULE

OCT = Period.parse("2026-10")
FORMATS = ("jsonl", "csv", "parquet")
LIBRARY = (catalog_dir() / "package.dhall").resolve().as_posix()
NAMESPACE = "kubernetes.io/namespace"


def catalog_text(dimensions: str) -> str:
    """Pod hours at 1 EUR/h, with ``dimensions`` (a Dhall record expression)."""
    return f"""let C = {LIBRARY}
in  C.Catalog::{{
    , name = "k8s"
    , dimensions = {dimensions}
    , products =
      [ C.Product::{{
        , id = "pod-hours"
        , displayName = "Pod"
        , resourceType = "kubernetes.pod"
        , scope = C.Scope.platformType "Kubernetes"
        , usage = C.Usage.time "h"
        , usageType = "Pod hours"
        , price = C.Price.perUnit "EUR" 1.0
        , seller = C.Seller::{{ sellerId = "acme", sellerProductGroup = "K8s" }}
        }}
      ]
    }}
"""


DIMENSIONS = (
    'C.Dimensions::{ labels = [ "team", "app.kubernetes.io/name" ], '
    f'cellFromLabel = [ "{NAMESPACE}", "project" ] }}'
)


def pod(hour: int, labels: dict[str, str] | None, pod_id: str = "pod-1", **scope: str) -> dict:
    """A sample of ``pod_id`` at 2026-10-01T<hour>:00Z with ``labels`` (None: none)."""
    sample: dict[str, Any] = {
        "time": f"2026-10-01T{hour:02d}:00:00Z",
        "resource": {"id": pod_id, "type": "kubernetes.pod"},
        "scope": {"platformType": "Kubernetes", "tenant": "cluster-1", **scope},
        "traits": {"milliCpu": 500, "ramMb": 256, "status": "Running"},
    }
    if labels is not None:
        sample["labels"] = labels
    return sample


# pod-1 runs all day in namespace shop; its team label is blue until 12:00, then green.
# The undeclared label "build" changes every hour: it is not carried and splits nothing.
RELABELLED = [
    pod(
        hour,
        {"team": "blue" if hour < 12 else "green", NAMESPACE: "shop", "build": str(hour)},
    )
    for hour in range(24)
]


def write(records: list[dict], tmp_path: Path, fmt: str) -> Path:
    path = tmp_path / f"samples.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    else:
        write_flat(records, path)  # labels.<name> columns
    return path


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("catalog") / "catalog.dhall"
    path.write_text(catalog_text(DIMENSIONS))
    return load_catalog(path)


def rate(catalog: Any, path: Path) -> Any:
    """Engine and reference on the samples at ``path``; they must agree."""
    sink = RejectSink()
    labels = catalog.dimensions.read_labels
    reader = open_samples(
        [str(path)], catalog.resource_types, batch_size=5, rejects=sink, labels=labels
    )
    result = engine.rate(catalog, reader, OCT)
    assert sink.count == 0
    oracle = reference.rate(catalog, reader.again().batches(), OCT)
    assert result.line_items.equals(oracle.line_items)
    assert result.counts == oracle.counts
    return result


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_pod_that_changes_label_mid_day_gives_two_line_items(
    catalog: Any, tmp_path: Path, fmt: str
) -> None:
    result = rate(catalog, write(RELABELLED, tmp_path, fmt))
    items = result.line_items.to_pylist()
    # 00:00-12:00 blue, 12:00-24:00 green: 12 h × 1 EUR each; the cell is the namespace.
    assert [
        (r["cell"], r["label.team"], r["label.app.kubernetes.io/name"], r["quantity"], r["amount"])
        for r in items
    ] == [
        ("shop", "blue", None, Decimal(12), Decimal(12)),
        ("shop", "green", None, Decimal(12), Decimal(12)),
    ]
    assert [(r["start"].hour, r["end"].day) for r in items] == [(0, 1), (12, 2)]
    names = result.line_items.schema.names
    assert names == [*LINE_ITEM_SCHEMA.names, "label.team", "label.app.kubernetes.io/name"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_cell_from_label_fills_a_missing_cell_rules_in_order(
    catalog: Any, tmp_path: Path, fmt: str
) -> None:
    records = [
        pod(0, {NAMESPACE: "shop", "project": "p"}, "pod-1"),  # the first rule wins
        pod(0, {"project": "p"}, "pod-2"),  # no namespace: the second rule
        pod(0, {NAMESPACE: "shop"}, "pod-3", cell="billing"),  # scope.cell beats labels
        pod(0, {NAMESPACE: ""}, "pod-4"),  # an empty label is no label: no cell
    ]
    result = rate(catalog, write(records, tmp_path, fmt))
    cells = [(r["resource_id"], r["cell"]) for r in result.line_items.to_pylist()]
    assert cells == [("pod-1", "shop"), ("pod-2", "p"), ("pod-3", "billing"), ("pod-4", None)]


def test_the_cli_writes_label_columns_after_catalog_version(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.dhall"
    catalog.write_text(catalog_text(DIMENSIONS))
    samples = write(RELABELLED, tmp_path, "jsonl")
    result = CliRunner().invoke(cli, ["rate", str(catalog), str(samples), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    header = list(rows[0])
    assert header[header.index("catalog_version") + 1 :] == [
        "label.team",
        "label.app.kubernetes.io/name",
    ]
    assert [(r["label.team"], r["amount"]) for r in rows] == [
        ("blue", "12.000000000000"),
        ("green", "12.000000000000"),
    ]
    assert "total EUR 24.000000000000" in result.stderr


def test_without_dimensions_labels_change_nothing(tmp_path: Path) -> None:
    path = tmp_path / "catalog.dhall"
    path.write_text(catalog_text("C.Dimensions.default"))
    plain = load_catalog(path)
    result = rate(plain, write(RELABELLED, tmp_path, "jsonl"))
    assert result.line_items.schema.names == LINE_ITEM_SCHEMA.names
    assert [(r["cell"], r["quantity"]) for r in result.line_items.to_pylist()] == [
        (None, Decimal(24))
    ]


@pytest.mark.parametrize(
    ("dimensions", "message"),
    [
        (
            'C.Dimensions::{ labels = [ "cost center" ] }',
            f"dimensions: field labels: label name 'cost center': not {LABEL_NAME_RULE}",
        ),
        (
            'C.Dimensions::{ cellFromLabel = [ "ns", "ns" ] }',
            "dimensions: field cellFromLabel: label 'ns' is listed twice",
        ),
    ],
    ids=["bad name", "twice"],
)
def test_bad_dimensions_are_one_clear_error(tmp_path: Path, dimensions: str, message: str) -> None:
    path = tmp_path / "catalog.dhall"
    path.write_text(catalog_text(dimensions))
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2
    assert result.output.strip() == f"ratecard: error: {path}: {message}"


def test_hostile_label_names_reach_sql_only_quoted(tmp_path: Path) -> None:
    """A label name with SQL's and Spark's quote-adjacent characters is only a column."""
    hostile = "a:b/c.d-e_f"
    path = tmp_path / "catalog.dhall"
    path.write_text(catalog_text(f'C.Dimensions::{{ labels = [ "{hostile}" ] }}'))
    hostile_catalog = load_catalog(path)
    result = rate(hostile_catalog, write([pod(0, {hostile: "x'y\"z"})], tmp_path, "jsonl"))
    assert result.line_items.column(f"label.{hostile}").to_pylist() == ["x'y\"z"]


def test_focus_tags_carry_the_cell_and_the_label_dimensions(catalog: Any, tmp_path: Path) -> None:
    items = rate(catalog, write(RELABELLED, tmp_path, "jsonl")).line_items
    focus = to_focus(items).to_pylist()
    assert [json.loads(r["Tags"]) for r in focus] == [
        {"ratecard/cell": "shop", "team": "blue"},
        {"ratecard/cell": "shop", "team": "green"},
    ]
    assert [r["SubAccountId"] for r in focus] == ["cluster-1/shop"] * 2


@pytest.mark.slow
def test_finops_validator_accepts_labels(catalog: Any, focus_python: Path, tmp_path: Path) -> None:  # noqa: F811
    items = rate(catalog, write(RELABELLED, tmp_path, "jsonl")).line_items
    data_file = tmp_path / "focus.parquet"
    data_file.write_bytes(encode(to_focus(items), "parquet"))
    assert real_failures(run_validator(focus_python, data_file, tmp_path)) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_spark_carries_labels_like_duckdb(spark, catalog: Any, tmp_path: Path, fmt: str) -> None:  # noqa: F811
    records = [*RELABELLED, pod(3, {"project": "p"}, "pod-2")]
    path = write(records, tmp_path, fmt)
    expected = rate(catalog, path)
    actual = rate_on_spark(spark, catalog, [str(path)], OCT).collect()
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()
    assert actual.line_items.schema.names == expected.line_items.schema.names


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_writers_keep_labels(catalog: Any, tmp_path: Path, fmt: str) -> None:
    """write_samples (the example fleet's, the importers') writes labels.<name> columns."""
    path = tmp_path / f"written.{fmt}"
    write_samples(RELABELLED[:2], path, catalog.resource_types)
    reader = open_samples([str(path)], catalog.resource_types, labels=("team", "build"))
    table = reader.read_all()
    assert table.select(["label.team", "label.build"]).to_pylist() == [
        {"label.team": "blue", "label.build": "0"},
        {"label.team": "blue", "label.build": "1"},
    ]


def test_dimensions_are_part_of_the_model(catalog: Any) -> None:
    assert catalog.dimensions.labels == ("team", "app.kubernetes.io/name")
    assert catalog.dimensions.cell_from_label == (NAMESPACE, "project")
    assert dataclasses.replace(catalog.dimensions, labels=()).read_labels == (NAMESPACE, "project")
