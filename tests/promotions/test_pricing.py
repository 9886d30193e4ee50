"""The discount arithmetic, in whole pence: examples of the rounding, and properties
that hold for any basket (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop.catalogue.models import Product
from shop.orders.models import OrderLine
from shop.promotions import pricing
from shop.promotions.models import Promotion
from shop.promotions.services import PricedLine, PromoRefused, Refusal, evaluate

# No time limit per example: the machine running the suite may be busy (the first example
# also sets up the models' mappers).
relaxed = settings(deadline=None)

line_totals = st.lists(st.integers(min_value=0, max_value=500_000), min_size=1, max_size=12)


def test_percentages_round_to_the_nearest_penny_halves_up():
    assert pricing.percent_of(5, 10) == 1  # 0.5p rounds up
    assert pricing.percent_of(4, 10) == 0  # 0.4p rounds down
    assert pricing.percent_of(1999, 15) == 300  # 299.85p
    assert pricing.percent_of(4250, 100) == 4250


def test_an_amount_off_never_exceeds_what_it_comes_off():
    assert pricing.amount_off(1800, 500) == 500
    assert pricing.amount_off(300, 500) == 300


def test_the_leftover_pence_go_to_the_largest_remainders_then_the_earlier_line():
    # 100p over 3 equal lines: 33.33 each, the spare penny to the first.
    assert pricing.allocate(100, [1000, 1000, 1000]) == [34, 33, 33]
    # 10p over 1800 and 2450: exact shares 4.235... and 5.764...: the larger fraction wins.
    assert pricing.allocate(10, [1800, 2450]) == [4, 6]
    assert pricing.allocate(0, [500, 0]) == [0, 0]


def test_nothing_is_shared_over_nothing():
    with pytest.raises(ValueError):
        pricing.allocate(5, [0, 0])


@relaxed
@given(line_totals, st.integers(min_value=0, max_value=100))
def test_a_percentage_never_exceeds_the_eligible_subtotal_and_the_lines_sum_to_it(totals, percent):
    eligible = sum(totals)
    discount = pricing.percent_of(eligible, percent)
    assert 0 <= discount <= eligible
    shares = pricing.allocate(discount, totals)
    assert sum(shares) == discount
    assert all(0 <= share <= total for share, total in zip(shares, totals, strict=True))
    # Within a penny of each line's exact share.
    if eligible:
        for share, total in zip(shares, totals, strict=True):
            assert abs(share * eligible - discount * total) < eligible


@relaxed
@given(line_totals, st.integers(min_value=1, max_value=1_000_000))
def test_an_amount_off_is_shared_exactly_and_no_line_goes_below_zero(totals, amount):
    eligible = sum(totals)
    discount = pricing.amount_off(eligible, amount)
    assert discount == min(amount, eligible)
    shares = pricing.allocate(discount, totals) if eligible else [0] * len(totals)
    assert sum(shares) == discount
    assert all(0 <= share <= total for share, total in zip(shares, totals, strict=True))


@relaxed
@given(
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=1, max_value=10_000),
    st.data(),
)
def test_refunding_a_line_unit_by_unit_gives_back_exactly_what_it_paid(quantity, unit, data):
    total = unit * quantity
    discount = data.draw(st.integers(min_value=0, max_value=total))
    line = OrderLine(unit_price_pence=unit, quantity=quantity, discount_pence=discount)
    steps = data.draw(st.lists(st.integers(min_value=1, max_value=quantity), max_size=quantity))
    refunded, given_back = 0, 0
    for step in steps:
        step = min(step, quantity - refunded)
        given_back += line.paid_for_units(step, already=refunded)
        refunded += step
    given_back += line.paid_for_units(quantity - refunded, already=refunded)
    assert given_back == total - discount


basket_lines = st.lists(
    st.tuples(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=100_000)),
    min_size=1,
    max_size=10,
)


@relaxed
@given(
    basket_lines,
    st.sets(st.integers(min_value=1, max_value=5), max_size=5),
    st.sampled_from(["percent", "amount"]),
    st.integers(min_value=1, max_value=100),
    st.integers(min_value=1, max_value=200_000),
)
def test_a_codes_discount_comes_off_its_own_lines_only_and_adds_up(
    lines, scope, kind, percent, amount
):
    """evaluate() on any basket: the discount never exceeds the eligible subtotal, only
    lines in scope get a share, and the shares sum to the discount."""
    promotion = Promotion(
        code="PROP",
        name="Prop",
        kind=kind,
        percent_off=percent if kind == "percent" else None,
        amount_off_pence=amount if kind == "amount" else None,
        min_spend_pence=0,
        is_active=True,
        uses_reserved=0,
        uses_final=0,
    )
    promotion.products = [Product(id=product_id) for product_id in sorted(scope)]
    promotion.categories = []
    priced = [
        PricedLine(key=n, product_id=product_id, category_id=None, total_pence=total)
        for n, (product_id, total) in enumerate(lines)
    ]
    in_scope = [line for line in priced if not scope or line.product_id in scope]
    if not in_scope:
        with pytest.raises(PromoRefused) as refused:
            evaluate(promotion, priced)
        assert refused.value.reason == Refusal.NOT_FOR_THESE
        return
    applied = evaluate(promotion, priced)
    eligible = sum(line.total_pence for line in in_scope)
    assert 0 <= applied.discount_pence <= eligible
    assert sum(applied.line_discounts.values()) == applied.discount_pence
    assert set(applied.line_discounts) == {line.key for line in in_scope}
    for line in in_scope:
        assert applied.line_discounts[line.key] <= line.total_pence
