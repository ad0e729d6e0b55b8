"""The DuckDB engine: known answers, and equality with the reference rater.

The property tests generate small catalogs (every usage kind, price model,
condition operator, scope level and validity) and sample sets (duplicates,
lifecycle events, samples outside the period) and require the engine's line
items to equal the reference rater's exactly, Decimal for Decimal.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ratefixtures import (
    VM,
    VM_TYPE,
    equals,
    make_catalog,
    make_price,
    make_product,
    samples_table,
    tiers,
    utc,
)
from strategies import STATES, catalogs, options_st, sample_rows

from rating.model import Condition, ConditionOp, PriceModel, UsageKind
from rating.period import Period
from rating.rate import engine, reference
from rating.rate.dialect import Dialect
from rating.rate.result import LINE_ITEM_SCHEMA, RateOptions, line_item_schema

OCT = Period.parse("2026-10")
SHORT = Period.parse("2026-10-01/2026-10-03")
ACROSS = Period.parse("2026-09-30/2026-10-02")  # a month boundary inside the period


def run(catalog, rows, period=OCT, options=None, batch_size=None):
    table = samples_table(rows)
    batches = table.to_batches(max_chunksize=batch_size) if batch_size else table.to_batches()
    return engine.rate(catalog, batches, period, options)


def amounts(result):
    return [
        (r["resource_id"], r["product_id"], r["quantity"], r["amount"])
        for r in result.line_items.to_pylist()
    ]


# ---------------------------------------------------------------- known answers


def test_time_and_ram_hours_known_answer():
    catalog = make_catalog(
        [
            make_product(
                "vcpu",
                kind=UsageKind.TIME_QUANTITY,
                trait="vcpu",
                unit="{vCPU}.h",
                unit_price="0.02",
            ),
            make_product(
                "ram",
                kind=UsageKind.TIME_QUANTITY,
                trait="ramMb",
                unit="GiBy.h",
                unit_price="0.005",
            ),
        ]
    )
    traits = {"vcpu": 4, "ramMb": 1536, "state": "ACTIVE"}
    rows = [{"time": f"2026-10-01T0{h}:00:00Z", "traits": traits} for h in range(3)]
    result = run(catalog, rows)
    # 3 h × 1.5 GiBy = 4.5 GiBy.h × 0.005; 3 h × 4 vCPU = 12 × 0.02.
    assert amounts(result) == [
        ("vm-1", "ram", Decimal("4.5"), Decimal("0.0225")),
        ("vm-1", "vcpu", Decimal("12"), Decimal("0.24")),
    ]
    assert result.line_items.schema == LINE_ITEM_SCHEMA
    assert result.counts.rated == 3 and result.counts.reconciles


def test_a_catalog_without_products_leaves_every_sample_unmatched():
    one = make_catalog()
    empty = replace(one, parts=tuple(replace(part, products=()) for part in one.parts))
    rows = [{"time": f"2026-10-01T0{h}:00:00Z"} for h in range(3)]
    result = run(empty, rows)
    assert result.line_items.num_rows == 0 and result.counts.unmatched == 3
    oracle = reference.rate(empty, samples_table(rows).to_batches(), OCT)
    assert oracle.line_items.num_rows == 0 and oracle.counts == result.counts


def test_samples_before_an_entry_becomes_valid_count_as_unmatched():
    # Hourly samples at 08, 09 and 10 h; the only entry is valid from 10:30. The 08 and
    # 09 h samples end before it: unmatched; the 10 h one (10:00-11:00) is rated for
    # its last half hour.
    catalog = make_catalog([make_product(valid_from="2026-10-01T10:30:00Z")])
    rows = [{"time": f"2026-10-01T{hour:02d}:00:00Z"} for hour in (8, 9, 10)]
    oracle = reference.rate(catalog, samples_table(rows).to_batches(), OCT)
    assert (oracle.counts.rated, oracle.counts.unmatched) == (1, 2)
    assert run(catalog, rows).counts == oracle.counts


@pytest.mark.parametrize(
    ("products", "period", "times", "rated"),
    [
        # Valid until 10:30: the 10 h sample is rated for its first half hour, the
        # 11 h one is not.
        (
            [make_product(valid_until="2026-10-01T10:30:00Z")],
            OCT,
            [
                "2026-10-01T08:00:00Z",
                "2026-10-01T09:00:00Z",
                "2026-10-01T10:00:00Z",
                "2026-10-01T11:00:00Z",
            ],
            3,
        ),
        # A price change at 10:30 (one entry ends as the next starts): all rated.
        (
            [
                make_product(valid_until="2026-10-01T10:30:00Z"),
                make_product(unit_price="2", valid_from="2026-10-01T10:30:00Z"),
            ],
            OCT,
            [
                "2026-10-01T08:00:00Z",
                "2026-10-01T09:00:00Z",
                "2026-10-01T10:00:00Z",
                "2026-10-01T11:00:00Z",
            ],
            4,
        ),
        # A calendar-month entry valid from 00:30 on the month start inside the period
        # (cut there too): the 22 and 23 h samples end before it, the 00 h one reaches it.
        (
            [make_product(unit="mo_cal", valid_from="2026-10-01T00:30:00Z")],
            ACROSS,
            ["2026-09-30T22:00:00Z", "2026-09-30T23:00:00Z", "2026-10-01T00:00:00Z"],
            1,
        ),
        # The same entry valid until 00:30 instead: the 01 h sample is unmatched.
        (
            [make_product(unit="mo_cal", valid_until="2026-10-01T00:30:00Z")],
            ACROSS,
            [
                "2026-09-30T22:00:00Z",
                "2026-09-30T23:00:00Z",
                "2026-10-01T00:00:00Z",
                "2026-10-01T01:00:00Z",
            ],
            3,
        ),
    ],
    ids=["valid-until", "price-change", "month-valid-from", "month-valid-until"],
)
def test_each_sample_of_a_run_counts_by_its_own_interval(products, period, times, rated):
    # A run of equal hourly samples cut by a validity boundary inside its last sample's
    # interval: each sample counts as rated when its own interval is priced anywhere.
    catalog = make_catalog(products)
    rows = [{"time": time} for time in times]
    oracle = reference.rate(catalog, samples_table(rows).to_batches(), period)
    assert (oracle.counts.rated, oracle.counts.unmatched) == (rated, len(rows) - rated)
    result = run(catalog, rows, period)
    assert result.counts == oracle.counts
    assert result.line_items.to_pylist() == oracle.line_items.to_pylist()


def test_a_resource_changing_type_keeps_each_samples_own_interval():
    # vm-1 is a VM (hourly) at 23:30 the day before October: it covers 00:00-00:30
    # (0.5 h). Then, after October, the same id is a type sampled every 10 minutes:
    # outside the period. Judging the VM sample by the later sample's interval (10 min)
    # once called it uncovered and joined both into one run billed for all of October
    # (744 h).
    other = replace(VM_TYPE, id="test.other")
    catalog = make_catalog(resource_types=(VM_TYPE, other))
    options = RateOptions(interval_by_type={other.id: timedelta(minutes=10)})
    rows = [
        {"time": "2026-09-30T23:30:00Z"},
        {"time": "2026-11-01T01:00:00Z", "resource_type": other.id},
    ]
    batches = samples_table(rows, (VM_TYPE, other)).to_batches()
    result = engine.rate(catalog, batches, OCT, options)
    assert [line["quantity"] for line in result.line_items.to_pylist()] == [Decimal("0.5")]
    assert (result.counts.rated, result.counts.outside_period) == (1, 1)
    oracle = reference.rate(
        catalog, samples_table(rows, (VM_TYPE, other)).to_batches(), OCT, options
    )
    assert result.line_items.equals(oracle.line_items) and result.counts == oracle.counts


def test_each_sample_is_matched_as_its_own_resource_type():
    # r0 is test.other at 22:00 (no product: unmatched), then a VM at 22:20 (hourly, no
    # next sample): the VM hour is billed. The reference once matched every sample of
    # an id as its first sample's type, and the engine's hint for the VM group came
    # from the test.other sample.
    other = replace(VM_TYPE, id="test.other")
    catalog = make_catalog([make_product("p1", unit_price="1")], resource_types=(VM_TYPE, other))
    rows = [
        {"time": "2026-09-30T22:00:00Z", "resource_type": other.id},
        {"time": "2026-09-30T22:20:00Z"},
        {"time": "2026-10-02T00:00:00Z"},  # after the period: outside, not unmatched
    ]
    period = Period.parse("2026-09-30/2026-10-02")
    for rater in (engine, reference):
        result = rater.rate(catalog, samples_table(rows, (VM_TYPE, other)).to_batches(), period)
        assert [line["quantity"] for line in result.line_items.to_pylist()] == [Decimal(1)]
        assert (result.counts.rated, result.counts.unmatched) == (1, 1)
        assert [(g.resource_type, g.samples, g.hint) for g in result.unmatched] == [
            (other.id, 1, None)
        ]
    # The same product ending before the VM sample: its hint names the end, not the type.
    ended = make_product("p1", unit_price="1", valid_until="2026-09-30T22:10:00Z")
    catalog = make_catalog([ended], resource_types=(VM_TYPE, other))
    for rater in (engine, reference):
        result = rater.rate(catalog, samples_table(rows, (VM_TYPE, other)).to_batches(), period)
        (vm,) = (g for g in result.unmatched if g.resource_type == VM)
        assert "validUntil" in vm.hint and "resource_type" not in vm.hint


def test_tenant_move_splits_the_slice_like_the_reference():
    # vm-1: 2 h in proj-a then 3 h in proj-b, contiguous, same entry → two lines.
    rows = [
        {"time": utc(f"2026-10-01T0{h}:00:00Z"), "resource_id": "vm-1", "tenant": tenant}
        for h, tenant in enumerate(["proj-a"] * 2 + ["proj-b"] * 3)
    ]
    catalog = make_catalog([make_product(unit_price="1")])
    result = run(catalog, rows, batch_size=2)
    assert [(r["tenant"], r["quantity"]) for r in result.line_items.to_pylist()] == [
        ("proj-a", Decimal(2)),
        ("proj-b", Decimal(3)),
    ]
    oracle = reference.rate(catalog, samples_table(rows).to_batches(), OCT)
    assert result.line_items.equals(oracle.line_items)


def test_regex_classes_are_ascii_like_re2_on_both_raters():
    # g\d takes an ASCII digit only: vm-1 (g1) is billed 2 h × 0.5, vm-2 (g١, ARABIC-INDIC
    # DIGIT ONE) matches nothing, though Python's re without re.ASCII would bill it too.
    gpu = Condition("flavor", ConditionOp.REGEX, pattern=r"g\d")
    catalog = make_catalog([make_product("gpu", unit_price="0.5", filter=[gpu])])
    rows = [
        {"time": f"2026-10-01T0{h}:00:00Z", "resource_id": vm, "traits": {"flavor": flavor}}
        for vm, flavor in (("vm-1", "g1"), ("vm-2", "g\u0661"))
        for h in range(2)
    ]
    for result in (
        run(catalog, rows),
        reference.rate(catalog, samples_table(rows).to_batches(), OCT),
    ):
        assert amounts(result) == [("vm-1", "gpu", Decimal(2), Decimal(1))]
        assert (result.counts.rated, result.counts.unmatched) == (2, 2)


def test_graduated_tiers_across_resources_and_allowance():
    price = make_price(
        model=PriceModel.GRADUATED, tiers=tiers(("2", "1"), (None, "0.5")), included="1"
    )
    catalog = make_catalog([make_product(price=price)])
    rows = [
        {"time": "2026-10-01T00:00:00Z", "resource_id": "a"},
        {"time": "2026-10-01T01:00:00Z", "resource_id": "a"},
        {"time": "2026-10-01T02:00:00Z", "resource_id": "b"},
    ]
    # a covers [0, 2) of the group: 1 free, 1 at 1.0; b covers [2, 3) at 0.5.
    assert amounts(run(catalog, rows)) == [
        ("a", "vm-hours", Decimal(2), Decimal(1)),
        ("b", "vm-hours", Decimal(1), Decimal("0.5")),
    ]


def test_third_of_an_hour_rounds_half_even_once_per_slice():
    catalog = make_catalog([make_product(unit_price="3")])
    rows = [{"time": "2026-10-01T00:00:00Z"}, {"time": "2026-10-01T00:20:00Z"}]
    result = run(catalog, rows, options=RateOptions(interval=timedelta(minutes=20)))
    [(_, _, quantity, amount)] = amounts(result)
    assert quantity == Decimal("0.666666666667")  # 40 min, rounded once for the column
    assert amount == Decimal(2)  # the exact 2/3 h × 3, not 0.666666666667 × 3


def test_minimum_charge_and_unmatched_hint():
    catalog = make_catalog(
        [make_product(filter=[equals("state", "ACTIVE")], price=make_price("1", minimum="5"))]
    )
    rows = [
        {"time": "2026-10-01T00:00:00Z", "traits": {"state": "ACTIVE"}},
        {"time": "2026-10-01T05:00:00Z", "resource_id": "vm-2", "traits": {"state": "SHUTOFF"}},
        {"time": "2026-11-01T05:00:00Z", "resource_id": "vm-3", "traits": {"state": "ACTIVE"}},
    ]
    result = run(catalog, rows)
    lines = result.line_items.to_pylist()
    assert [(r["usage_type"], r["amount"]) for r in lines] == [
        ("minimum charge", Decimal(4)),
        ("vm-hours usage", Decimal(1)),
    ]
    assert (result.counts.rated, result.counts.unmatched, result.counts.outside_period) == (1, 1, 1)
    [group] = result.unmatched
    assert (group.resource_type, group.samples, group.resources) == (VM, 1, 1)
    assert "SHUTOFF" in group.hint and '"vm-hours"' in group.hint


def test_rate_to_file_writes_sorted_parquet(tmp_path):
    catalog = make_catalog()
    rows = [{"time": f"2026-10-01T0{h}:00:00Z", "resource_id": f"vm-{h % 2}"} for h in range(6)]
    out = tmp_path / "li.parquet"
    written = engine.rate_to_file(catalog, samples_table(rows).to_batches(), OCT, out)
    table = pq.read_table(out)
    expected = run(catalog, rows).line_items
    assert table.cast(LINE_ITEM_SCHEMA).equals(expected)
    assert written.line_items == expected.num_rows
    assert written.totals == {"EUR": Decimal(6)}


# ---------------------------------------------------------------- generated catalogs

_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(catalogs(), sample_rows(), options_st, st.sampled_from([OCT, SHORT, ACROSS]))
def test_engine_equals_reference(catalog, rows, options, period):
    table = samples_table(rows)
    expected = reference.rate(catalog, table.to_batches(), period, options)
    actual = engine.rate(catalog, table.to_batches(), period, options)
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()
    assert actual.line_items.schema == line_item_schema(catalog.dimensions.labels)
    assert actual.counts == expected.counts
    assert actual.unmatched == expected.unmatched


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs(), sample_rows(), options_st)
def test_shapes_sharing_a_hash_are_told_apart(catalog, rows, options):
    """Samples find their shape by a hash: were every hash the same, the line items
    would not change (the columns themselves decide where hashes collide)."""
    table = samples_table(rows)
    expected = reference.rate(catalog, table.to_batches(), OCT, options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Dialect, "row_hash", lambda self, columns: "0")
        actual = engine.rate(catalog, table.to_batches(), OCT, options)
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()
    assert actual.counts == expected.counts


# A resource's rows, events and samples alike, each hold until the next row: no
# instant is billed twice. Created at 10:00 (cell c0); sampled at 11:00 (cell c1),
# which holds past its hour, to the delete at 14:00, since the resource exists
# until an event ends it; sampled again at 15:00, after the delete: one hour.
# The fee, valid from 12:00, starts with the 11:00 sample's piece (cell c1).
TRAITS = {"vcpu": 2, "ramMb": 2048, "state": "ACTIVE"}
MIXED = [
    {"time": "2026-10-01T10:00:00Z", "event": "create", "cell": "c0", "traits": TRAITS},
    {"time": "2026-10-01T11:00:00Z", "cell": "c1", "traits": TRAITS},
    {"time": "2026-10-01T14:00:00Z", "event": "delete", "cell": "c1", "traits": TRAITS},
    {"time": "2026-10-01T15:00:00Z", "cell": "c1", "traits": TRAITS},
]
MIXED_CATALOG = make_catalog(
    [
        make_product(
            "fee",
            kind=UsageKind.RECURRING,
            unit="1",
            unit_price="5",
            valid_from=utc("2026-10-01T12:00:00Z"),
        ),
        make_product("hours", unit_price="3"),
    ]
)


def _at(hour: int):
    return utc(f"2026-10-01T{hour:02d}:00:00Z")


MIXED_LINES = [
    ("fee", "c1", _at(12), _at(16), Decimal(1), Decimal(5)),
    ("hours", "c0", _at(10), _at(11), Decimal(1), Decimal(3)),
    ("hours", "c1", _at(11), _at(14), Decimal(3), Decimal(9)),
    ("hours", "c1", _at(15), _at(16), Decimal(1), Decimal(3)),
]


def line_summary(result) -> list[tuple]:
    return [
        (r["product_id"], r["cell"], r["start"], r["end"], r["quantity"], r["amount"])
        for r in result.line_items.to_pylist()
    ]


@pytest.mark.parametrize("rater", [engine.rate, reference.rate], ids=["engine", "reference"])
def test_events_and_samples_cover_each_instant_once_known_answer(rater):
    result = rater(MIXED_CATALOG, samples_table(MIXED).to_batches(), OCT)
    assert line_summary(result) == MIXED_LINES
    assert (result.counts.read, result.counts.rated) == (4, 4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs(), sample_rows(), st.integers(1, 7), st.randoms(use_true_random=False))
def test_invariant_to_order_and_batch_size(catalog, rows, batch_size, rnd: random.Random):
    first = run(catalog, rows)
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    second = run(catalog, shuffled, batch_size=batch_size)
    assert second.line_items.equals(first.line_items)
    assert second.counts == first.counts
    assert second.counts.reconciles
    assert second.counts.read == len(rows)


def test_no_sample_is_both_rated_and_unmatched():
    catalog = make_catalog([make_product(filter=[equals("state", "ACTIVE")])])
    rows = [
        {"time": f"2026-10-01T{h:02d}:00:00Z", "traits": {"state": STATES[h % 2]}}
        for h in range(10)
    ]
    result = run(catalog, rows)
    assert (result.counts.rated, result.counts.unmatched) == (5, 5)
    assert result.counts.reconciles


def test_empty_input():
    result = engine.rate(make_catalog(), [], OCT)
    assert result.line_items.num_rows == 0
    assert result.line_items.schema == LINE_ITEM_SCHEMA
    assert result.counts.read == 0


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_rate_to_file_text_formats(tmp_path, fmt):
    out = tmp_path / f"li.{fmt}"
    rows = [{"time": "2026-10-01T00:00:00Z"}]
    engine.rate_to_file(make_catalog(), samples_table(rows).to_batches(), OCT, out, fmt)
    assert "vm-hours" in out.read_text()


def test_arrow_batches_are_not_copied_to_python_rows():
    # A batch of 20k rows rates without per-row Python work (smoke test for speed).
    n = 20_000
    start = utc("2026-10-01T00:00:00Z")
    table = pa.table(
        {
            **{
                name: pa.array(
                    [value] * n, type=samples_table([{"time": start}]).schema.field(name).type
                )
                for name, value in samples_table([{"time": start}]).to_pylist()[0].items()
                if name not in ("time", "resource_id")
            },
            "time": pa.array(
                [start + timedelta(hours=i % 500) for i in range(n)],
                type=LINE_ITEM_SCHEMA.field("start").type,
            ),
            "resource_id": pa.array([f"vm-{i // 500}" for i in range(n)]),
        }
    )
    result = engine.rate(make_catalog(), table.to_batches(), OCT)
    assert result.counts.rated == n
    assert sum(result.totals().values()) == Decimal(n)


@pytest.mark.parametrize("repeat", [False, True])
def test_samples_are_scanned_again_only_when_a_key_repeats(monkeypatch, repeat):
    stages: list[str] = []
    materialize = engine._materialize

    def recording(con, stage):
        stages.append(stage.name)
        materialize(con, stage)

    monkeypatch.setattr(engine, "_materialize", recording)
    rows = [{"time": f"2026-10-01T0{h}:00:00Z", "traits": {"vcpu": 2}} for h in range(4)]
    if repeat:  # the same key with other values: the smaller canonical row is kept
        rows.append({"time": "2026-10-01T01:00:00Z", "traits": {"vcpu": 1}})
    result = run(make_catalog(), rows)
    after_dupkeys = stages[stages.index("dupkeys") + 1 :]
    assert (after_dupkeys[:3] == ["kept", "events", "iv"]) == repeat
    assert stages.count("iv") == (2 if repeat else 1)
    assert result.counts.duplicates == int(repeat)
    assert result.counts.rated == 4
    assert (
        result.line_items.to_pylist()
        == reference.rate(
            make_catalog(), samples_table(rows).to_batches(), OCT
        ).line_items.to_pylist()
    )


def test_labels_the_catalog_does_not_read_do_not_pick_among_duplicates():
    """Two samples of vm-1 at 10:00: 4 vCPU unlabelled, 2 vCPU labelled team=blue. The
    catalog reads no label, so the label plays no part (a file's reader drops it): the
    smaller sample wins by its traits, 2 vCPU × 1 h, with or without the label column."""
    vcpu = make_product("vcpu", kind=UsageKind.TIME_QUANTITY, unit="{vCPU}.h", trait="vcpu")
    catalog = make_catalog([vcpu])
    rows = [
        {"time": "2026-10-01T10:00:00Z", "traits": {"vcpu": 4}, "label.team": None},
        {"time": "2026-10-01T10:00:00Z", "traits": {"vcpu": 2}, "label.team": "blue"},
    ]
    unlabelled = [{k: v for k, v in row.items() if k != "label.team"} for row in rows]
    for table in (samples_table(rows), samples_table(unlabelled)):
        for rater in (engine, reference):
            result = rater.rate(catalog, table.to_batches(), OCT)
            assert [li["quantity"] for li in result.line_items.to_pylist()] == [Decimal(2)]
            assert result.counts.duplicates == 1
