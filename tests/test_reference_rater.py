"""Known answers, computed by hand, and properties of the reference rater (semantics.md)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal as D

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from ratefixtures import (
    equals,
    make_catalog,
    make_price,
    make_product,
    samples_table,
    scope,
    tiers,
    utc,
)

from rating.model import Condition, ConditionOp, PriceModel, UsageKind
from rating.period import Period
from rating.rate.matching import condition_holds, failures
from rating.rate.reference import rate
from rating.rate.result import LINE_ITEM_SCHEMA, RateOptions, RatingResult

OCT = "2026-10"


def run(products, rows, period=OCT, **options) -> RatingResult:
    result = rate(
        make_catalog(products),
        samples_table(rows).to_batches(max_chunksize=3),
        Period.parse(period),
        RateOptions(**options),
    )
    assert result.line_items.schema == LINE_ITEM_SCHEMA
    assert result.counts.reconciles
    return result


def lines(result: RatingResult) -> list[dict]:
    return result.line_items.to_pylist()


def brief(result: RatingResult) -> list[tuple]:
    """(resource, product, quantity, amount, start, end) per line, times as ISO text."""
    return [
        (
            li["resource_id"],
            li["product_id"],
            li["quantity"],
            li["amount"],
            li["start"].strftime("%d %H:%M"),
            li["end"].strftime("%d %H:%M"),
        )
        for li in lines(result)
    ]


def hourly(resource_id: str, first: str, count: int, step=timedelta(hours=1), **fields):
    start = utc(first)
    return [{"time": start + i * step, "resource_id": resource_id, **fields} for i in range(count)]


ACTIVE = {"vcpu": 2, "ramMb": 2048, "state": "ACTIVE"}

# ---------------------------------------------------------------- usage kinds


def test_time_usage_sums_covered_hours():
    # 10:00, 11:00, 12:00 each hold 1 h → one merged slice 10:00–13:00, 3 h × 0.5 = 1.5
    result = run([make_product(unit_price="0.5")], hourly("vm-1", "2026-10-01T10:00Z", 3))
    assert brief(result) == [("vm-1", "vm-hours", D(3), D("1.5"), "01 10:00", "01 13:00")]
    assert result.counts.rated == 3


def test_time_quantity_converts_mib_to_gib_hours():
    ram = make_product(
        "ram", kind=UsageKind.TIME_QUANTITY, unit="GiBy.h", trait="ramMb", unit_price="0.02"
    )
    rows = [
        # 2048 MiB for 30 min (next sample) + 60 min (last, one interval) = 2 GiB × 1.5 h = 3
        {"time": "2026-10-01T10:00Z", "traits": {"ramMb": 2048}},
        {"time": "2026-10-01T10:30Z", "traits": {"ramMb": 2048}},
        # another resource: 1536 MiB = 1.5 GiB × 0.5 h (capped by its next sample) = 0.75,
        # then 512 MiB = 0.5 GiB × 1 h = 0.5 (a new slice: the value changed)
        {"time": "2026-10-02T00:00Z", "resource_id": "vm-2", "traits": {"ramMb": 1536}},
        {"time": "2026-10-02T00:30Z", "resource_id": "vm-2", "traits": {"ramMb": 512}},
        # no ramMb: the entry does not match → unmatched
        {"time": "2026-10-03T00:00Z", "resource_id": "vm-3"},
    ]
    result = run([ram], rows)
    assert brief(result) == [
        ("vm-1", "ram", D(3), D("0.06"), "01 10:00", "01 11:30"),  # 3 × 0.02
        ("vm-2", "ram", D("0.75"), D("0.015"), "02 00:00", "02 00:30"),
        ("vm-2", "ram", D("0.5"), D("0.01"), "02 00:30", "02 01:30"),
    ]
    assert result.counts.unmatched == 1


def test_quantity_sums_values_of_samples_inside_the_period_with_conversion():
    egress = make_product(
        "egress", kind=UsageKind.QUANTITY, unit="MBy", trait="diskGb", unit_price="0.001"
    )
    rows = [
        # t before the period: its coverage reaches into October (rated) but adds nothing
        {"time": "2026-09-30T23:30Z", "traits": {"diskGb": 1000.0}},
        # 1.5 GBy + 0.25 GBy = 1750 MBy (contiguous, same entry → one line) × 0.001 = 1.75
        {"time": "2026-10-01T00:10Z", "traits": {"diskGb": 1.5}},
        {"time": "2026-10-01T01:10Z", "traits": {"diskGb": 0.25}},
    ]
    result = run([egress], rows)
    assert brief(result) == [("vm-1", "egress", D(1750), D("1.75"), "01 00:10", "01 02:10")]
    assert result.counts.rated == 3


def test_recurring_fee_once_per_resource_and_period():
    fee = make_product("backup", kind=UsageKind.RECURRING, unit="1", unit_price="10")
    rows = hourly("vm-1", "2026-10-01T10:00Z", 3) + hourly("vm-1", "2026-10-20T00:00Z", 1)
    assert brief(run([fee], rows)) == [("vm-1", "backup", D(1), D(10), "01 10:00", "20 01:00")]


def test_recurring_prorated_by_days_with_coverage():
    fee = make_product("ip", kind=UsageKind.RECURRING, unit="1", unit_price="31", prorate=True)
    # days covered: Oct 1, Oct 3 and (the 23:30 sample holds until 00:30) Oct 4 → 3/31
    rows = [{"time": "2026-10-01T10:00Z"}, {"time": "2026-10-03T23:30Z"}]
    # 3/31 = 0.096774193548|387… → the quantity column shows 0.096774193548, but the
    # amount is priced on the exact 3/31: × 31 = 3 exactly (issue #15, item 5)
    assert brief(run([fee], rows)) == [
        ("vm-1", "ip", D("0.096774193548"), D("3.000000000000"), "01 10:00", "04 00:30")
    ]


def test_one_time_fee_only_for_resources_first_seen_in_the_period():
    setup = make_product("setup", kind=UsageKind.ONE_TIME, unit="1", unit_price="25")
    rows = [
        {"time": "2026-10-05T12:00Z", "resource_id": "vm-new"},
        {"time": "2026-10-05T13:00Z", "resource_id": "vm-new"},
        # first seen in September: no fee in October
        {"time": "2026-09-30T20:00Z", "resource_id": "vm-old"},
        {"time": "2026-10-02T00:00Z", "resource_id": "vm-old"},
    ]
    result = run([setup], rows)
    assert brief(result) == [("vm-new", "setup", D(1), D(25), "05 12:00", "05 13:00")]
    assert run([setup], rows, period="2026-09").totals() == {"EUR": D(25)}


# ---------------------------------------------------------------- matching


def test_most_specific_scope_wins_regardless_of_catalog_order():
    products = [
        make_product(scope=scope(tenant="t1", location="eu-de-1"), unit_price="3"),
        make_product(scope=scope(location="eu-de-1"), unit_price="2"),
        make_product(unit_price="1"),
    ]
    rows = [
        {"time": "2026-10-01T00:00Z", "resource_id": "a", "tenant": "t1"},
        {"time": "2026-10-01T00:00Z", "resource_id": "b", "tenant": "t2"},
        {"time": "2026-10-01T00:00Z", "resource_id": "c", "tenant": "t2", "location": "eu-de-2"},
    ]
    amounts = {li["resource_id"]: li["amount"] for li in lines(run(products[::-1], rows))}
    assert amounts == {"a": D(3), "b": D(2), "c": D(1)}  # 1 h each


def test_validity_switch_mid_interval_splits_the_interval():
    products = [
        make_product(unit_price="1", valid_until="2026-10-15T00:00Z"),
        make_product(unit_price="2", valid_from="2026-10-15T00:00Z"),
    ]
    # 23:30 on the 14th holds 1 h: its 30 min before midnight at price A (0.5 × 1), its
    # 30 min after at B, merged with 00:30's hour at B: 1.5 h × 2 = 3 (issue #15)
    rows = [{"time": "2026-10-14T23:30Z"}, {"time": "2026-10-15T00:30Z"}]
    assert brief(run(products, rows)) == [
        ("vm-1", "vm-hours", D("0.5"), D("0.5"), "14 23:30", "15 00:00"),
        ("vm-1", "vm-hours", D("1.5"), D(3), "15 00:00", "15 01:30"),
    ]


def test_time_unit_conversion():
    per_day = make_product(unit="d", unit_price="4")
    per_minute = make_product("vm-minutes", unit="min", unit_price="0.01")
    # 6 h = 0.25 d × 4 = 1; = 360 min × 0.01 = 3.6
    result = run([per_day, per_minute], hourly("vm-1", "2026-10-01T00:00Z", 6))
    assert [(li["quantity"], li["amount"]) for li in lines(result)] == [
        (D("0.25"), D(1)),
        (D(360), D("3.6")),
    ]


def test_filter_conditions():
    products = [
        make_product("active", filter=[equals("state", "ACTIVE")]),
        make_product("big", filter=[Condition("vcpu", ConditionOp.RANGE, at_least=D(4))]),
        make_product("m1", filter=[Condition("flavor", ConditionOp.REGEX, pattern=r"m1\..*")]),
        make_product("not-m1", filter=[Condition("flavor", ConditionOp.NOT_ONE_OF, ("m1.a",))]),
        make_product("untagged", filter=[Condition("tags", ConditionOp.ABSENT)]),
    ]
    rows = [{"time": "2026-10-01T00:00Z", "traits": {**ACTIVE, "vcpu": 4, "flavor": "m1.x"}}]
    assert [li["product_id"] for li in lines(run(products, rows))] == [
        "active",
        "big",
        "m1",
        "not-m1",
        "untagged",
    ]
    rows = [{"time": "2026-10-01T00:00Z", "traits": {"state": "SHUTOFF", "vcpu": 3, "tags": ["x"]}}]
    # flavor absent → NotOneOf does not match either
    result = run(products, rows)
    assert lines(result) == [] and result.counts.unmatched == 1


def test_condition_semantics():
    one_of = Condition("vcpu", ConditionOp.ONE_OF, (2, 4.0))
    assert condition_holds(one_of, 4) and condition_holds(one_of, 2.0)  # numeric compare
    assert not condition_holds(one_of, None) and not condition_holds(one_of, True)
    assert not condition_holds(Condition("x", ConditionOp.NOT_ONE_OF, ("a",)), None)
    in_range = Condition("vcpu", ConditionOp.RANGE, at_least=D(2), below=D("4.5"))
    assert [condition_holds(in_range, v) for v in (1, 2, 4.5, "3")] == [False, True, False, False]
    regex = Condition("flavor", ConditionOp.REGEX, pattern="m1")
    assert not condition_holds(regex, "m1.large")  # full match, not search
    # \d, \w, \s are ASCII as in RE2 and Java: not ARABIC-INDIC DIGIT ONE, ß, LINE SEPARATOR
    digit = Condition("flavor", ConditionOp.REGEX, pattern=r"g\d")
    assert condition_holds(digit, "g1") and not condition_holds(digit, "g\u0661")
    assert not condition_holds(Condition("name", ConditionOp.REGEX, pattern=r"\w+"), "straße")
    assert not condition_holds(Condition("name", ConditionOp.REGEX, pattern=r"a\sb"), "a\u2028b")
    assert condition_holds(Condition("tags", ConditionOp.ONE_OF, ("db",)), ["web", "db"])


def test_failures_list_scope_validity_and_conditions_in_order():
    entry = make_product(
        scope=scope(location="eu-de-2"),
        valid_from="2026-11-01T00:00Z",
        filter=[equals("state", "ACTIVE")],
    )
    row = {
        "time": utc("2026-10-01T00:00Z"),
        "resource_type": "test.vm",
        "platform_type": "OpenStack",
        "location": "eu-de-1",
        "traits.state": "ACTIVE",
    }
    assert failures(entry, row) == [
        'scope.location = "eu-de-1", expected "eu-de-2"',
        "time 2026-10-01T00:00:00+00:00 before validFrom 2026-11-01T00:00:00+00:00",
    ]


# ---------------------------------------------------------------- intervals


def test_period_boundaries_clip_coverage():
    rows = [
        {"time": "2026-10-31T23:30Z", "resource_id": "late"},  # 30 min in October
        {"time": "2026-09-30T23:30Z", "resource_id": "early"},  # 30 min in October
        {"time": "2026-09-30T22:00Z", "resource_id": "before"},  # ends 23:00: outside
        {"time": "2026-11-01T00:00Z", "resource_id": "after"},  # outside
    ]
    result = run([make_product()], rows)
    assert brief(result) == [
        ("early", "vm-hours", D("0.5"), D("0.5"), "01 00:00", "01 00:30"),
        ("late", "vm-hours", D("0.5"), D("0.5"), "31 23:30", "01 00:00"),
    ]
    assert (result.counts.rated, result.counts.outside_period) == (2, 2)


def test_sample_and_hold_is_capped_at_the_interval():
    # a 5 h gap: the 10:00 sample holds only 1 h; two separate slices
    rows = [{"time": "2026-10-01T10:00Z"}, {"time": "2026-10-01T15:00Z"}]
    assert brief(run([make_product()], rows)) == [
        ("vm-1", "vm-hours", D(1), D(1), "01 10:00", "01 11:00"),
        ("vm-1", "vm-hours", D(1), D(1), "01 15:00", "01 16:00"),
    ]
    # with a 6 h collector interval the gap is covered: 5 h + 6 h = 11 h in one slice
    result = run([make_product()], rows, interval=timedelta(hours=6))
    assert [li["quantity"] for li in lines(result)] == [D(11)]


def test_duplicates_count_once_and_keep_the_canonical_sample():
    active = make_product(filter=[equals("state", "ACTIVE")])
    rows = [
        {"time": "2026-10-01T00:00Z", "traits": {"state": "SHUTOFF"}},
        {"time": "2026-10-01T00:00Z", "traits": {"state": "ACTIVE"}},
        {"time": "2026-10-01T00:00Z", "traits": {"state": "ACTIVE"}},
    ]
    for ordering in (rows, rows[::-1]):
        result = run([active], ordering)
        # "ACTIVE" < "SHUTOFF": the kept sample is the ACTIVE one → 1 h rated
        assert [li["quantity"] for li in lines(result)] == [D(1)]
        assert (result.counts.duplicates, result.counts.rated) == (2, 1)


def test_lifecycle_events_cover_until_the_next_event_uncapped():
    vcpu = make_product("vcpu", kind=UsageKind.TIME_QUANTITY, unit="{vCPU}.h", trait="vcpu")
    rows = [
        # 2 vCPU for 24 h, 4 vCPU for 24 h, then deleted
        {"time": "2026-10-10T00:00Z", "event": "create", "traits": {"vcpu": 2}},
        {"time": "2026-10-11T00:00Z", "event": "update", "traits": {"vcpu": 4}},
        {"time": "2026-10-12T00:00Z", "event": "delete"},
        # created on the 31st at 12:00 and never deleted: 12 h up to the period end
        {
            "time": "2026-10-31T12:00Z",
            "event": "create",
            "resource_id": "vm-2",
            "traits": {"vcpu": 1},
        },
    ]
    result = run([vcpu], rows)
    assert brief(result) == [
        ("vm-1", "vcpu", D(48), D(48), "10 00:00", "11 00:00"),  # 2 × 24
        ("vm-1", "vcpu", D(96), D(96), "11 00:00", "12 00:00"),  # 4 × 24
        ("vm-2", "vcpu", D(12), D(12), "31 12:00", "01 00:00"),  # 1 × 12
    ]
    assert result.counts.rated == 4  # the delete closed a matched interval


def test_resize_splits_time_quantity_lines_but_not_time_lines():
    vcpu = make_product(
        "vcpu", kind=UsageKind.TIME_QUANTITY, unit="{vCPU}.h", trait="vcpu", unit_price="0.1"
    )
    rows = hourly("vm-1", "2026-10-01T00:00Z", 2, traits={"vcpu": 2}) + hourly(
        "vm-1", "2026-10-01T02:00Z", 2, traits={"vcpu": 4}
    )
    assert brief(run([vcpu, make_product()], rows)) == [
        ("vm-1", "vcpu", D(4), D("0.4"), "01 00:00", "01 02:00"),  # 2 vCPU × 2 h
        ("vm-1", "vcpu", D(8), D("0.8"), "01 02:00", "01 04:00"),  # 4 vCPU × 2 h
        ("vm-1", "vm-hours", D(4), D(4), "01 00:00", "01 04:00"),
    ]


# ---------------------------------------------------------------- price models

# vm-1: 8 h from Oct 1 00:00; vm-2: 4 h from Oct 2 → group ranges [0, 8) and [8, 12)
TWO_VMS = hourly("vm-1", "2026-10-01T00:00Z", 8) + hourly("vm-2", "2026-10-02T00:00Z", 4)
TIERS = tiers(("10", "1"), (None, "0.5"))


def amounts(price) -> list[D]:
    return [li["amount"] for li in lines(run([make_product(price=price)], TWO_VMS))]


def test_graduated_tier_boundary_inside_a_line():
    # vm-1: 8 × 1 = 8; vm-2: [8, 10) × 1 + [10, 12) × 0.5 = 3
    assert amounts(make_price(model=PriceModel.GRADUATED, tiers=TIERS)) == [D(8), D(3)]


def test_volume_prices_all_at_the_reached_tier():
    # total 12 ≥ 10 → everything at 0.5: 4 and 2
    assert amounts(make_price(model=PriceModel.VOLUME, tiers=TIERS)) == [D(4), D(2)]


def test_package_blocks():
    # N = 5, 3 each: ceil(8/5) = 2 → 6; ceil(12/5) − ceil(8/5) = 1 → 3
    assert amounts(make_price("3", model=PriceModel.PACKAGE, package_size="5")) == [D(6), D(3)]


def test_included_allowance():
    # first 10 h free: vm-1 0, vm-2 [10, 12) = 2
    assert amounts(make_price("1", included="10")) == [D(0), D(2)]


def test_minimum_charge_adds_one_line_per_group():
    result = run([make_product(price=make_price("1", minimum="20"))], TWO_VMS)
    minimum = lines(result)[0]  # resource_id null sorts first
    # 8 + 4 = 12 < 20 → top-up 8
    assert (minimum["resource_id"], minimum["usage_type"], minimum["amount"]) == (
        None,
        "minimum charge",
        D(8),
    )
    assert (minimum["start"], minimum["end"]) == (
        utc("2026-10-01T00:00Z"),
        utc("2026-11-01T00:00Z"),
    )
    assert result.totals() == {"EUR": D(20)}
    assert run([make_product(price=make_price("1", minimum="12"))], TWO_VMS).totals() == {
        "EUR": D(12)
    }


def test_groups_are_per_tenant():
    rows = TWO_VMS[:8] + [{**r, "tenant": "t2"} for r in TWO_VMS[8:]]
    # each tenant below 10: all at tier 1
    assert amounts_for(rows) == [D(8), D(4)]


def amounts_for(rows) -> list[D]:
    price = make_price(model=PriceModel.GRADUATED, tiers=TIERS)
    return [li["amount"] for li in lines(run([make_product(price=price)], rows))]


# ---------------------------------------------------------------- counts and hints


def test_counts_reconcile_across_every_outcome():
    rows = [
        {"time": "2026-10-01T00:00Z", "traits": ACTIVE},  # rated
        {"time": "2026-10-01T00:00Z", "traits": ACTIVE},  # duplicate
        {"time": "2026-10-01T01:00Z", "traits": {"state": "SHUTOFF"}},  # unmatched
        {"time": "2026-08-01T00:00Z", "traits": ACTIVE},  # outside
    ]
    counts = run([make_product(filter=[equals("state", "ACTIVE")])], rows).counts
    assert (counts.read, counts.rated, counts.duplicates, counts.unmatched) == (4, 1, 1, 1)
    assert counts.outside_period == 1 and counts.rejected == 0


def test_unmatched_hint_names_the_nearest_product_and_its_first_failure():
    products = [
        make_product(
            "vm-vcpu",
            scope=scope(location="eu-de-1"),
            filter=[Condition("state", ConditionOp.ONE_OF, ("ACTIVE",))],
        ),
        make_product("vm-gpu", filter=[equals("flavor", "gpu"), equals("state", "ACTIVE")]),
    ]
    rows = [
        {"time": "2026-10-01T00:00Z", "traits": {"state": "SHUTOFF"}},
        {"time": "2026-10-01T01:00Z", "traits": {"state": "SHUTOFF"}},
        {"time": "2026-10-01T00:00Z", "resource_id": "vm-2", "traits": {"state": "SHUTOFF"}},
    ]
    (group,) = run(products, rows).unmatched
    assert (group.resource_type, group.samples, group.resources) == ("test.vm", 3, 2)
    assert group.hint == (
        'nearest product "vm-vcpu" (eu-de-1): traits.state = "SHUTOFF", expected one of ["ACTIVE"]'
    )


# ---------------------------------------------------------------- properties

FLEET_START = utc("2026-09-30T22:00Z")
SPAN_SECONDS = 32 * 24 * 3600 + 4 * 3600

_row = st.fixed_dictionaries(
    {
        "resource_id": st.sampled_from(["a", "b", "c"]),
        "seconds": st.integers(0, SPAN_SECONDS),
        "tenant": st.sampled_from(["t1", "t2"]),
        "vcpu": st.sampled_from([1, 2, 4]),
        "ramMb": st.sampled_from([512, 1024, 3000]),
        "state": st.sampled_from(["ACTIVE", "SHUTOFF"]),
        "requests": st.integers(0, 1000),
    }
)


def _fleet(draws: list[dict]) -> list[dict]:
    return [
        {
            "time": FLEET_START + timedelta(seconds=d["seconds"]),
            "resource_id": d["resource_id"],
            "tenant": d["tenant"],
            "traits": {k: d[k] for k in ("vcpu", "ramMb", "state", "requests")},
        }
        for d in draws
    ]


MIXED = [
    make_product("hours", filter=[equals("state", "ACTIVE")], unit_price="0.05"),
    make_product(
        "ram",
        kind=UsageKind.TIME_QUANTITY,
        unit="GiBy.h",
        trait="ramMb",
        price=make_price(model=PriceModel.GRADUATED, tiers=tiers(("50", "0.01"), (None, "0.005"))),
    ),
    make_product(
        "calls",
        kind=UsageKind.QUANTITY,
        unit="1",
        trait="requests",
        price=make_price("2", model=PriceModel.PACKAGE, package_size="1000"),
    ),
    make_product("fee", kind=UsageKind.RECURRING, unit="1", prorate=True, unit_price="3"),
    make_product("setup", kind=UsageKind.ONE_TIME, unit="1", unit_price="9"),
]


@settings(max_examples=40, deadline=None)
@given(st.lists(_row, min_size=1, max_size=25), st.randoms(use_true_random=False))
def test_order_invariance_and_reconciliation(draws, rnd: random.Random):
    rows = _fleet(draws)
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    first, second = run(MIXED, rows), run(MIXED, shuffled)
    assert first.line_items.equals(second.line_items)
    assert first.counts == second.counts
    assert first.counts.read == len(rows) and first.counts.reconciles


PER_UNIT = [
    make_product("secs", unit="s", unit_price="0.001"),
    make_product(
        "mib-secs",
        kind=UsageKind.TIME_QUANTITY,
        unit="MiBy.s",
        trait="ramMb",
        unit_price="0.000001",
    ),
    make_product("hours", unit="h", unit_price="0.05"),
    make_product(
        "gib-hours", kind=UsageKind.TIME_QUANTITY, unit="GiBy.h", trait="ramMb", unit_price="0.01"
    ),
]


def _by_product(result: RatingResult, column: str) -> dict[str, D]:
    sums: dict[str, D] = {}
    for li in lines(result):
        sums[li["product_id"]] = sums.get(li["product_id"], D(0)) + li[column]
    return sums


@settings(max_examples=40, deadline=None)
@given(st.lists(_row, min_size=1, max_size=25))
def test_two_halves_sum_to_the_month(draws):
    rows = _fleet(draws)
    whole = run(PER_UNIT, rows)
    first = run(PER_UNIT, rows, period="2026-10-01/2026-10-16")
    second = run(PER_UNIT, rows, period="2026-10-16/2026-11-01")
    halves = [_by_product(first, "quantity"), _by_product(second, "quantity")]
    for product, total in _by_product(whole, "quantity").items():
        split = sum((h.get(product, D(0)) for h in halves), D(0))
        if product in ("secs", "mib-secs"):
            assert split == total  # whole seconds: exact
        else:
            # every line is rounded once: at most one extra rounding per split slice
            assert abs(split - total) <= D("1e-12") * (len(lines(whole)) + 1)
    assert first.counts.rated + second.counts.rated >= whole.counts.rated


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 30)), min_size=1, max_size=3),
)
def test_doubling_the_sampling_frequency_keeps_time_quantities(series):
    hours = make_product("hours", unit="h")
    sparse, dense = [], []
    for n, (offset_minutes, count) in enumerate(series):
        first = utc("2026-10-02T00:00Z") + timedelta(minutes=offset_minutes)
        resource = {"resource_id": f"vm-{n}", "traits": ACTIVE}
        sparse += hourly(first=first.isoformat(), count=count, **resource)
        dense += hourly(
            first=first.isoformat(), count=2 * count - 1, step=timedelta(minutes=30), **resource
        )
    assert _by_product(run([hours], sparse), "quantity") == _by_product(
        run([hours], dense), "quantity"
    )


def test_rates_a_pyarrow_batch_iterator_of_many_batches():
    rows = hourly("vm-1", "2026-10-01T00:00Z", 50, traits=ACTIVE)
    table = samples_table(rows)
    result = rate(
        make_catalog([make_product()]), iter(table.to_batches(max_chunksize=7)), Period.parse(OCT)
    )
    assert result.line_items.column("quantity").to_pylist() == [D(50)]
    assert isinstance(result.line_items, pa.Table)


def test_tenant_move_splits_the_slice_so_each_tenant_pays_its_own_hours():
    # vm-1 runs 2 h in proj-a, then 3 h in proj-b (same entry, contiguous):
    # two lines, 2 h × 1 = 2 for proj-a and 3 h × 1 = 3 for proj-b, not 5 for proj-a.
    rows = hourly("vm-1", "2026-10-01T00:00Z", 2, tenant="proj-a") + hourly(
        "vm-1", "2026-10-01T02:00Z", 3, tenant="proj-b"
    )
    result = run([make_product(unit_price="1")], rows)
    assert [(li["tenant"], li["quantity"], li["amount"]) for li in lines(result)] == [
        ("proj-a", D(2), D(2)),
        ("proj-b", D(3), D(3)),
    ]
