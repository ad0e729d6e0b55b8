"""Known-answer and property tests for tenant usage reports (rating.report)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ratefixtures import (
    discounts_catalog,
    make_catalog,
    make_discount,
    make_price,
    make_product,
    samples_table,
)

from rating.errors import RatecardError
from rating.model import (
    Catalog,
    Discount,
    DiscountRule,
    DiscountScope,
    DiscountSelector,
    DiscountTier,
    FxRate,
)
from rating.period import Period
from rating.rate import engine, reference
from rating.rate.result import LINE_ITEM_SCHEMA, line_item_schema
from rating.report import build_reports, chargeback_summary
from rating.report.build import _row_key, canonical_order
from rating.report.discounts import choose_tier
from rating.report.files import to_csv, write_parquet
from rating.report.lines import LINES_SCHEMA, report_lines, report_rows
from rating.report.render_json import render_json
from rating.report.render_table import render_chargeback_table, render_table

PERIOD = Period.parse("2026-10")
START = PERIOD.start


def item(**fields) -> dict:
    """A line item with defaults; ``amount`` as text so tests read like the hand computation."""
    hour = fields.pop("hour", 0)
    row = {
        "period": "2026-10",
        "tenant": "t1",
        "platform_type": "OpenStack",
        "location": "eu-de-1",
        "platform_instance": "pike",
        "resource_id": "vm-1",
        "resource_type": "openstack.nova.server",
        "resource_name": "web-1",
        "product_id": "vm-vcpu",
        "product_name": "vCPU",
        "seller_id": "operator",
        "seller_product_group": "compute",
        "usage_type": "vCPU hours",
        "quantity": "1",
        "unit": "h",
        "unit_price": "0",
        "amount": "0",
        "currency": "EUR",
        "start": START + timedelta(hours=hour),
        "end": START + timedelta(hours=hour + 1),
        "catalog_version": "v1",
    }
    row.update(fields)
    for money in ("quantity", "unit_price", "amount"):
        row[money] = Decimal(row[money])
    return row


def table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=LINE_ITEM_SCHEMA)


def one(rows: list[dict], *discounts: Discount, **options):
    (report,) = build_reports(discounts_catalog(*discounts), table(rows), PERIOD, **options)
    return report


# ---------------------------------------------------------------- rounding


def test_rounding_happens_once_per_top_level_line():
    # Naive per-line rounding: 3 × round(0.333333) = 0.99; the report rounds 0.999999 → 1.00.
    rows = [item(resource_id=f"vm-{i}", amount="0.333333") for i in range(3)]
    report = one(rows)
    (line,) = report.lines
    assert line.exact_amount == Decimal("0.999999")
    assert line.amount == Decimal("1.00")
    assert line.rounding_difference == Decimal("0.000001")
    assert report.totals[0].amount == Decimal("1.00")
    (product,) = line.details
    assert [r.amount for r in product.resources] == [Decimal("0.333333")] * 3


def test_rounding_modes_and_minor_units():
    rows = [item(amount="2.345"), item(currency="JPY", amount="10.5", resource_id="vm-2")]
    even = one(rows)
    assert [(x.currency, x.amount) for x in even.lines] == [
        ("EUR", Decimal("2.34")),
        ("JPY", Decimal("10")),
    ]
    up = one(rows, rounding=ROUND_HALF_UP)
    assert [x.amount for x in up.lines] == [Decimal("2.35"), Decimal("11")]
    down = one(rows, rounding=ROUND_DOWN)
    assert [x.amount for x in down.lines] == [Decimal("2.34"), Decimal("10")]
    assert up.rounding == "half-up" and even.rounding == "half-even"


def test_tenant_total_is_sum_of_rounded_lines():
    rows = [
        item(seller_product_group="compute", amount="0.004"),
        item(seller_product_group="storage", amount="0.004", product_id="vol"),
    ]
    report = one(rows)
    assert [line.amount for line in report.lines] == [Decimal("0.00"), Decimal("0.00")]
    (total,) = report.totals
    assert total.amount == Decimal("0.00")
    assert total.exact_amount == Decimal("0.008")
    assert total.rounding_difference == Decimal("-0.008")


# ---------------------------------------------------------------- structure


def test_top_level_lines_group_by_seller_group_currency_with_drill_down():
    rows = [
        item(amount="1.5", hour=0),
        item(amount="2.5", hour=1),
        item(resource_id="vm-2", amount="4"),
        item(product_id="vm-ram", product_name="RAM", usage_type="RAM GiB hours", amount="3"),
        item(seller_id="partner", seller_product_group="dbaas", amount="7"),
        item(currency="USD", amount="5"),
    ]
    report = one(rows)
    keys = [(x.seller_id, x.seller_product_group, x.currency) for x in report.lines]
    assert keys == [
        ("operator", "compute", "EUR"),
        ("operator", "compute", "USD"),
        ("partner", "dbaas", "EUR"),
    ]
    compute = report.lines[0]
    assert compute.exact_amount == Decimal("11")
    assert [(d.product_id, d.amount) for d in compute.details] == [
        ("vm-ram", Decimal("3")),
        ("vm-vcpu", Decimal("8")),
    ]
    vcpu = compute.details[1]
    assert vcpu.quantity == Decimal("3")
    assert [(r.resource_id, r.amount, len(r.slices)) for r in vcpu.resources] == [
        ("vm-1", Decimal("4"), 2),
        ("vm-2", Decimal("4"), 1),
    ]
    assert vcpu.resources[0].slices[1].start == START + timedelta(hours=1)
    assert [(t.currency, t.amount) for t in report.totals] == [
        ("EUR", Decimal("18.00")),
        ("USD", Decimal("5.00")),
    ]


def test_slices_of_a_resource_are_in_time_order():
    """Time decides before any other column: a 5-hour slice from 00:00 comes before 05:00."""
    rows = [
        item(hour=5, quantity="1", amount="1", location="eu-de-1"),
        item(hour=0, quantity="5", amount="5", location="eu-de-2"),  # migrated at 05:00
        item(hour=6, quantity="1", amount="1", location="eu-de-1"),
    ]
    rows[1]["end"] = START + timedelta(hours=5)
    (resource,) = one(rows).lines[0].details[0].resources
    assert [(s.start.hour, s.end.hour) for s in resource.slices] == [(0, 5), (5, 6), (6, 7)]


def test_metadata_defaults_make_output_reproducible():
    report = one([item(amount="1")])
    assert report.generated_at == PERIOD.end
    assert report.catalog_version == "v1"
    assert (report.period_start, report.period_end) == (PERIOD.start, PERIOD.end)
    stamp = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert one([item(amount="1")], generated_at=stamp).generated_at == stamp


def test_one_report_per_tenant_sorted():
    rows = [item(tenant="b", amount="1"), item(tenant="a", amount="2"), item(tenant=None)]
    reports = build_reports(discounts_catalog(), table(rows), PERIOD)
    assert [r.tenant for r in reports] == ["(no tenant)", "a", "b"]


def test_line_items_of_another_period_are_an_error():
    with pytest.raises(RatecardError, match="period '2026-09'"):
        one([item(period="2026-09")])


# ---------------------------------------------------------------- discounts and fees


def test_fixed_percentage_discount():
    rows = [item(amount="100.123456"), item(resource_id="vm-2", amount="20")]
    report = one(rows, make_discount(DiscountRule.FIXED_PERCENTAGE, percentage=Decimal("-5")))
    (line,) = report.discounts
    assert line.source_amount == Decimal("120.123456")
    # -5 % of 120.123456 = -6.0061728, rounded half-even to -6.01
    assert line.exact_amount == Decimal("-6.006172800000")
    assert line.amount == Decimal("-6.01")
    assert line.seller_id == "operator"
    assert report.totals[0].amount == Decimal("120.12") + Decimal("-6.01")


def test_fee_is_positive():
    fee = make_discount(
        DiscountRule.FIXED_PERCENTAGE, percentage=Decimal("2.5"), display_name="Ops fee"
    )
    report = one([item(amount="40")], fee)
    assert report.discounts[0].amount == Decimal("1.00")
    assert report.totals[0].amount == Decimal("41.00")


TIERS = (
    DiscountTier(Decimal("100"), Decimal("-5")),
    DiscountTier(Decimal("1000"), Decimal("-10")),
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("99.999999", None),  # below the smallest threshold: no line
        ("100", "-5.00"),  # threshold reached exactly: that tier
        ("999.99", "-50.00"),  # -49.9995 rounds half-even to -50.00
        ("1000", "-100.00"),
        ("5000", "-500.00"),  # the highest threshold exceeded wins
    ],
)
def test_tiered_percentage_boundaries(source, expected):
    rule = make_discount(DiscountRule.TIERED_PERCENTAGE, tiers=TIERS)
    report = one([item(amount=source)], rule)
    assert [d.amount for d in report.discounts] == ([] if expected is None else [Decimal(expected)])


def test_tiered_fixed_amount_in_its_currency():
    rule = make_discount(
        DiscountRule.TIERED_FIXED_AMOUNT,
        tiers=(
            DiscountTier(Decimal("50"), Decimal("-10")),
            DiscountTier(Decimal("0"), Decimal("-1")),
        ),
        currency="EUR",
    )
    report = one([item(amount="75"), item(currency="USD", amount="500", resource_id="x")], rule)
    (line,) = report.discounts
    assert (line.currency, line.threshold, line.amount) == ("EUR", Decimal("50"), Decimal("-10.00"))


def test_choose_tier_unordered_tiers():
    tiers = (TIERS[1], TIERS[0])
    assert choose_tier(tiers, Decimal("1500")) == TIERS[1]
    assert choose_tier(tiers, Decimal("150")) == TIERS[0]
    assert choose_tier(tiers, Decimal("10")) is None


def test_discount_scope_regexes_full_match_and_scope_selector():
    regex = DiscountScope(
        seller_id="oper.*", product_display_name="vCPU", usage_type_display_name=".*"
    )
    rule = make_discount(
        DiscountRule.FIXED_PERCENTAGE, percentage=Decimal("-10"), discount_scope=regex
    )
    rows = [
        item(amount="10"),
        item(product_name="vCPU premium", amount="1000"),  # "vCPU" must match fully
        item(seller_id="partner", amount="1000"),
        item(location="eu-de-2", amount="20"),
    ]
    assert one(rows, rule).discounts[0].source_amount == Decimal("30")
    located = make_discount(
        DiscountRule.FIXED_PERCENTAGE,
        percentage=Decimal("-10"),
        discount_scope=regex,
        scope=DiscountSelector("OpenStack", "eu-de-2", "pike"),
    )
    assert one(rows, located).discounts[0].source_amount == Decimal("20")


def test_discount_validity():
    mid = START + timedelta(days=10)
    rows = [item(amount="10", hour=0), item(amount="30", hour=24 * 15)]
    late = make_discount(DiscountRule.FIXED_PERCENTAGE, percentage=Decimal("-10"), valid_from=mid)
    assert one(rows, late).discounts[0].source_amount == Decimal("30")
    expired = make_discount(
        DiscountRule.FIXED_PERCENTAGE, percentage=Decimal("-10"), valid_until=PERIOD.start
    )
    assert one(rows, expired).discounts == ()


def test_discount_on_unrounded_source_one_line_per_discount_currency():
    rows = [item(amount="0.333333", resource_id=f"vm-{i}") for i in range(3)]
    rows += [item(currency="USD", amount="10")]
    half = {"rule": DiscountRule.FIXED_PERCENTAGE, "percentage": Decimal("-50")}
    report = one(rows, make_discount(**half), make_discount(**half, id="usd", currency="USD"))
    assert [(d.currency, d.source_amount, d.amount) for d in report.discounts] == [
        ("EUR", Decimal("0.999999"), Decimal("-0.50")),  # -0.4999995 → -0.50
        ("USD", Decimal("10"), Decimal("-5.00")),
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"rule": DiscountRule.FIXED_PERCENTAGE, "percentage": Decimal("-10")},
        {
            "rule": DiscountRule.TIERED_PERCENTAGE,
            "tiers": (DiscountTier(Decimal(0), Decimal(-10)),),
        },
        {
            "rule": DiscountRule.TIERED_FIXED_AMOUNT,
            "tiers": (DiscountTier(Decimal(50), Decimal(-7)),),
        },
    ],
    ids=lambda fields: fields["rule"].value,
)
def test_every_rule_counts_only_line_items_in_its_currency(fields):
    """One currency rule for all three kinds: CHF 40 + 30 count, EUR 1000 never does."""
    rows = [
        item(currency="CHF", amount="40"),
        item(currency="CHF", amount="30", resource_id="vm-2"),
        item(amount="1000", resource_id="vm-3"),
    ]
    report = one(rows, make_discount(**fields, currency="CHF"))
    (line,) = report.discounts
    # 70 CHF: -10 % = -7.00 CHF; the fixed tier (threshold 50 ≤ 70) is -7 CHF too
    assert (line.currency, line.source_amount, line.amount) == (
        "CHF",
        Decimal("70"),
        Decimal("-7.00"),
    )
    totals = {t.currency: t.amount for t in report.totals}
    assert totals == {"CHF": Decimal("63.00"), "EUR": Decimal("1000.00")}


def test_global_discount_spans_platforms():
    """No platform in the selector: a commitment discount over OpenStack and Kubernetes."""
    rows = [
        item(amount="600"),
        item(platform_type="Kubernetes", location="k8s-1", resource_id="pod-1", amount="500"),
        item(platform_type="CloudFoundry", resource_id="app-1", amount="100", tenant="t1"),
    ]
    commitment = make_discount(
        DiscountRule.TIERED_PERCENTAGE,
        tiers=(DiscountTier(Decimal(0), Decimal(-1)), DiscountTier(Decimal(1000), Decimal(-3))),
        scope=DiscountSelector(),
    )
    only_openstack = make_discount(DiscountRule.TIERED_PERCENTAGE, tiers=commitment.tiers, id="os")
    report = one(rows, commitment, only_openstack)
    # global: 600 + 500 + 100 = 1200 ≥ 1000 → -3 % = -36.00; OpenStack alone: 600 → -1 % = -6.00
    assert [(d.discount_id, d.source_amount, d.amount) for d in report.discounts] == [
        ("d-TieredPercentage", Decimal("1200"), Decimal("-36.00")),
        ("os", Decimal("600"), Decimal("-6.00")),
    ]
    assert report.totals[0].amount == Decimal("1158.00")
    per_tenant = make_discount(
        DiscountRule.FIXED_PERCENTAGE,
        percentage=Decimal("-10"),
        scope=DiscountSelector(tenant="t2"),
    )
    assert one(rows, per_tenant).discounts == ()  # every field set must match, tenant too


def _hours(resource_id: str, first_hour: int, count: int, location: str) -> list[dict]:
    first = START + timedelta(hours=first_hour)
    return [
        {"time": first + timedelta(hours=i), "resource_id": resource_id, "location": location}
        for i in range(count)
    ]


@pytest.mark.parametrize("rater", [engine, reference], ids=["duckdb", "reference"])
@pytest.mark.parametrize(
    ("second_location", "minimum_location", "located", "platform"),
    [
        # One location: the top-up line is in it, so the eu-de-1 discount reaches it:
        # 8 h + 4 h at 1 EUR = 12, minimum 20 → top-up 8; -10 % of 20 = -2.00 either way.
        ("eu-de-1", "eu-de-1", ("20", "-2.00"), ("20", "-2.00")),
        # Two locations: the top-up belongs to neither (null), only to OpenStack as a whole.
        ("eu-de-2", None, ("8", "-0.80"), ("20", "-2.00")),
    ],
)
def test_scoped_discount_reaches_the_minimum_charge_line(
    rater, second_location, minimum_location, located, platform
):
    product = make_product(price=make_price("1", minimum="20"))
    samples = _hours("vm-1", 0, 8, "eu-de-1") + _hours("vm-2", 24, 4, second_location)
    items = rater.rate(make_catalog([product]), samples_table(samples).to_batches(), PERIOD)
    minimum = next(r for r in items.line_items.to_pylist() if r["usage_type"] == "minimum charge")
    assert minimum["amount"] == Decimal(8)
    assert (minimum["tenant"], minimum["platform_type"], minimum["platform_instance"]) == (
        "t1",
        "OpenStack",
        "pike",
    )
    assert minimum["location"] == minimum_location
    ten_percent = {"rule": DiscountRule.FIXED_PERCENTAGE, "percentage": Decimal("-10")}
    rules = (
        make_discount(**ten_percent, id="located", scope=DiscountSelector(location="eu-de-1")),
        make_discount(**ten_percent, id="platform"),
    )
    (report,) = build_reports(discounts_catalog(*rules), items.line_items, PERIOD)
    assert [(d.source_amount, d.amount) for d in report.discounts] == [
        (Decimal(located[0]), Decimal(located[1])),
        (Decimal(platform[0]), Decimal(platform[1])),
    ]


def test_bad_discount_regex_is_one_line_error():
    rule = make_discount(
        DiscountRule.FIXED_PERCENTAGE, percentage=Decimal(1), discount_scope=DiscountScope("(")
    )
    with pytest.raises(RatecardError, match=r"discountScope\.sellerId: bad regex"):
        one([item()], rule)


# ---------------------------------------------------------------- currencies


def test_base_currency_conversion():
    fx = (FxRate("USD", "EUR", Decimal("0.9")),)
    rows = [item(amount="10.004"), item(currency="USD", amount="3.333333")]
    (report,) = build_reports(
        discounts_catalog(fx_rates=fx), table(rows), PERIOD, base_currency="EUR"
    )
    eur, usd = report.lines
    assert (eur.conversion.exchange_rate, eur.conversion.base_amount) == (
        Decimal(1),
        Decimal("10.00"),
    )
    # 3.333333 × 0.9 = 2.9999997 → 3.00
    assert (usd.amount, usd.conversion.base_amount) == (Decimal("3.33"), Decimal("3.00"))
    assert report.base_total == Decimal("13.00")
    assert [t.currency for t in report.totals] == ["EUR", "USD"]  # kept apart


def test_group_subtotals_carry_their_base_currency_amounts():
    """Each group's subtotal per currency has the Σ of its lines' converted amounts."""
    fx = (FxRate("USD", "EUR", Decimal("0.9")),)
    rows = [
        item(amount="10.004"),  # 10.00 EUR
        item(currency="USD", amount="3.333333"),  # 3.33 USD; × 0.9 = 2.9999997 → 3.00 EUR
        item(currency="USD", amount="1.111111", seller_product_group="storage"),  # → 1.00 EUR
    ]
    options = {"base_currency": "EUR", "by": "product-group"}
    (report,) = build_reports(discounts_catalog(fx_rates=fx), table(rows), PERIOD, **options)
    compute, storage = report.groups
    assert [(t.currency, t.amount, t.base_amount) for t in compute.totals] == [
        ("EUR", Decimal("10.00"), Decimal("10.00")),
        ("USD", Decimal("3.33"), Decimal("3.00")),
    ]
    assert [(t.currency, t.amount, t.base_amount) for t in storage.totals] == [
        ("USD", Decimal("1.11"), Decimal("1.00"))
    ]
    assert report.base_total == Decimal("14.00")  # = 10.00 + 3.00 + 1.00, the groups' sum
    document = json.loads(render_json(report))
    assert document["groups"][1]["totals"] == [
        {
            "currency": "USD",
            "amount": "1.11",
            "exactAmount": "1.111111000000",
            "roundingDifference": "-0.001111000000",
            "baseAmount": "1.00",
        }
    ]
    groups = [row for row in report_rows([report]) if row["level"] == "group"]
    assert [(r["currency"], r["base_amount"], r["base_currency"]) for r in groups] == [
        ("EUR", Decimal("10.00"), "EUR"),
        ("USD", Decimal("3.00"), "EUR"),
        ("USD", Decimal("1.00"), "EUR"),
    ]
    (storage_row,) = [r for r in render_table(report).splitlines() if "product-group: storage" in r]
    assert storage_row.split()[-1] == "1.00"


def test_run_fx_overrides_catalog():
    rows = [item(currency="USD", amount="10")]
    cat = discounts_catalog(fx_rates=(FxRate("USD", "EUR", Decimal("0.9")),))
    run = [FxRate("USD", "EUR", Decimal("0.8"))]
    (report,) = build_reports(cat, table(rows), PERIOD, fx=run, base_currency="EUR")
    assert report.lines[0].conversion.base_amount == Decimal("8.00")


def test_missing_rate_names_the_pair():
    with pytest.raises(RatecardError, match="no exchange rate from USD to CHF"):
        one([item(currency="USD")], base_currency="CHF")


# ---------------------------------------------------------------- outputs


def test_outputs_are_reproducible_and_complete(tmp_path):
    rows = [item(amount="1.25"), item(resource_id="vm-2", amount="2", hour=3)]
    rule = make_discount(DiscountRule.FIXED_PERCENTAGE, percentage=Decimal("-10"))
    first = build_reports(discounts_catalog(rule), table(rows), PERIOD)
    again = build_reports(discounts_catalog(rule), table(rows[::-1]), PERIOD)
    assert render_json(first[0]) == render_json(again[0])
    document = json.loads(render_json(first[0]))
    assert list(document)[:4] == ["tenant", "period", "generatedAt", "catalog"]
    assert document["lines"][0]["amount"] == "3.25"
    assert document["discounts"][0]["amount"] == "-0.32"  # -0.325 half-even
    assert document["totals"] == [
        {
            "currency": "EUR",
            "amount": "2.93",
            "exactAmount": "2.925000000000",
            "roundingDifference": "0.005000000000",
        }
    ]
    lines = report_lines(first)
    assert lines.column("level").to_pylist() == [
        "seller",
        "product",
        "resource",
        "slice",
        "resource",
        "slice",
        "discount",
    ]
    csv_text = to_csv(report_rows(first), LINES_SCHEMA.names)
    assert csv_text == to_csv(report_rows(again), LINES_SCHEMA.names)
    assert csv_text.splitlines()[1].startswith(f"{first[0].report_version},t1,2026-10,seller,")
    write_parquet(lines, tmp_path / "a.parquet")
    write_parquet(report_lines(again), tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert "Tenant usage report: t1" in render_table(first[0])


def test_report_version_changes_with_corrected_input():
    base = one([item(amount="1")]).report_version
    assert one([item(amount="1")]).report_version == base
    assert one([item(amount="1.01")]).report_version != base
    assert (
        build_reports(Catalog("test", "v2", (), ()), table([item(amount="1")]), PERIOD)[
            0
        ].report_version
        != base
    )


def test_chargeback_summary_per_tenant_seller_currency():
    rows = [
        item(tenant="a", amount="0.333333", resource_id="1"),
        item(tenant="a", amount="0.333333", resource_id="2"),
        item(tenant="a", seller_id="partner", amount="5"),
        item(tenant="b", currency="USD", amount="2"),
    ]
    fee = make_discount(DiscountRule.FIXED_PERCENTAGE, percentage=Decimal("10"))
    summary = chargeback_summary(build_reports(discounts_catalog(fee), table(rows), PERIOD))
    assert [(r.tenant, r.seller_id, r.currency, r.amount) for r in summary] == [
        ("a", "operator", "EUR", Decimal("0.67") + Decimal("0.57")),  # fee: 10 % of 5.666666
        ("a", "partner", "EUR", Decimal("5.00")),
        ("b", "operator", "USD", Decimal("2.00")),  # an EUR fee: USD line items never count
    ]
    assert "Chargeback summary" in render_chargeback_table(summary)


# ---------------------------------------------------------------- properties

amounts = st.decimals(min_value=-1000, max_value=10000, places=12, allow_nan=False)
rows_strategy = st.lists(
    st.builds(
        lambda tenant, seller, currency, product, resource, hour, amount: item(
            tenant=tenant,
            seller_id=seller,
            currency=currency,
            product_id=product,
            resource_id=resource,
            hour=hour,
            amount=str(amount),
        ),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["operator", "partner"]),
        st.sampled_from(["EUR", "USD", "JPY"]),
        st.sampled_from(["p1", "p2"]),
        st.sampled_from(["r1", "r2", "r3"]),
        st.integers(0, 700),
        amounts,
    ),
    min_size=1,
    max_size=25,
)
PROPERTY_DISCOUNT = make_discount(DiscountRule.TIERED_PERCENTAGE, tiers=TIERS)


@settings(max_examples=40, deadline=None)
@given(rows_strategy)
def test_details_sum_to_top_level_exact_amount(rows):
    for report in build_reports(discounts_catalog(), table(rows), PERIOD):
        for line in report.lines:
            assert sum(d.amount for d in line.details) == line.exact_amount
            for detail in line.details:
                assert sum(r.amount for r in detail.resources) == detail.amount
                for resource in detail.resources:
                    assert sum(s.amount for s in resource.slices) == resource.amount
        for total in report.totals:
            priced = [*report.lines, *report.discounts]
            assert total.amount == sum(x.amount for x in priced if x.currency == total.currency)


@settings(max_examples=30, deadline=None)
@given(rows_strategy, st.randoms(use_true_random=False))
def test_order_invariance_and_tenant_split(rows, random):
    cat = discounts_catalog(PROPERTY_DISCOUNT)
    whole = [render_json(r) for r in build_reports(cat, table(rows), PERIOD)]
    shuffled = rows[:]
    random.shuffle(shuffled)
    assert [render_json(r) for r in build_reports(cat, table(shuffled), PERIOD)] == whole
    split = []
    for tenant in sorted({row["tenant"] for row in rows}):
        mine = [row for row in rows if row["tenant"] == tenant]
        split += [render_json(r) for r in build_reports(cat, table(mine), PERIOD)]
    assert split == whole


def _column_values(field: pa.Field) -> st.SearchStrategy:
    """Few distinct values per column (so rows tie on leading columns), nulls included."""
    if pa.types.is_decimal(field.type):
        values = st.sampled_from([Decimal("0"), Decimal("-1.5"), Decimal("2"), Decimal("10.25")])
    elif pa.types.is_timestamp(field.type):
        values = st.sampled_from([datetime(2026, 10, d, tzinfo=UTC) for d in (1, 2, 31)])
    else:  # code points whose UTF-8 bytes order them as Python does: ASCII, é, 한, 😀
        values = st.text(alphabet="aAzé한😀 ", max_size=2)
    return st.none() | values


canonical_rows = st.lists(
    st.fixed_dictionaries({f.name: _column_values(f) for f in LINE_ITEM_SCHEMA}), max_size=30
)


@settings(max_examples=60, deadline=None)
@given(canonical_rows)
def test_arrow_sorts_line_items_as_python_sorts_report_rows(rows):
    """The report sorts its rows in Arrow (canonical_order): exactly Python's stable sort
    by _row_key, nulls first, text by code point, rows equal in it in input order."""
    numbered = [{**row, "label.n": f"{i:03d}"} for i, row in enumerate(rows)]
    for row in numbered[1::3]:  # some rows equal in every sorted column
        row.update(numbered[0], **{"label.n": row["label.n"]})
    items = pa.Table.from_pylist(numbered, schema=line_item_schema(["n"]))
    assert canonical_order(items).to_pylist() == sorted(items.to_pylist(), key=_row_key)
