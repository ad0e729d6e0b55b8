"""Aggregate pricing rules (semantics §6) as pure functions, with hand-computed answers."""

from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from ratefixtures import make_price, tiers

from rating.model import PriceModel
from rating.rate.pricing import (
    line_amount,
    list_unit_price,
    minimum_top_up,
    packages,
    price_group,
    round_money,
    volume_price,
)

GRADUATED = tiers(("10", "1"), ("20", "0.5"), (None, "0.25"))


def test_round_money_is_half_even_on_exact_rationals():
    # 1/3 = 0.333333333333|33… → down; 5e-13 exactly half → to even (0); 15e-13 → 2e-12.
    assert round_money(Fraction(1, 3)) == D("0.333333333333")
    assert round_money(Fraction(5, 10**13)) == D("0.000000000000")
    assert round_money(Fraction(15, 10**13)) == D("0.000000000002")
    assert round_money(D("2.0000000000005")) == D("2.000000000000")
    assert round_money(Fraction(-1, 3)) == D("-0.333333333333")


def test_per_unit_with_allowance_prices_only_the_part_above_it():
    price = make_price("2", included="10")
    # [8, 12) with 10 free: billable [10, 12) = 2 units × 2 = 4
    assert line_amount(price, D(8), D(12), D(12)) == D(4)
    assert line_amount(price, D(0), D(8), D(12)) == D(0)


def test_graduated_splits_a_line_at_tier_boundaries():
    price = make_price(model=PriceModel.GRADUATED, tiers=GRADUATED)
    # [5, 25): 5 × 1 (5..10) + 10 × 0.5 (10..20) + 5 × 0.25 (20..25) = 5 + 5 + 1.25
    assert line_amount(price, D(5), D(25), D(25)) == D("11.25")


def test_graduated_allowance_is_removed_on_the_raw_axis():
    price = make_price(model=PriceModel.GRADUATED, tiers=GRADUATED, included="12")
    # [5, 25) ∩ [12, ∞) = [12, 25): 8 × 0.5 (12..20) + 5 × 0.25 = 5.25
    assert line_amount(price, D(5), D(25), D(25)) == D("5.25")


def test_volume_prices_everything_at_the_tier_of_the_group_total():
    price = make_price(model=PriceModel.VOLUME, tiers=GRADUATED)
    assert volume_price(GRADUATED, D("9.99")) == D(1)
    assert volume_price(GRADUATED, D(10)) == D("0.5")  # up_to is exclusive
    assert volume_price(GRADUATED, D(1000)) == D("0.25")
    # line [0, 4) of a group totalling 15 → 4 × 0.5
    assert line_amount(price, D(0), D(4), D(15)) == D(2)


def test_package_counts_blocks_started_after_the_allowance():
    # N = 5: [0, 8) starts blocks 1-2; [8, 12) starts block 3 (ceil 12/5 = 3, ceil 8/5 = 2)
    assert packages(D(0), D(8), D(5), D(0)) == 2
    assert packages(D(8), D(12), D(5), D(0)) == 1
    # 3 free: [0, 8) → billable 0..5 → 1 block; [8, 12) → 5..9 → ceil(9/5) − ceil(5/5) = 1
    assert packages(D(0), D(8), D(5), D(3)) == 1
    assert packages(D(8), D(12), D(5), D(3)) == 1
    price = make_price("3", model=PriceModel.PACKAGE, package_size="5")
    assert line_amount(price, D(8), D(12), D(12)) == D(3)


def test_list_unit_price_column():
    assert list_unit_price(make_price("0.7")) == D("0.7")
    assert list_unit_price(make_price(model=PriceModel.GRADUATED, tiers=GRADUATED)) == D(1)
    assert list_unit_price(make_price("3", model=PriceModel.PACKAGE, package_size="5")) == D(3)


def test_minimum_top_up():
    assert minimum_top_up(D(12), [make_price(minimum="20")]) == D(8)
    assert minimum_top_up(D(20), [make_price(minimum="20")]) is None
    assert minimum_top_up(D(1), [make_price()]) is None
    assert minimum_top_up(D(1), [make_price(minimum="5"), make_price(minimum="7")]) == D(6)


def test_price_group_assigns_consecutive_ranges():
    price = make_price(model=PriceModel.GRADUATED, tiers=GRADUATED)
    priced = price_group([(D(8), price), (D(4), price)])
    assert [(p.a, p.b) for p in priced] == [(D(0), D(8)), (D(8), D(12))]
    # 8 × 1 = 8; 2 × 1 + 2 × 0.5 = 3
    assert [p.amount for p in priced] == [D(8), D(3)]


_quantities = st.lists(
    st.decimals(min_value=0, max_value=100, places=3, allow_nan=False), min_size=1, max_size=8
)


@settings(max_examples=50, deadline=None)
@given(_quantities)
def test_graduated_lines_sum_to_the_group_total(quantities):
    """However the group is cut into lines, the amounts sum to pricing it as one line."""
    price = make_price(model=PriceModel.GRADUATED, tiers=GRADUATED, included="3")
    total = sum(quantities, D(0))
    whole = price_group([(total, price)])[0].amount
    assert sum(p.amount for p in price_group([(q, price) for q in quantities])) == whole


@settings(max_examples=50, deadline=None)
@given(_quantities, st.integers(1, 7))
def test_package_lines_sum_to_the_group_total(quantities, size):
    price = make_price("2", model=PriceModel.PACKAGE, package_size=str(size), included="1")
    total = sum(quantities, D(0))
    whole = price_group([(total, price)])[0].amount
    assert sum(p.amount for p in price_group([(q, price) for q in quantities])) == whole
