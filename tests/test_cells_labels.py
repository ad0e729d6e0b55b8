"""Below the tenant (issue #17): ``scope.cell`` on samples, line items and reports.

Known answers by hand; every input format gives the same verdict; the
engine equals the reference rater (the property in test_engine.py covers
cells too: tests/strategies.py sets them).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from focusvalidator import real_failures, run_validator
from ratefixtures import (
    VM,
    VM_TYPE,
    make_catalog,
    make_price,
    make_product,
    samples_table,
    tiers,
)
from test_columnar_samples import assert_same
from test_export_focus import focus_python  # noqa: F401 (the validator's virtualenv fixture)
from test_spark import spark  # noqa: F401 (the module's Spark session fixture)

from rating.convert import convert
from rating.export import to_focus
from rating.export.encode import encode
from rating.load.samples import RejectSink, open_samples
from rating.load.samples.records import normalize, parse_time
from rating.load.samples.schema import TIMESTAMP
from rating.load.samples.writers import write_samples
from rating.model import PriceModel, UsageKind
from rating.period import Period
from rating.rate import engine, reference
from rating.rate.spark import rate_on_spark
from rating.report.build import build_reports
from rating.report.render_json import report_document
from rating.scopes import LABEL_NAME_RULE

OCT = Period.parse("2026-10")
FORMATS = ("jsonl", "csv", "parquet")


def record(hour: int, cell: str | None, **scope: Any) -> dict[str, Any]:
    """A sample of vm-1 at 2026-10-01T<hour>:00Z (2 vCPU), in ``cell`` (None: no cell)."""
    fields = {"platformType": "OpenStack", "tenant": "proj-7", **scope}
    if cell is not None:
        fields["cell"] = cell
    return {
        "time": f"2026-10-01T{hour:02d}:00:00Z",
        "resource": {"id": "vm-1", "type": VM},
        "scope": fields,
        "traits": {"vcpu": 2, "ramMb": 1024, "state": "ACTIVE"},
    }


def read(records: list[dict[str, Any]], tmp_path: Path, fmt: str) -> tuple[Any, RejectSink]:
    """The samples written as ``fmt`` and read back: (reader, rejects)."""
    path = tmp_path / f"samples.{fmt}"
    write_samples(records, path, (VM_TYPE,))
    sink = RejectSink(keep=100)
    return open_samples([str(path)], (VM_TYPE,), batch_size=4, rejects=sink), sink


# vm-1 runs all day: cell A from 00:00 to 12:00, cell B from 12:00 to 24:00.
MOVE = [record(hour, "A" if hour < 12 else "B") for hour in range(24)]
# Hours graduated per tenant (not per cell): the first 10 h at 1, then 0.5; vCPU hours 0.01.
CATALOG = make_catalog(
    [
        make_product(
            "vm-hours",
            price=make_price(model=PriceModel.GRADUATED, tiers=tiers(("10", "1"), (None, "0.5"))),
        ),
        make_product(
            "vcpu-hours",
            kind=UsageKind.TIME_QUANTITY,
            unit="{vCPU}.h",
            trait="vcpu",
            unit_price="0.01",
        ),
    ]
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_move_between_cells_splits_the_slice(tmp_path: Path, fmt: str) -> None:
    reader, sink = read(MOVE, tmp_path, fmt)
    result = engine.rate(CATALOG, reader, OCT)
    assert sink.count == 0
    lines = [
        (r["product_id"], r["cell"], r["quantity"], r["amount"], r["start"].hour, r["end"].hour)
        for r in result.line_items.to_pylist()
    ]
    # Tiers run over the tenant's cumulative hours: A takes 10 h at 1 and 2 h at 0.5,
    # B its 12 h at 0.5. vCPU hours: 12 h × 2 vCPU × 0.01 per cell.
    assert lines == [
        ("vcpu-hours", "A", Decimal(24), Decimal("0.24"), 0, 12),
        ("vcpu-hours", "B", Decimal(24), Decimal("0.24"), 12, 0),
        ("vm-hours", "A", Decimal(12), Decimal(11), 0, 12),
        ("vm-hours", "B", Decimal(12), Decimal(6), 12, 0),
    ]
    assert all(r["tenant"] == "proj-7" for r in result.line_items.to_pylist())
    oracle = reference.rate(CATALOG, reader.again().batches(), OCT)
    assert result.line_items.equals(oracle.line_items)
    assert result.counts == oracle.counts


def test_without_cells_one_slice_and_a_null_cell(tmp_path: Path) -> None:
    reader, _ = read([record(hour, None) for hour in range(24)], tmp_path, "jsonl")
    items = engine.rate(CATALOG, reader, OCT).line_items.to_pylist()
    assert [(r["product_id"], r["cell"], r["quantity"]) for r in items] == [
        ("vcpu-hours", None, Decimal(48)),
        ("vm-hours", None, Decimal(24)),
    ]


def test_leaving_a_cell_for_none_splits_too() -> None:
    rows = [record(hour, "A" if hour < 2 else None) for hour in range(4)]
    table = samples_table([{**normalize(r, VM_TYPE), "traits": {}} for r in rows])
    catalog = make_catalog([make_product("vm-hours")])
    result = engine.rate(catalog, table.to_batches(), OCT)
    assert [(r["cell"], r["quantity"]) for r in result.line_items.to_pylist()] == [
        ("A", Decimal(2)),
        (None, Decimal(2)),
    ]
    assert result.line_items.equals(reference.rate(catalog, table.to_batches(), OCT).line_items)


def test_report_breaks_the_tenant_down_by_cell(tmp_path: Path) -> None:
    reader, _ = read(MOVE, tmp_path, "parquet")
    result = engine.rate(CATALOG, reader, OCT)
    (report,) = build_reports(CATALOG, result.line_items, OCT)
    document = report_document(report)
    assert document["cells"] == [
        {"cell": "A", "currency": "EUR", "exactAmount": "11.240000000000"},
        {"cell": "B", "currency": "EUR", "exactAmount": "6.240000000000"},
    ]
    assert list(document).index("cells") == list(document).index("discounts") + 1
    assert document["totals"][0]["exactAmount"] == "17.480000000000"


def test_report_without_cells_has_no_cell_key(tmp_path: Path) -> None:
    reader, _ = read([record(hour, None) for hour in range(3)], tmp_path, "csv")
    (report,) = build_reports(CATALOG, engine.rate(CATALOG, reader, OCT).line_items, OCT)
    assert "cells" not in report_document(report)


# Bad cells: one reject each, naming scope.cell, with the same reason in every format
# that can hold the value (CSV cannot write an empty text: an empty cell is absent).
BAD_CELLS = {
    "empty": ("", "empty string (leave the field out, or null, when there is none)"),
    "line break": ("a\nb", 'control character U+000A in "a\\nb"'),
    "NUL": ("a\x00b", 'control character U+0000 in "a\\u0000b"'),
}


@pytest.mark.parametrize(
    ("fmt", "case"),
    [(f, c) for f in FORMATS for c in sorted(BAD_CELLS) if not (f == "csv" and c == "empty")],
)
def test_bad_cells_are_rejected_naming_the_field(tmp_path: Path, fmt: str, case: str) -> None:
    value, reason = BAD_CELLS[case]
    records = [record(0, "A"), record(1, value), record(2, "B")]
    reader, sink = read(records, tmp_path, fmt)
    table = reader.read_all()
    assert sorted(table.column("cell").to_pylist()) == ["A", "B"]
    (reject,) = sink.first
    assert (reject.source_line, reject.field, reject.reason) == (
        3 if fmt == "csv" else 2,  # CSV: after the header
        "scope.cell",
        reason,
    )


def test_a_cell_that_is_not_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    bad = record(0, None)
    bad["scope"]["cell"] = 7
    path.write_text(json.dumps(bad) + "\n")
    sink = RejectSink()
    assert open_samples([str(path)], (VM_TYPE,), rejects=sink).read_all().num_rows == 0
    (reject,) = sink.first
    assert reject.field == "scope.cell"


def test_spark_splits_and_carries_cells_like_duckdb(spark, tmp_path: Path) -> None:  # noqa: F811
    """The same plan on Spark (the session is test_spark's fixture; Java 17 needed)."""
    path = tmp_path / "move.parquet"
    write_samples(MOVE, path, (VM_TYPE,))
    expected = engine.rate(CATALOG, open_samples([str(path)], (VM_TYPE,)), OCT)
    actual = rate_on_spark(spark, CATALOG, [str(path)], OCT).collect()
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()
    assert [r["cell"] for r in actual.line_items.to_pylist()] == ["A", "B", "A", "B"]


# ---------------------------------------------------------------- labels (accepted, validated)


def labelled(hour: int, labels: Any) -> dict[str, Any]:
    """A sample of vm-1 with ``labels`` (left out when None)."""
    sample = record(hour, None)
    if labels is not None:
        sample["labels"] = labels
    return sample


def write_flat(records: list[dict[str, Any]], path: Path) -> None:
    """Records as flat CSV or Parquet columns, ``labels.<name>`` included (all text)."""
    rows = []
    for sample in records:
        row = {"time": sample["time"]}
        for group in ("resource", "scope", "traits", "labels"):
            for key, value in (sample.get(group) or {}).items():
                row[f"{group}.{key}"] = value
        rows.append(row)
    header = list(dict.fromkeys(name for row in rows for name in row))
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in header])
        return
    columns = {c: [row.get(c) for row in rows] for c in header}
    types = {  # integer traits (vcpu, ramMb, milliCpu…) stay integers; the rest is text
        c: pa.int64() for c, v in columns.items() if any(isinstance(x, int) for x in v)
    }
    columns["time"] = [parse_time(t) for t in columns["time"]]
    table = pa.table(
        {
            c: pa.array(v, types.get(c, TIMESTAMP if c == "time" else pa.string()))
            for c, v in columns.items()
        }
    )
    pq.write_table(table, path)


def read_any(records: list[dict[str, Any]], tmp_path: Path, fmt: str) -> tuple[Any, RejectSink]:
    path = tmp_path / f"labelled.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    else:
        write_flat(records, path)
    sink = RejectSink(keep=100)
    return open_samples([str(path)], (VM_TYPE,), batch_size=4, rejects=sink), sink


GOOD_LABELS = [
    labelled(0, {"team": "blue", "app.kubernetes.io/name": "web"}),
    labelled(1, {"team": "blue", "empty": ""}),
    labelled(2, None),
    labelled(3, {"team": None}),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_labels_are_accepted_and_change_nothing(tmp_path: Path, fmt: str) -> None:
    reader, sink = read_any(GOOD_LABELS, tmp_path, fmt)
    table = reader.read_all()
    assert (table.num_rows, sink.count) == (4, 0)
    assert not [name for name in table.column_names if "label" in name]  # not kept (yet)
    plain, _ = read([record(hour, None) for hour in range(4)], tmp_path, fmt)
    catalog = make_catalog([make_product("vm-hours")])
    assert engine.rate(catalog, reader.again(), OCT).line_items.equals(
        engine.rate(catalog, plain, OCT).line_items
    )


BAD_LABELS = {
    "name with a space": (
        {"bad name": "x"},
        "labels.bad name",
        'label name "bad name": not ' + LABEL_NAME_RULE,
    ),
    "name ending in a dot": ({"team.": "x"}, "labels.team.", None),
    "line break in a value": (
        {"team": "a\nb"},
        "labels.team",
        'control character U+000A in "a\\nb"',
    ),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(BAD_LABELS))
def test_bad_labels_are_rejected_naming_the_label(tmp_path: Path, fmt: str, case: str) -> None:
    labels, field, reason = BAD_LABELS[case]
    records = [labelled(0, {"team": "blue"}), labelled(1, labels), labelled(2, None)]
    reader, sink = read_any(records, tmp_path, fmt)
    assert reader.read_all().num_rows == 2
    (reject,) = sink.first
    assert (reject.source_line, reject.field) == (3 if fmt == "csv" else 2, field)
    if reason is not None:
        assert reject.reason == reason


@pytest.mark.parametrize(
    ("labels", "field"),
    [(None, "labels"), ({"team": 5}, "labels.team"), (["team"], "labels")],
    ids=["null", "number", "list"],
)
def test_labels_must_be_an_object_of_text(tmp_path: Path, labels: Any, field: str) -> None:
    bad = record(1, None)
    bad["labels"] = labels
    records = [labelled(0, {"team": "blue"}), bad, labelled(2, None), labelled(3, {})]
    reader, sink = read_any(records, tmp_path, "jsonl")
    assert reader.read_all().num_rows == 3
    (reject,) = sink.first
    assert (reject.source_line, reject.field) == (2, field)


@pytest.mark.parametrize("fmt", FORMATS)
def test_spark_reads_labels_under_the_same_rules(spark, tmp_path: Path, fmt: str) -> None:  # noqa: F811
    # A NUL, not a line break: Spark reads CSV line by line (docs/spark.md).
    bad = [{"bad name": "x"}, {"team.": "x"}, {"team": "a\x00b"}]
    records = [*GOOD_LABELS, *(labelled(4 + i, labels) for i, labels in enumerate(bad))]
    reader, _ = read_any(records, tmp_path, fmt)
    catalog = make_catalog([make_product("vm-hours")])
    expected = engine.rate(catalog, reader, OCT)
    path = str(tmp_path / f"labelled.{fmt}")
    actual = rate_on_spark(spark, catalog, [path], OCT).collect()
    assert (actual.counts.read, actual.counts.rejected) == (7, 3)
    assert (reader.total.read, reader.total.rejected) == (7, 3)  # the embedded reader agrees
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()


@pytest.mark.parametrize("fmt", FORMATS)
def test_labels_read_column_wise_as_record_by_record(tmp_path: Path, fmt: str) -> None:
    """Good and bad labels, nulls and objects mixed in one block: the column-wise path
    gives exactly the per-record path's rows, rejects and counts."""
    records = [*GOOD_LABELS, *(labelled(4 + i, b[0]) for i, b in enumerate(BAD_LABELS.values()))]
    if fmt == "jsonl":  # forms only JSON can write
        null_labels, number = record(9, None), record(10, None)
        null_labels["labels"], number["labels"] = None, {"team": 5}
        records += [null_labels, number, labelled(11, {}), labelled(12, {"nested": {"a": "b"}})]
    read_any(records, tmp_path, fmt)
    assert_same(str(tmp_path / f"labelled.{fmt}"), (VM_TYPE,))


# ---------------------------------------------------------------- FOCUS


def test_focus_sub_account_and_tags_name_the_cell(tmp_path: Path) -> None:
    reader, _ = read(MOVE, tmp_path, "jsonl")
    items = engine.rate(CATALOG, reader, OCT).line_items
    focus = to_focus(items).to_pylist()
    assert [(r["SubAccountId"], r["SubAccountName"], r["SubAccountType"]) for r in focus] == [
        ("proj-7/A", "A", "Cell"),
        ("proj-7/B", "B", "Cell"),
    ] * 2
    assert focus[0]["Tags"] == '{"ratecard/cell": "A"}'
    assert all(r["BillingAccountId"] == "proj-7" for r in focus)
    plain, _ = read([record(0, None)], tmp_path, "csv")
    (row,) = to_focus(engine.rate(CATALOG, plain, OCT).line_items.slice(0, 1)).to_pylist()
    assert (row["SubAccountId"], row["SubAccountType"], row["Tags"]) == ("proj-7", "Project", None)


@pytest.mark.slow
def test_finops_validator_accepts_cells(focus_python: Path, tmp_path: Path) -> None:  # noqa: F811
    reader, _ = read(MOVE, tmp_path, "jsonl")
    items = engine.rate(CATALOG, reader, OCT).line_items
    data_file = tmp_path / "focus.parquet"
    data_file.write_bytes(encode(to_focus(items), "parquet"))
    assert real_failures(run_validator(focus_python, data_file, tmp_path)) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_samples_convert_keeps_the_cell(tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "in.jsonl"
    write_samples(MOVE[:2], source, (VM_TYPE,))
    out = tmp_path / f"out.{fmt}"
    convert([str(source)], out, (VM_TYPE,), RejectSink())
    table = open_samples([str(out)], (VM_TYPE,)).read_all()
    assert table.column("cell").to_pylist() == ["A", "A"]
