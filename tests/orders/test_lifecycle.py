"""The order's life (shop.orders.lifecycle): the transition tables, each allowed move
made once and only once, every other move refused, and the stock that moves with each."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.orders import lifecycle
from shop.orders.lifecycle import (
    FULFILMENT_TRANSITIONS,
    TRANSITIONS,
    IllegalTransition,
)
from shop.orders.models import FulfilmentStatus, OrderEvent, OrderStatus, Refund
from tests.helpers.orders import make_order, make_variant, paid_session, status_of, stock_of

S = OrderStatus
F = FulfilmentStatus
ALLOWED = [(a, b) for a in S for b in S if b in TRANSITIONS[a]]
FORBIDDEN = [(a, b) for a in S for b in S if b not in TRANSITIONS[a]]
FULFILMENT_ALLOWED = [(a, b) for a in F for b in F if b in FULFILMENT_TRANSITIONS[a]]
FULFILMENT_FORBIDDEN = [(a, b) for a in F for b in F if b not in FULFILMENT_TRANSITIONS[a]]


def _name(pair) -> str:
    return f"{pair[0]}->{pair[1]}"


def events(order_id: int, kind: str) -> int:
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(OrderEvent)
        .where(OrderEvent.order_id == order_id, OrderEvent.kind == kind)
    )


def test_the_tables_say_what_an_order_may_do():
    assert {
        S.PENDING: {S.PAID, S.EXPIRED, S.CANCELLED, S.FAILED},
        S.EXPIRED: {S.PAID},
        S.CANCELLED: {S.PAID},
        S.FAILED: {S.PAID},
        S.PAID: {S.REFUNDED},
        S.REFUNDED: set(),
    } == TRANSITIONS
    assert {
        F.WAITING_FOR_STOCK: {F.UNFULFILLED},
        F.UNFULFILLED: {F.SHIPPED},
        F.SHIPPED: set(),
    } == FULFILMENT_TRANSITIONS
    assert lifecycle.FULFILLED_WHILE == S.PAID
    assert len(ALLOWED) == 8 and len(FORBIDDEN) == 28


# The tables, move by move --------------------------------------------------------------


@pytest.mark.parametrize("move", ALLOWED, ids=_name)
def test_every_allowed_move_is_made_once(app, move):
    start, end = move
    with app.app_context():
        order = make_order({make_variant(): 1}, start)

        assert lifecycle.move_status(order, end, from_states=start) is True
        assert lifecycle.move_status(order, end, from_states=start) is False  # made already
        db.session.commit()

        assert status_of(order.id) == (end, F.UNFULFILLED)


@pytest.mark.parametrize("move", FORBIDDEN, ids=_name)
def test_every_other_move_raises_and_changes_nothing(app, move):
    start, end = move
    with app.app_context():
        order = make_order({make_variant(): 1}, start)

        with pytest.raises(IllegalTransition):
            lifecycle.move_status(order, end, from_states=start)
        # One forbidden source among allowed ones is refused as a whole.
        allowed_sources = [source for source in S if end in TRANSITIONS[source]]
        with pytest.raises(IllegalTransition):
            lifecycle.move_status(order, end, from_states=[*allowed_sources, start])
        db.session.commit()

        assert status_of(order.id) == (start, F.UNFULFILLED)


@pytest.mark.parametrize("move", FULFILMENT_ALLOWED, ids=_name)
@pytest.mark.parametrize("status", list(S))
def test_fulfilment_moves_once_and_only_while_paid(app, move, status):
    start, end = move
    with app.app_context():
        order = make_order({make_variant(): 1}, status)
        order.fulfilment_status = str(start)
        db.session.flush()

        moved = lifecycle.move_fulfilment(order, end, from_states=start)
        again = lifecycle.move_fulfilment(order, end, from_states=start)
        db.session.commit()

        assert (moved, again) == ((True, False) if status == S.PAID else (False, False))
        assert status_of(order.id) == (status, end if status == S.PAID else start)


@pytest.mark.parametrize("move", FULFILMENT_FORBIDDEN, ids=_name)
def test_every_other_fulfilment_move_raises(app, move):
    start, end = move
    with app.app_context():
        order = make_order({make_variant(): 1}, S.PAID)

        with pytest.raises(IllegalTransition):
            lifecycle.move_fulfilment(order, end, from_states=start)


# The moves the shop makes, with their stock -----------------------------------------------


def test_placing_reserves_the_stock_of_every_line_or_reports_the_short_ones(app):
    with app.app_context():
        plenty, last_two = make_variant(on_hand=10), make_variant(on_hand=2)
        order = make_order({plenty: 3, last_two: 2})
        assert lifecycle.place(order) == []
        db.session.commit()
        assert (stock_of(plenty), stock_of(last_two)) == ((10, 3), (2, 2))
        assert events(order.id, "placed") == 1

        second = make_order({plenty: 1, last_two: 1})
        (short,) = lifecycle.place(second)
        assert short.variant_id == last_two
        db.session.rollback()  # as checkout does: nothing of the second order stays held
        assert (stock_of(plenty), stock_of(last_two)) == ((10, 3), (2, 2))


def test_a_payment_turns_the_reservation_into_a_sale_once(app):
    with app.app_context():
        variant = make_variant(on_hand=10, reserved=2)
        order = make_order({variant: 2})
        payment = paid_session(order)

        assert lifecycle.record_payment(order, payment) is True
        db.session.commit()
        assert lifecycle.record_payment(order, payment) is False  # the other caller
        db.session.commit()

        assert status_of(order.id) == (S.PAID, F.UNFULFILLED)
        assert stock_of(variant) == (8, 0)
        assert events(order.id, "paid") == 1
        assert order.payment_intent_id == "pi_test_1" and order.ship_to_postcode == "SW1A 1AA"


@pytest.mark.parametrize("released", [S.EXPIRED, S.CANCELLED, S.FAILED])
def test_a_late_payment_takes_the_stock_afresh_once(app, released):
    with app.app_context():
        variant = make_variant(on_hand=3, reserved=0)
        order = make_order({variant: 2}, released)
        payment = paid_session(order)

        assert lifecycle.record_payment(order, payment) is True
        db.session.commit()
        assert lifecycle.record_payment(order, payment) is False
        db.session.commit()

        assert status_of(order.id) == (S.PAID, F.UNFULFILLED)
        assert stock_of(variant) == (1, 0)
        assert events(order.id, "stock_short") == 0


@pytest.mark.parametrize("ending", [S.EXPIRED, S.CANCELLED, S.FAILED])
def test_an_unpaid_order_ends_once_and_gives_its_stock_back(app, ending):
    with app.app_context():
        variant = make_variant(on_hand=5, reserved=2)
        order = make_order({variant: 2})

        assert lifecycle.release_unpaid(order, ending, "Ended.") is True
        db.session.commit()
        assert lifecycle.release_unpaid(order, ending, "Ended.") is False
        assert lifecycle.release_unpaid(order, S.EXPIRED, "Ended.") is False
        db.session.commit()

        assert status_of(order.id) == (ending, F.UNFULFILLED)
        assert stock_of(variant) == (5, 0)  # released once
        assert events(order.id, str(ending)) == 1


@pytest.mark.parametrize("not_an_ending", [S.PENDING, S.PAID, S.REFUNDED])
def test_releasing_to_anything_but_an_ending_raises(app, not_an_ending):
    with app.app_context():
        variant = make_variant(on_hand=5, reserved=2)
        order = make_order({variant: 2})

        with pytest.raises(IllegalTransition):
            lifecycle.release_unpaid(order, not_an_ending, "No.")
        db.session.rollback()
        assert status_of(order.id) == (S.PENDING, F.UNFULFILLED)
        assert stock_of(variant) == (5, 2)


def test_a_paid_order_is_never_released(app):
    with app.app_context():
        variant = make_variant(on_hand=5, reserved=0)
        order = make_order({variant: 2}, S.PAID)

        assert lifecycle.release_unpaid(order, S.EXPIRED, "Too late.") is False
        db.session.commit()
        assert status_of(order.id) == (S.PAID, F.UNFULFILLED)
        assert stock_of(variant) == (5, 0)


def test_shipping_happens_once_and_only_to_a_paid_order(app):
    with app.app_context():
        variant = make_variant()
        paid, pending = make_order({variant: 1}, S.PAID), make_order({variant: 1})
        parcel = {"carrier": "DPD", "tracking_number": "X1", "tracking_url": ""}

        assert lifecycle.ship_order(paid, **parcel) is True
        assert lifecycle.ship_order(paid, **{**parcel, "carrier": "Evri"}) is False
        assert lifecycle.ship_order(pending, **parcel) is False
        db.session.commit()

        assert status_of(paid.id) == (S.PAID, F.SHIPPED)
        assert paid.carrier == "DPD"
        assert status_of(pending.id) == (S.PENDING, F.UNFULFILLED)


def _refund(order, amount_pence: int) -> Refund:
    refund = Refund(order_id=order.id, amount_pence=amount_pence, status="succeeded")
    db.session.add(refund)
    db.session.flush()
    return refund


def test_a_refund_of_everything_paid_marks_the_order_refunded_and_restocks(app):
    with app.app_context():
        variant = make_variant(on_hand=8)
        order = make_order({variant: 2}, S.PAID, payment_intent_id="pi_1")
        (line,) = order.lines

        part = lifecycle.record_refund(order, _refund(order, 1000), {line.id: 1})
        db.session.commit()
        assert part == {line.sku: 1}
        assert status_of(order.id)[0] == S.PAID and order.refunded_pence == 1000
        assert stock_of(variant) == (9, 0)

        rest = lifecycle.record_refund(order, _refund(order, order.total_pence - 1000), {})
        db.session.commit()
        assert rest == {}
        assert status_of(order.id)[0] == S.REFUNDED and order.refunded_pence == order.total_pence
        assert stock_of(variant) == (9, 0)


def test_the_providers_refunded_total_is_taken_once_and_never_lowered(app):
    with app.app_context():
        order = make_order({make_variant(): 2}, S.PAID, payment_intent_id="pi_1")

        assert lifecycle.record_provider_refunds(order, 500) is True
        assert lifecycle.record_provider_refunds(order, 500) is False
        assert lifecycle.record_provider_refunds(order, 100) is False
        db.session.commit()
        assert (order.refunded_pence, status_of(order.id)[0]) == (500, S.PAID)

        assert lifecycle.record_provider_refunds(order, order.total_pence + 99) is True
        db.session.commit()
        assert (order.refunded_pence, status_of(order.id)[0]) == (order.total_pence, S.REFUNDED)
        assert events(order.id, "refunded") == 2
