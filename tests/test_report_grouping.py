"""Reports grouped by dimensions (``--by``) and split into days (``--granularity day``).

Known answers are computed by hand in the comments; the property tests check
that daily buckets and groups add up exactly to the monthly report.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from ratefixtures import discounts_catalog, make_catalog, make_discount, make_product
from test_cli_report import EXAMPLE_CATALOG, EXAMPLE_SAMPLES, run
from test_cli_report import stubbed as stubbed  # the fixture
from test_report import PERIOD, START, item, one, table

from rating.cli import cli
from rating.errors import RatecardError
from rating.model import DiscountRule, UsageKind
from rating.rate.result import LINE_ITEM_SCHEMA
from rating.report import build_reports
from rating.report.chargeback import group_chargeback
from rating.report.daily import apportion, split_by_day
from rating.report.lines import report_rows
from rating.report.model import Group, TenantReport
from rating.report.output import render_stream, write_directory
from rating.report.render_json import render_json
from rating.report.render_table import render_table

D = Decimal


def at(day: int, hour: int = 0) -> datetime:
    return START + timedelta(days=day - 1, hours=hour)


def labelled(rows: list[dict], **columns: pa.DataType) -> pa.Table:
    """Line items with extra columns (``label.<name>``, ``service_category``) appended,
    as the rater writes them when the catalog declares those dimensions."""
    schema = LINE_ITEM_SCHEMA
    for name, kind in columns.items():
        if name not in schema.names:
            schema = schema.append(pa.field(name, kind))
    return pa.Table.from_pylist(rows, schema=schema)


def totals(group_or_report: Group | TenantReport) -> list[tuple[str, Decimal, Decimal]]:
    return [(t.currency, t.amount, t.exact_amount) for t in group_or_report.totals]


# ---------------------------------------------------------------- --by


def test_tenant_with_two_cells_by_tenant_cell():
    # cell web: vm-1 0.333333 + vm-2 0.333333 = 0.666666 → 0.67 (one top-level line)
    # cell db:  vm-3 1.005 → 1.00 (half-even)
    # no cell:  vm-4 0.5 → 0.50
    # tenant subtotal = 0.50 + 1.00 + 0.67 = 2.17 (exact 2.171666)
    rows = [
        item(cell="web", resource_id="vm-1", amount="0.333333"),
        item(cell="web", resource_id="vm-2", amount="0.333333", hour=400),
        item(cell="db", resource_id="vm-3", amount="1.005"),
        item(resource_id="vm-4", amount="0.5"),
    ]
    report = one(rows, by="tenant,cell")
    assert report.by == ("tenant", "cell")
    (tenant,) = report.groups
    assert (tenant.dimension, tenant.value) == ("tenant", "t1")
    assert totals(tenant) == [("EUR", D("2.17"), D("2.171666"))]
    assert [(g.value, totals(g)) for g in tenant.groups] == [
        (None, [("EUR", D("0.50"), D("0.5"))]),  # "(none)" first, never dropped
        ("db", [("EUR", D("1.00"), D("1.005"))]),
        ("web", [("EUR", D("0.67"), D("0.666666"))]),
    ]
    web = tenant.groups[2]
    (line,) = web.lines
    assert line.group == ("t1", "web")
    assert [r.resource_id for r in line.details[0].resources] == ["vm-1", "vm-2"]
    assert totals(report) == [("EUR", D("2.17"), D("2.171666"))]

    document = json.loads(render_json(report))
    assert document["by"] == ["tenant", "cell"]
    assert "granularity" not in document and "days" not in document
    cells = document["groups"][0]["groups"]
    assert [(c["value"], c["totals"][0]["amount"]) for c in cells] == [
        (None, "0.50"),
        ("db", "1.00"),
        ("web", "0.67"),
    ]
    assert [line["group"] for line in document["lines"]] == [
        {"tenant": "t1", "cell": value} for value in (None, "db", "web")
    ]
    text = render_table(report)
    assert "· cell: (none)" in text and "· cell: web" in text
    lines = report_rows([report])
    groups = [(r["by.tenant"], r["by.cell"], r["amount"]) for r in lines if r["level"] == "group"]
    assert [r["group_dimension"] for r in lines if r["level"] == "group"] == ["tenant"] + [
        "cell"
    ] * 3
    assert groups == [
        ("t1", None, D("2.17")),
        ("t1", None, D("0.50")),
        ("t1", "db", D("1.00")),
        ("t1", "web", D("0.67")),
    ]
    slices = [r for r in lines if r["level"] == "slice"]
    assert [r["by.cell"] for r in slices] == [None, "db", "web", "web"]


def test_rounding_is_per_group_line_and_documented_difference():
    # Two cells of 0.005 EUR each: by cell, two lines 0.005 → 0.00 (half-even), total 0.00;
    # without --by one line 0.010 → 0.01. Rounding stays once per top-level line, and the
    # top-level line is per group: the difference shows as each line's roundingDifference.
    rows = [item(cell="a", amount="0.005"), item(cell="b", resource_id="vm-2", amount="0.005")]
    assert totals(one(rows)) == [("EUR", D("0.01"), D("0.010"))]
    grouped = one(rows, by="cell")
    assert [line.rounding_difference for line in grouped.lines] == [D("-0.005")] * 2
    assert totals(grouped) == [("EUR", D("0.00"), D("0.010"))]


def test_by_label_cost_center_with_built_line_items():
    # costCenter cc-1: 1.25 + 2.50 = 3.75; cc-2: 4.00; none: 0.10 — three top-level lines.
    rows = [
        item(resource_id="a", amount="1.25", **{"label.costCenter": "cc-1"}),
        item(resource_id="b", amount="2.50", **{"label.costCenter": "cc-1"}),
        item(resource_id="c", amount="4.00", **{"label.costCenter": "cc-2"}),
        item(resource_id="d", amount="0.10", **{"label.costCenter": None}),
    ]
    items = labelled(rows, **{"label.costCenter": pa.string()})
    (report,) = build_reports(discounts_catalog(), items, PERIOD, by=["label:costCenter"])
    assert [(g.dimension, g.value, totals(g)) for g in report.groups] == [
        ("label:costCenter", None, [("EUR", D("0.10"), D("0.10"))]),
        ("label:costCenter", "cc-1", [("EUR", D("3.75"), D("3.75"))]),
        ("label:costCenter", "cc-2", [("EUR", D("4.00"), D("4.00"))]),
    ]
    # The label enters the report version when grouped by it: a relabelled input differs.
    relabelled = labelled(
        [{**row, "label.costCenter": "cc-9"} for row in rows],
        **{"label.costCenter": pa.string()},
    )
    (other,) = build_reports(discounts_catalog(), relabelled, PERIOD, by=["label:costCenter"])
    assert other.report_version != report.report_version


def test_by_service_category_and_product():
    rows = [
        item(resource_id="a", amount="1", service_category="Compute"),
        item(resource_id="v", product_id="vol", amount="2", service_category="Storage"),
    ]
    items = labelled(rows, service_category=pa.string())
    (report,) = build_reports(discounts_catalog(), items, PERIOD, by="service-category,product")
    assert [(g.value, [(c.value, totals(c)) for c in g.groups]) for g in report.groups] == [
        ("Compute", [("vm-vcpu", [("EUR", D("1.00"), D("1"))])]),
        ("Storage", [("vol", [("EUR", D("2.00"), D("2"))])]),
    ]


@pytest.mark.parametrize(
    ("by", "message"),
    [
        ("colour", "--by 'colour': unknown dimension, expected tenant, cell, seller"),
        ("cell,cell", "--by 'cell': dimension given twice"),
        ("label:", "--by 'label:': unknown dimension"),
        ("label:team", "--by label:team: the catalog declares no label dimension 'team'"),
    ],
)
def test_bad_dimension_is_one_clear_error(by, message):
    with pytest.raises(RatecardError, match="^" + message.replace("(", r"\(")):
        one([item(amount="1")], by=by)


def test_chargeback_groups_by_the_same_dimensions():
    # Tenant t1: cell a 1.004 → 1.00, cell b 2.006 → 2.01; tenant t2: cell a 3 → 3.00.
    # A -10 % discount on t1 (3.01 EUR source, exact -0.301 → -0.30) has no cell: "(none)".
    rows = [
        item(cell="a", amount="1.004"),
        item(cell="b", resource_id="vm-2", amount="2.006"),
        item(tenant="t2", cell="a", amount="3"),
    ]
    discount = make_discount(DiscountRule.FIXED_PERCENTAGE, percentage=D("-10"))
    reports = build_reports(discounts_catalog(discount), table(rows), PERIOD, by="cell")
    summary = [(r.values, r.currency, r.amount) for r in group_chargeback(reports, ("cell",))]
    assert summary == [
        ((None,), "EUR", D("-0.30") + D("-0.30")),  # each tenant's discount: t2 -0.30 too
        (("a",), "EUR", D("4.00")),
        (("b",), "EUR", D("2.01")),
    ]
    owed = sum(t.amount for report in reports for t in report.totals)
    assert sum(amount for _, _, amount in summary) == owed  # rows add up to the reports
    assert "cell    currency    amount" in render_stream(reports, "table")
    by_seller = build_reports(discounts_catalog(discount), table(rows), PERIOD, by="seller")
    seller_rows = group_chargeback(by_seller, ("seller",))
    assert [(r.values, r.amount) for r in seller_rows] == [(("operator",), D("5.41"))]


def test_grouped_outputs_in_every_format(tmp_path):
    rows = [item(cell="a", amount="1"), item(tenant="t2", amount="2")]
    reports = build_reports(discounts_catalog(), table(rows), PERIOD, by="tenant,cell")
    written = write_directory(reports, "csv", tmp_path / "csv")
    chargeback = list(csv.DictReader(io.StringIO(written[-1].read_text())))
    assert [(r["tenant"], r["cell"], r["amount"]) for r in chargeback] == [
        ("t1", "a", "1.00"),
        ("t2", "", "2.00"),  # a missing cell is an empty (null) CSV field
    ]
    header = written[0].read_text().splitlines()[0].split(",")
    assert header[3:7] == ["level", "group_dimension", "by.tenant", "by.cell"]
    parquet = write_directory(reports, "parquet", tmp_path / "parquet")
    assert {p.name for p in parquet} == {"t1.parquet", "t2.parquet", "chargeback.parquet"}
    document = json.loads((write_directory(reports, "json", tmp_path / "json")[-1]).read_text())
    assert document["chargeback"][0] == {
        "tenant": "t1",
        "cell": "a",
        "currency": "EUR",
        "amount": "1.00",
    }
    with pytest.raises(RatecardError, match="--format html: --by and --granularity day"):
        write_directory(reports, "html", tmp_path / "html")
    daily = build_reports(
        discounts_catalog(), table(rows), PERIOD, by="tenant,cell", granularity="day"
    )
    days = [r for r in report_rows(daily) if r["level"] == "day"]
    # Only the groups' days: each row names its tenant group, none is report-level.
    assert [(r["group_dimension"], r["by.tenant"], r["by.cell"], r["amount"]) for r in days] == [
        ("tenant", "t1", None, D("1")),
        ("cell", "t1", "a", D("1")),
        ("tenant", "t2", None, D("2")),
        ("cell", "t2", None, D("2")),  # the "(none)" cell, told apart by group_dimension
    ]


# ---------------------------------------------------------------- --granularity day


def test_resource_running_36_hours_across_two_days():
    # 2026-10-01 12:00 → 2026-10-03 00:00 is 36 h at 0.10 EUR/h = 3.60 EUR:
    # 12 h on Oct 1 (1.20 EUR), 24 h on Oct 2 (2.40 EUR).
    row = item(quantity="36", unit_price="0.10", amount="3.6")
    row["start"], row["end"] = at(1, 12), at(3)
    month = one([row])
    report = one([row], granularity="day")
    (resource,) = report.lines[0].details[0].resources
    assert [(s.start, s.end, s.quantity, s.amount) for s in resource.slices] == [
        (at(1, 12), at(2), D("12"), D("1.2")),
        (at(2), at(3), D("24"), D("2.4")),
    ]
    assert [(d.day.day, d.currency, d.exact_amount) for d in report.days] == [
        (1, "EUR", D("1.2")),
        (2, "EUR", D("2.4")),
    ]
    assert report.lines[0].amount == month.lines[0].amount == D("3.60")
    assert totals(report) == totals(month)
    document = json.loads(render_json(report))
    assert document["granularity"] == "day"
    assert document["days"] == [
        {"day": "2026-10-01", "currency": "EUR", "exactAmount": "1.200000000000"},
        {"day": "2026-10-02", "currency": "EUR", "exactAmount": "2.400000000000"},
    ]
    assert "2026-10-02   EUR         2.4" in render_table(report)


def test_remainder_goes_to_the_largest_remainders_earliest_first():
    # 1 EUR over three whole days: 10^12 units / 3 = 333333333333 rest 1 each; the one
    # leftover unit goes to the first day (ties: earlier day first).
    row = item(quantity="72", amount="1.000000000000")
    row["start"], row["end"] = at(1), at(4)
    report = one([row], granularity="day")
    assert [d.exact_amount for d in report.days] == [
        D("0.333333333334"),
        D("0.333333333333"),
        D("0.333333333333"),
    ]
    slices = report.lines[0].details[0].resources[0].slices
    assert [s.quantity for s in slices] == [D("24")] * 3
    # Negative: floor(-2/3) = -1 unit each (Σ -3), the one leftover unit to the first day.
    assert apportion(D("-0.000000000002"), [1, 1, 1]) == [
        D("0"),
        D("-0.000000000001"),
        D("-0.000000000001"),
    ]
    assert sum(share for _, share in split_by_day(D("7"), at(1, 5), at(9, 7))) == D("7")


def test_fees_and_minimum_charges_stay_whole_on_their_start_day():
    # A one-time setup fee (5 EUR) of a resource whose first sample covers 23:00 → 01:00,
    # a recurring fee (10 EUR, the resource's whole month) and a minimum-charge top-up
    # (no resource, the whole period) are charged once: all on the day they start.
    catalog = make_catalog(
        [
            make_product("setup", kind=UsageKind.ONE_TIME, unit="1"),
            make_product("fee", kind=UsageKind.RECURRING, unit="mo"),
        ]
    )
    setup = item(product_id="setup", amount="5")
    setup["start"], setup["end"] = at(1, 23), at(2, 1)
    fee = item(product_id="fee", amount="10")
    fee["start"], fee["end"] = at(3, 6), PERIOD.end
    top_up = item(
        product_id="vm-vcpu", resource_id=None, amount="0.75", usage_type="minimum charge"
    )
    top_up["start"], top_up["end"] = PERIOD.start, PERIOD.end
    items = table([{**r, "catalog_version": "test-version"} for r in (setup, fee, top_up)])
    (report,) = build_reports(catalog, items, PERIOD, granularity="day")
    assert [(d.day.day, d.exact_amount) for d in report.days] == [(1, D("5.75")), (3, D("10"))]


def test_granularity_must_be_day_or_month():
    with pytest.raises(RatecardError, match="--granularity 'week': expected day or month"):
        one([item(amount="1")], granularity="week")


def test_discounts_see_the_month_not_the_days():
    # A discount valid from Oct 2 selects line items *starting* then: the Oct 1 12:00 →
    # Oct 3 item (3.6) is outside it by the month and stays outside when split into days;
    # only vm-2's 2.0 counts: -10 % → -0.20.
    row = item(quantity="36", amount="3.6")
    row["start"], row["end"] = at(1, 12), at(3)
    later = item(resource_id="vm-2", amount="2.0", hour=30)
    discount = make_discount(DiscountRule.FIXED_PERCENTAGE, percentage=D("-10"), valid_from=at(2))
    month = one([row, later], discount)
    assert [(d.source_amount, d.amount) for d in month.discounts] == [(D("2.0"), D("-0.20"))]
    assert one([row, later], discount, granularity="day").discounts == month.discounts


# ---------------------------------------------------------------- properties

CELLS = st.sampled_from([None, "web", "db"])
line_items = st.lists(
    st.builds(
        lambda cell, group, currency, resource, start, minutes, quantity, amount: {
            **item(
                cell=cell,
                seller_product_group=group,
                currency=currency,
                resource_id=resource,
                quantity=str(quantity),
                amount=str(amount),
            ),
            "start": at(1) + timedelta(minutes=start),
            "end": min(at(1) + timedelta(minutes=start + minutes), PERIOD.end),
        },
        CELLS,
        st.sampled_from(["compute", "storage"]),
        st.sampled_from(["EUR", "JPY"]),
        st.sampled_from(["r1", "r2", "r3", None]),
        st.integers(0, 31 * 24 * 60 - 1),
        st.integers(0, 5 * 24 * 60),
        st.decimals(0, 1000, places=12),
        st.decimals(-50, 10_000, places=12),
    ),
    min_size=1,
    max_size=30,
)
BY = st.sampled_from(["", "cell", "tenant,cell", "product-group,cell", "product"])


def _walk(groups):
    for group in groups:
        yield group
        yield from _walk(group.groups)


def _per_currency(days) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for day in days:
        sums[day.currency] = sums.get(day.currency, D(0)) + day.exact_amount
    return sums


@settings(max_examples=60, deadline=None)
@given(line_items, BY)
def test_daily_buckets_sum_exactly_to_the_month(rows, by):
    (month,) = build_reports(discounts_catalog(), table(rows), PERIOD, by=by)
    (daily,) = build_reports(discounts_catalog(), table(rows), PERIOD, by=by, granularity="day")

    def shape(report):
        return [
            (
                line.group,
                line.seller_product_group,
                line.currency,
                line.exact_amount,
                line.amount,
                [(d.product_id, d.quantity, d.amount) for d in line.details],
                [
                    [(r.resource_id, r.quantity, r.amount) for r in d.resources]
                    for d in line.details
                ],
            )
            for line in report.lines
        ]

    assert shape(daily) == shape(month)  # the same lines, rounded once per line of the month
    assert totals(daily) == totals(month)
    assert [totals(g) for g in _walk(daily.groups)] == [totals(g) for g in _walk(month.groups)]
    assert _per_currency(daily.days) == {
        t.currency: t.exact_amount for t in daily.totals
    }  # no discounts in this catalog: the lines' exact amounts
    for group in _walk(daily.groups):
        assert _per_currency(group.days) == {t.currency: t.exact_amount for t in group.totals}
    for line in daily.lines:
        for detail in line.details:
            for resource in detail.resources:
                for piece in resource.slices:
                    if resource.resource_id is not None and piece.end > piece.start:
                        # every accruing slice lies within one UTC day
                        assert piece.start.date() == (piece.end - timedelta(microseconds=1)).date()


@settings(max_examples=40, deadline=None)
@given(line_items, BY)
def test_groups_add_up_to_the_tenant_and_every_row_is_kept(rows, by):
    (report,) = build_reports(discounts_catalog(), table(rows), PERIOD, by=by)
    if by:
        for currency, amount, exact in totals(report):
            inside = [t for g in report.groups for t in g.totals if t.currency == currency]
            assert sum(t.amount for t in inside) == amount
            assert sum(t.exact_amount for t in inside) == exact
    slices = sum(len(r.slices) for line in report.lines for d in line.details for r in d.resources)
    assert slices == len(rows)


# ---------------------------------------------------------------- the command line


def test_cli_by_and_granularity_with_stand_ins(stubbed):
    result = run("--by", "tenant,cell", "--granularity", "day")
    assert result.exit_code == 0, result.output
    assert "tenant: team/a" in result.output and "· cell: (none)" in result.output
    assert "Daily, exact" in result.output and "Chargeback summary" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--by", "colour"), "--by 'colour': unknown dimension"),
        (("--by", "label:costCenter"), "--by label:costCenter: the catalog declares no label"),
        (("--granularity", "week"), "Invalid value for '--granularity': 'week' is not one of"),
        (("--by", "cell", "--format", "html", "--out", "site"), "--format html: --by and"),
    ],
)
def test_cli_bad_grouping_is_one_line_exit_2(stubbed, args, message):
    result = run(*args)
    if isinstance(result.exception, RatecardError):  # main() prints it as one line, exit 2
        assert result.exception.exit_code == 2
        assert message in str(result.exception) and "\n" not in str(result.exception)
    else:
        assert result.exit_code == 2 and message in result.output


@pytest.mark.skipif(not EXAMPLE_SAMPLES.exists(), reason="example samples not written yet")
def test_example_undeclared_label_through_the_installed_script(tmp_path):
    script = Path(sys.executable).with_name("ratecard")
    done = subprocess.run(
        [str(script), "report", *EXAMPLE, "--by", "tenant,label:nope"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    # One line, before any rating: no reconciliation was printed first.
    assert done.stderr.splitlines() == [
        "ratecard: error: --by label:nope: the catalog declares no label dimension 'nope' "
        "(line items have no column 'label.nope')"
    ]
    assert done.stdout == ""


EXAMPLE = [str(EXAMPLE_CATALOG), str(EXAMPLE_SAMPLES), "--period", "2026-10"]


@pytest.mark.skipif(not EXAMPLE_SAMPLES.exists(), reason="example samples not written yet")
def test_example_fleet_by_tenant_cell_adds_up():
    """The README's main command with --by tenant,cell: groups add up to each tenant."""
    result = CliRunner().invoke(
        cli, ["report", *EXAMPLE, "--by", "tenant,cell", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(documents) >= 2
    for document in documents:
        (tenant,) = document["groups"]
        assert (tenant["dimension"], tenant["value"]) == ("tenant", document["tenant"])
        for total in tenant["totals"]:
            currency = total["currency"]
            lines = [x for x in document["lines"] if x["currency"] == currency]
            assert D(total["amount"]) == sum(D(x["amount"]) for x in lines)
            cells = [t for c in tenant["groups"] for t in c["totals"] if t["currency"] == currency]
            assert D(total["amount"]) == sum(D(t["amount"]) for t in cells)
            discounts = [x for x in document["discounts"] if x["currency"] == currency]
            (grand,) = [t for t in document["totals"] if t["currency"] == currency]
            assert D(grand["amount"]) == D(total["amount"]) + sum(D(x["amount"]) for x in discounts)


@pytest.mark.skipif(not EXAMPLE_SAMPLES.exists(), reason="example samples not written yet")
def test_example_fleet_daily_csv_through_the_installed_script(tmp_path):
    """``ratecard report … --granularity day --format csv``: days sum to the month exactly."""
    script = Path(sys.executable).with_name("ratecard")
    done = subprocess.run(
        [str(script), "report", *EXAMPLE, "--granularity", "day", "--format", "csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    monthly = subprocess.run(
        [str(script), "report", *EXAMPLE, "--format", "csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    month = list(csv.DictReader(io.StringIO(monthly.stdout)))
    for level in ("seller", "discount"):  # rounding is the month's, whatever the granularity
        assert [r["amount"] for r in rows if r["level"] == level] == [
            r["amount"] for r in month if r["level"] == level
        ]
    for tenant in {r["tenant"] for r in rows}:
        for currency in {r["currency"] for r in rows if r["tenant"] == tenant}:
            mine = [r for r in rows if (r["tenant"], r["currency"]) == (tenant, currency)]
            days = [D(r["exact_amount"]) for r in mine if r["level"] == "day"]
            sellers = [D(r["exact_amount"]) for r in mine if r["level"] == "seller"]
            assert days and sum(days) == sum(sellers)
    assert len({r["start"][:10] for r in rows if r["level"] == "day"}) > 1
