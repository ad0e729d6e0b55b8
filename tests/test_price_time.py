"""Prices in time (issue #15): validity cuts, carried-in state, calendar months, exact amounts.

Every expected figure is computed by hand in the test. Each case runs on the
DuckDB engine and on the reference rater, which must agree line for line;
:mod:`test_spark` runs answers A and B on Spark too.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D
from fractions import Fraction

import click
import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from ratefixtures import make_catalog, make_price, make_product, samples_table, utc

from rating.cli.reconciliation import reconcile
from rating.errors import RatecardError
from rating.export.units import focus_unit
from rating.library import catalog_dir
from rating.load.catalog import load_catalog
from rating.load.schedule import PriceChange, expand_schedule
from rating.model import Catalog, UsageKind
from rating.period import Period
from rating.rate import engine, reference
from rating.rate.plan import compile_plans, measure
from rating.rate.plan.arithmetic import NEG_INF_US
from rating.rate.plan.measure import segment, validity_start
from rating.rate.result import Counts, RateOptions, RatingResult
from rating.units import conversion_factor, is_commensurable

CATALOG_LIBRARY = catalog_dir().resolve()
# A VM's required traits: the Spark reader rejects samples without them.
VM_TRAITS = {"vcpu": 2, "ramMb": 2048, "state": "ACTIVE"}


@dataclass(frozen=True)
class Case:
    """A catalog, samples and a period with a hand-computed answer."""

    catalog: Catalog
    rows: list[dict]
    period: Period


# A: created 10-14 12:00, deleted 10-16 12:00, 2 vCPU; 0.02 until 10-15, 0.01 from then.
ANSWER_A = Case(
    make_catalog(
        [
            make_product(
                "vcpu",
                kind=UsageKind.TIME_QUANTITY,
                trait="vcpu",
                unit="{vCPU}.h",
                unit_price="0.02",
                valid_until="2026-10-15T00:00:00Z",
            ),
            make_product(
                "vcpu",
                kind=UsageKind.TIME_QUANTITY,
                trait="vcpu",
                unit="{vCPU}.h",
                unit_price="0.01",
                valid_from="2026-10-15T00:00:00Z",
            ),
        ]
    ),
    [
        {"time": "2026-10-14T12:00:00Z", "event": "create", "traits": VM_TRAITS},
        {"time": "2026-10-16T12:00:00Z", "event": "delete", "traits": VM_TRAITS},
    ],
    Period.parse("2026-10"),
)
# 12 h × 2 vCPU = 24 vCPU.h × 0.02 = 0.48; 36 h × 2 = 72 vCPU.h × 0.01 = 0.72; total 1.20
ANSWER_A_LINES = [(D(24), D("0.48")), (D(72), D("0.72"))]

# B: created 09-20 (no later event), product valid from 10-01, rated for October.
ANSWER_B = Case(
    make_catalog([make_product(unit_price="0.01", valid_from="2026-10-01T00:00:00Z")]),
    [{"time": "2026-09-20T08:00:00Z", "event": "create", "traits": VM_TRAITS}],
    Period.parse("2026-10"),
)
# 31 days × 24 h = 744 h × 0.01 = 7.44
ANSWER_B_LINES = [(D(744), D("7.44"))]


def rate_both(case: Case) -> RatingResult:
    """The engine's result, after checking the reference rater gives the same."""
    table = samples_table(case.rows)
    expected = reference.rate(case.catalog, table.to_batches(), case.period)
    actual = engine.rate(case.catalog, table.to_batches(), case.period)
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()
    assert actual.counts == expected.counts
    assert actual.counts.reconciles
    return actual


def quantities_and_amounts(result: RatingResult) -> list[tuple[D, D]]:
    return [(li["quantity"], li["amount"]) for li in result.line_items.to_pylist()]


def round12(value: Fraction) -> D:
    return (D(value.numerator) / D(value.denominator)).quantize(D("1e-12"), ROUND_HALF_EVEN)


# ---------------------------------------------------------------- 1. validity cuts


def test_answer_a_price_change_inside_an_event_interval():
    result = rate_both(ANSWER_A)
    assert quantities_and_amounts(result) == ANSWER_A_LINES
    assert sum(result.totals().values()) == D("1.20")
    starts = [li["start"].isoformat() for li in result.line_items.to_pylist()]
    assert starts == ["2026-10-14T12:00:00+00:00", "2026-10-15T00:00:00+00:00"]
    assert (result.counts.rated, result.counts.outside_period) == (2, 0)


def test_answer_b_resource_created_before_the_period_and_an_entry_valid_from_its_start():
    result = rate_both(ANSWER_B)
    assert quantities_and_amounts(result) == ANSWER_B_LINES
    # the create event before the period carries state into it: rated, not outside_period
    counts = result.counts
    assert (counts.read, counts.rated, counts.unmatched, counts.outside_period) == (1, 1, 0, 0)
    assert counts.missing_state == 0


def test_a_sample_interval_is_cut_where_the_price_changes():
    catalog = make_catalog(
        [
            make_product(unit_price="1", valid_until="2026-10-01T10:15:00Z"),
            make_product(unit_price="4", valid_from="2026-10-01T10:15:00Z"),
        ]
    )
    case = Case(catalog, [{"time": "2026-10-01T10:00:00Z"}], Period.parse("2026-10"))
    # the hourly sample holds 10:00-11:00: 1/4 h × 1 + 3/4 h × 4 = 0.25 + 3
    assert quantities_and_amounts(rate_both(case)) == [(D("0.25"), D("0.25")), (D("0.75"), D(3))]


def test_an_entry_valid_from_the_middle_of_an_interval_applies_from_that_instant():
    catalog = make_catalog([make_product(unit_price="2", valid_from="2026-10-01T10:40:00Z")])
    rows = [{"time": "2026-10-01T10:00:00Z"}]
    # 10:40-11:00 = 1/3 h × 2 = 2/3; the first 40 minutes match no entry
    result = rate_both(Case(catalog, rows, Period.parse("2026-10")))
    assert quantities_and_amounts(result) == [(D("0.333333333333"), D("0.666666666667"))]
    assert result.counts.rated == 1  # some piece of the sample's interval is rated


# ---------------------------------------------------------------- 2. price schedules


def vcpu_schedule(base: str, *changes: tuple[str, str, bool]) -> Catalog:
    """One vCPU-hour product: ``base`` until the first (date, price, for existing) change."""
    product = make_product("vcpu", kind=UsageKind.TIME_QUANTITY, trait="vcpu", unit="{vCPU}.h")
    return make_catalog(
        expand_schedule(
            dataclasses.replace(product, price=make_price(base)),
            [
                PriceChange(utc(day), make_price(price), existing)
                for day, price, existing in changes
            ],
        )
    )


def vm(resource_id: str, created: str) -> dict:
    return {"time": created, "resource_id": resource_id, "event": "create", "traits": VM_TRAITS}


OCTOBER = Period.parse("2026-10")
# SCHEDULED: 2 vCPU all October; 0.02, from 10-15 0.01 for every resource.
SCHEDULED = Case(
    vcpu_schedule("0.02", ("2026-10-15T00:00:00Z", "0.01", True)),
    [vm("a", "2026-10-01T00:00:00Z")],
    OCTOBER,
)
# 14 d × 24 h × 2 = 672 vCPU.h × 0.02 = 13.44; 17 d × 24 h × 2 = 816 × 0.01 = 8.16
SCHEDULED_LINES = [(D(672), D("13.44")), (D(816), D("8.16"))]
# GRANDFATHERED: as SCHEDULED, but the cut is for new resources only; "a" exists
# since 10-01 and keeps 0.02, "b" is created on 10-20 and pays 0.01.
GRANDFATHERED = Case(
    vcpu_schedule("0.02", ("2026-10-15T00:00:00Z", "0.01", False)),
    [vm("a", "2026-10-01T00:00:00Z"), vm("b", "2026-10-20T00:00:00Z")],
    OCTOBER,
)
# a: 31 d × 24 h × 2 = 1488 vCPU.h × 0.02 = 29.76; b: 12 d × 24 h × 2 = 576 × 0.01 = 5.76
GRANDFATHERED_LINES = [(D(1488), D("29.76")), (D(576), D("5.76"))]


def test_a_price_schedule_applies_each_price_from_its_date():
    assert quantities_and_amounts(rate_both(SCHEDULED)) == SCHEDULED_LINES


def test_a_grandfathered_change_applies_only_to_resources_created_after_it():
    assert quantities_and_amounts(rate_both(GRANDFATHERED)) == GRANDFATHERED_LINES


def test_a_change_for_everyone_ends_the_grandfathered_prices():
    catalog = vcpu_schedule(
        "0.03", ("2026-10-10T00:00:00Z", "0.02", False), ("2026-10-20T00:00:00Z", "0.01", True)
    )
    rows = [vm("a", "2026-10-01T00:00:00Z"), vm("b", "2026-10-12T00:00:00Z")]
    lines = quantities_and_amounts(rate_both(Case(catalog, rows, OCTOBER)))
    assert lines == [
        (D(912), D("27.36")),  # a: 10-01..10-20, 19 d × 24 h × 2 = 912 vCPU.h × 0.03
        (D(576), D("5.76")),  # a: 10-20..11-01, 12 d × 24 h × 2 = 576 × 0.01
        (D(384), D("7.68")),  # b: 10-12..10-20, 8 d × 24 h × 2 = 384 × 0.02
        (D(576), D("5.76")),  # b: like a from 10-20
    ]


def test_a_schedule_in_dhall_becomes_one_entry_per_price(tmp_path):
    catalog_file = tmp_path / "catalog.dhall"
    catalog_file.write_text(_SCHEDULE_DHALL.format(library=CATALOG_LIBRARY.as_posix()))
    entries = load_catalog(catalog_file).products
    assert [(e.price.unit_price, e.valid_from, e.valid_until) for e in entries] == [
        (D("0.02"), None, utc("2026-10-15T00:00:00Z")),
        (D("0.01"), utc("2026-10-15T00:00:00Z"), None),
        (D("0.009"), utc("2026-11-01T00:00:00Z"), None),
    ]
    assert [(e.created_from, e.created_until) for e in entries] == [
        (None, None),
        (None, utc("2026-11-01T00:00:00Z")),
        (utc("2026-11-01T00:00:00Z"), None),
    ]


def test_a_schedule_out_of_order_is_one_line_naming_the_change(tmp_path):
    catalog_file = tmp_path / "catalog.dhall"
    text = _SCHEDULE_DHALL.format(library=CATALOG_LIBRARY.as_posix())
    catalog_file.write_text(text.replace("2026-11-01", "2026-10-01"))
    with pytest.raises(RatecardError) as error:
        load_catalog(catalog_file)
    assert str(error.value) == (
        f"{catalog_file}: product 'vcpu': priceSchedule[1]: field from: "
        "is not after the change before it (2026-10-15T00:00:00+00:00)"
    )


_SCHEDULE_DHALL = """
let C = {library}/package.dhall
in  C.Catalog::{{
    , name = "scheduled"
    , products =
      [ C.Product::{{
        , id = "vcpu"
        , displayName = "vCPU"
        , resourceType = "openstack.nova.server"
        , scope = C.Scope.platformType "OpenStack"
        , usage = C.Usage.timeQuantity "vcpu" "{{vCPU}}.h"
        , usageType = "vCPU hours"
        , price = C.Price.perUnit "EUR" 0.02
        , priceSchedule =
          [ C.PriceChange.at "2026-10-15" (C.Price.perUnit "EUR" 0.01)
          , C.PriceChange.forNewResources "2026-11-01" (C.Price.perUnit "EUR" 0.009)
          ]
        , seller = C.Seller::{{ sellerId = "acme", sellerProductGroup = "Compute" }}
        }}
      ]
    }}
"""


def test_first_event_in_the_period_that_is_not_a_create_is_counted_for_the_warning():
    rows = [
        {"time": "2026-10-05T00:00:00Z", "resource_id": "old", "event": "update"},
        {"time": "2026-10-06T00:00:00Z", "resource_id": "gone", "event": "delete"},
        {"time": "2026-09-30T00:00:00Z", "resource_id": "known", "event": "create"},
        {"time": "2026-10-07T00:00:00Z", "resource_id": "known", "event": "update"},
    ]
    result = rate_both(Case(make_catalog(), rows, Period.parse("2026-10")))
    assert result.counts.missing_state == 2  # "old" and "gone"; "known" has its create


def test_rate_warns_once_with_the_count():
    @click.command()
    def show() -> None:
        reconcile("2026-10", Counts(read=1, rated=1, missing_state=3), [], strict=False)

    output = CliRunner().invoke(show).output
    [warning] = [line for line in output.splitlines() if "no earlier state" in line]
    assert warning.startswith("ratecard: warning: 3 resources start in the period")


# ---------------------------------------------------------------- 5. exact amounts


def test_prorated_recurring_fee_is_priced_on_the_exact_fraction():
    fee = make_product("ip", kind=UsageKind.RECURRING, unit="1", unit_price="3.1", prorate=True)
    rows = [
        {"time": "2026-10-01T00:00:00Z", "event": "create"},
        {"time": "2026-10-11T00:00:00Z", "event": "delete"},
    ]
    # 10 of 31 days: 10/31 × 3.10 = 1 exactly (0.322580645161 × 3.1 = 0.9999999999991)
    result = rate_both(Case(make_catalog([fee]), rows, Period.parse("2026-10")))
    assert quantities_and_amounts(result) == [(D("0.322580645161"), D(1))]


def test_allowance_and_tiers_use_exact_ranges():
    price = make_price("3", included="0.5")
    rows = [{"time": "2026-10-01T00:00:00Z"}, {"time": "2026-10-01T00:20:00Z"}]
    # 40 min = 2/3 h; 1/2 h free; (2/3 − 1/2) × 3 = 1/6 × 3 = 0.5 exactly
    catalog = make_catalog([make_product(price=price)])
    options = RateOptions(interval=timedelta(minutes=20))
    table = samples_table(rows)
    period = Period.parse("2026-10")
    expected = reference.rate(catalog, table.to_batches(), period, options)
    actual = engine.rate(catalog, table.to_batches(), period, options)
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()
    assert quantities_and_amounts(actual) == [(D("0.666666666667"), D("0.5"))]


# ---------------------------------------------------------------- 3. calendar months


def test_mo_cal_is_its_own_unit_next_to_ucum_mo():
    assert conversion_factor("MiBy.mo_cal", "GiBy.mo_cal") == Fraction(1, 1024)
    assert not is_commensurable("mo_cal", "mo")  # a calendar month is no fixed time
    assert conversion_factor("h", "mo") == Fraction(2, 1461)  # UCUM: 730.5 h
    assert focus_unit("GiBy.mo_cal") == "GiB-Months"


def test_100_gib_kept_all_october_is_100_gib_calendar_months():
    storage = make_product(
        "disk",
        kind=UsageKind.TIME_QUANTITY,
        trait="ramMb",
        unit="GiBy.mo_cal",
        unit_price="0.05",
    )
    rows = [{"time": "2026-10-01T00:00:00Z", "event": "create", "traits": {"ramMb": 102400}}]
    # 102400 MiB = 100 GiB for the whole month = 100 GiBy.mo_cal × 0.05 = 5
    result = rate_both(Case(make_catalog([storage]), rows, Period.parse("2026-10")))
    assert quantities_and_amounts(result) == [(D(100), D(5))]


@pytest.mark.parametrize(
    ("label", "days"), [("2026-10", 31), ("2026-02", 28), ("2028-02", 29), ("2026-09", 30)]
)
def test_a_full_month_of_any_length_is_one_calendar_month(label, days):
    period = Period.parse(label)
    rows = [{"time": period.start.isoformat(), "event": "create"}]
    monthly = make_product(unit="mo_cal", unit_price="9.99")
    result = rate_both(Case(make_catalog([monthly]), rows, period))
    assert quantities_and_amounts(result) == [(D(1), D("9.99"))]
    assert (period.end - period.start).days == days


def test_ten_days_of_february_are_ten_twenty_eighths():
    rows = [
        {"time": "2026-02-01T00:00:00Z", "event": "create"},
        {"time": "2026-02-11T00:00:00Z", "event": "delete"},
    ]
    monthly = make_product(unit="mo_cal", unit_price="28")
    result = rate_both(Case(make_catalog([monthly]), rows, Period.parse("2026-02")))
    # 10/28 = 0.357142857142|857… → 0.357142857143; × 28 = 10 exactly
    assert quantities_and_amounts(result) == [(D("0.357142857143"), D(10))]


def test_an_interval_across_a_month_boundary_weighs_each_month_by_its_length():
    rows = [
        {"time": "2026-01-21T00:00:00Z", "event": "create"},
        {"time": "2026-02-11T00:00:00Z", "event": "delete"},
    ]
    monthly = make_product(unit="mo_cal", unit_price="1")
    period = Period.parse("2026-01-01/2026-03-01")
    result = rate_both(Case(make_catalog([monthly]), rows, period))
    # 11 of January's 31 days + 10 of February's 28 = 11/31 + 10/28 = 309/434
    exact = Fraction(11, 31) + Fraction(10, 28)
    assert exact == Fraction(309, 434)
    assert quantities_and_amounts(result) == [(round12(exact), round12(exact))]


@pytest.mark.parametrize("searched", [measure.SEARCHED_CUTS, 0], ids=["searched", "joined"])
def test_a_century_of_calendar_months(searched, monkeypatch):
    """A created server kept 2000-01-15 … 2100-01-01: 1,200 month cuts, each month whole but
    the first (17 of January's 31 days), whether runs find their segments by a search in
    SQL or, past SEARCHED_CUTS cuts, by a range join (whose SQL does not grow with them:
    the cuts as CASE branches made 22 MB of SQL for 9,000 years)."""
    monkeypatch.setattr(measure, "SEARCHED_CUTS", searched)
    rows = [{"time": "2000-01-15T00:00:00Z", "event": "create"}]
    monthly = make_product(unit="mo_cal", unit_price="1")
    catalog, period = make_catalog([monthly]), Period.parse("2000-01-01/2100-01-01")
    result = rate_both(Case(catalog, rows, period))
    exact = Fraction(17, 31) + 1199
    assert quantities_and_amounts(result) == [(round12(exact), round12(exact))]
    (compiled,) = compile_plans([catalog], period, RateOptions(), samples_table(rows).schema)
    assert compiled.segments.num_rows == 1200
    if not searched:
        assert max(len(stage.sql) for stage in compiled.stages) < 20_000


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-50, 50), unique=True, max_size=40).map(sorted),
    st.lists(st.integers(-60, 60) | st.none(), min_size=1, max_size=20),
)
def test_validity_starts_and_segments_are_a_binary_search(cuts, times):
    """The nested CASEs find what bisect finds: the greatest cut at or before a time (far
    past before the first, and for NULL) and how many cuts lie at or before it."""
    shape = dataclasses.make_dataclass("S", ["boundaries"])(cuts)
    con = duckdb.connect()
    for time in times:
        sql = f"SELECT {validity_start(shape, 'x')}, {segment(cuts, 'x')} FROM (SELECT ? AS x)"
        found = con.execute(sql, [time]).fetchall()[0]
        at = 0 if time is None else bisect_right(cuts, time)
        assert found == ((cuts[at - 1] if at else NEG_INF_US), at)
