"""The order's signals (shop.signals): order_paid, order_shipped, order_refunded and
stock_available are each sent once, after the commit that made the move, to subscribers
that then see the move committed; a move rolled back sends nothing."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.orders import lifecycle
from shop.orders.models import Order, OrderStatus, Refund
from shop.signals import (
    order_paid,
    order_refunded,
    order_shipped,
    send_after_commit,
    stock_available,
)
from tests.helpers.checkout import (
    add_to_cart,
    post_checkout,
    run_together,
    send_event,
    session_id_from,
)
from tests.helpers.orders import make_order, make_variant, paid_session
from tests.stripe_server import make_event

S = OrderStatus
PARCEL = {"carrier": "DPD", "tracking_number": "X1", "tracking_url": ""}


@contextmanager
def listening(signal):
    """Every send of `signal` while the block runs: (sender, values, the order's status as
    another connection reads it, or None when the values name no order)."""
    received = []
    lock = threading.Lock()

    def receiver(sender, **values):
        status = None
        if "order_id" in values:
            # A connection of its own sees only what is committed.
            with db.engine.connect() as other:
                status = other.scalar(select(Order.status).where(Order.id == values["order_id"]))
        with lock:
            received.append((sender, values, status))

    with signal.connected_to(receiver):
        yield received


def _pay(order):
    assert lifecycle.record_payment(order, paid_session(order))


def _ship(order):
    assert lifecycle.ship_order(order, **PARCEL)


def _refund(order):
    refund = Refund(order_id=order.id, amount_pence=500, status="succeeded")
    db.session.add(refund)
    db.session.flush()
    lifecycle.record_refund(order, refund, {})
    return refund


MOVES = {
    "order_paid": (order_paid, S.PENDING, _pay, S.PAID),
    "order_shipped": (order_shipped, S.PAID, _ship, S.PAID),
    "order_refunded": (order_refunded, S.PAID, _refund, S.PAID),
}


@pytest.mark.parametrize("name", list(MOVES))
def test_each_order_signal_is_sent_once_after_the_commit(app, name):
    signal, start, move, end = MOVES[name]
    with app.app_context(), listening(signal) as received:
        variant = make_variant(on_hand=5, reserved=1 if start == S.PENDING else 0)
        order = make_order({variant: 1}, start, payment_intent_id="pi_1")
        order_id = order.id

        refund = move(order)
        db.session.flush()
        assert received == []  # not before the commit

        db.session.commit()

        values = {"order_id": order_id}
        if name == "order_refunded":
            values |= {"refund_id": refund.id, "amount_pence": 500}
        assert received == [(app, values, end)]  # the subscriber saw the committed order

        db.session.commit()  # a later commit sends nothing more
        assert len(received) == 1


@pytest.mark.parametrize("name", list(MOVES))
def test_a_move_rolled_back_sends_nothing(app, name):
    signal, start, move, _end = MOVES[name]
    with app.app_context(), listening(signal) as received:
        variant = make_variant(on_hand=5, reserved=1 if start == S.PENDING else 0)
        order = make_order({variant: 1}, start, payment_intent_id="pi_1")
        order_id = order.id

        move(order)
        db.session.rollback()
        assert received == []

        # Nothing of it is left to go with the next commit either.
        make_variant()
        db.session.commit()
        assert received == []
        assert db.session.get(Order, order_id).status == start


def test_a_payment_recorded_twice_at_once_sends_order_paid_once(stripe_app, fake):
    """The webhook and the success page at the same moment, through the shop's pages."""
    with stripe_app.app_context():
        variant = make_variant()
    shopper = stripe_app.test_client()
    add_to_cart(shopper, variant, 1)
    session_id = session_id_from(post_checkout(shopper))
    event = make_event("checkout.session.completed", fake.pay_session(session_id))

    with listening(order_paid) as received:
        webhook, success = run_together(
            lambda: send_event(stripe_app.test_client(), event),
            lambda: shopper.get(f"/checkout/success?session_id={session_id}"),
        )

    assert (webhook.status_code, success.status_code) == (200, 303)
    with stripe_app.app_context():
        (order_id,) = db.session.scalars(select(Order.id))
    assert received == [(stripe_app, {"order_id": order_id}, S.PAID)]


# stock_available ------------------------------------------------------------------------


def test_a_released_checkout_of_a_sold_out_size_sends_stock_available(app):
    with app.app_context(), listening(stock_available) as received:
        sold_out, plenty = make_variant(on_hand=2, reserved=2), make_variant(on_hand=9, reserved=1)
        order = make_order({sold_out: 2, plenty: 1})

        assert lifecycle.release_unpaid(order, S.EXPIRED, "Payment window passed.")
        assert received == []
        db.session.commit()

    # Only the size that had none free: the other was for sale all along.
    assert received == [(app, {"variant_ids": frozenset({sold_out})}, None)]


def test_units_back_from_a_refund_send_stock_available_once_for_every_size(app):
    with app.app_context(), listening(stock_available) as received:
        first, second = make_variant(on_hand=0), make_variant(on_hand=0)
        order = make_order({first: 1, second: 2}, S.PAID, payment_intent_id="pi_1")
        refund = Refund(order_id=order.id, amount_pence=order.total_pence, status="succeeded")
        db.session.add(refund)
        db.session.flush()

        lifecycle.record_refund(order, refund, {line.id: line.quantity for line in order.lines})
        db.session.commit()

    assert received == [(app, {"variant_ids": frozenset({first, second})}, None)]


def test_a_refund_rolled_back_sends_no_stock_available(app):
    with app.app_context(), listening(stock_available) as received:
        variant = make_variant(on_hand=0)
        order = make_order({variant: 1}, S.PAID, payment_intent_id="pi_1")
        refund = Refund(order_id=order.id, amount_pence=100, status="succeeded")
        db.session.add(refund)
        db.session.flush()

        lifecycle.record_refund(order, refund, {order.lines[0].id: 1})
        db.session.rollback()
        db.session.commit()

    assert received == []


def test_staff_adding_stock_to_a_sold_out_size_sends_stock_available(app, client, login):
    with app.app_context():
        sold_out = make_variant(on_hand=3, reserved=3)
        in_stock = make_variant(on_hand=3, reserved=1)
    login("editor")

    with listening(stock_available) as received:
        for variant_id in (sold_out, in_stock):
            response = client.post(
                f"/admin/catalogue/variants/{variant_id}/stock",
                data={"change": "4", "reason": "Delivery from the lab"},
            )
            assert response.status_code == 303
        taken = client.post(
            f"/admin/catalogue/variants/{sold_out}/stock",
            data={"change": "-4", "reason": "Damaged in transit"},
        )
        assert taken.status_code == 303

    assert received == [(app, {"variant_ids": frozenset({sold_out})}, None)]


# How the signals are sent ---------------------------------------------------------------


def test_a_subscriber_that_fails_neither_undoes_the_commit_nor_stops_the_others(app, caplog):
    def failing(sender, **values):
        db.session.execute(select(1))  # half-way through work of its own
        raise RuntimeError("subscriber trouble")

    # Connected before the listener, so the listener hears only if the failure is contained.
    with app.app_context(), order_shipped.connected_to(failing):
        with listening(order_shipped) as received:
            order = make_order({make_variant(): 1}, S.PAID)
            _ship(order)
            db.session.commit()

        assert received == [(app, {"order_id": order.id}, S.PAID)]
        assert order.fulfilment_status == "shipped"
        assert "subscriber trouble" in caplog.text


def test_a_move_in_a_savepoint_rolled_back_sends_nothing(app):
    with app.app_context(), listening(order_shipped) as received:
        shipped, kept = (make_order({make_variant(): 1}, S.PAID) for _ in range(2))
        _ship(shipped)
        savepoint = db.session.begin_nested()
        _ship(kept)
        savepoint.rollback()
        db.session.commit()

        assert received == [(app, {"order_id": shipped.id}, S.PAID)]
        assert kept.fulfilment_status == "unfulfilled"


def test_a_savepoint_released_is_not_the_commit(app):
    with app.app_context(), listening(order_shipped) as received:
        order = make_order({make_variant(): 1}, S.PAID)
        with db.session.begin_nested():
            with db.session.begin_nested():
                _ship(order)
            assert received == []
        assert received == []

        db.session.commit()
        assert received == [(app, {"order_id": order.id}, S.PAID)]


def test_the_same_send_asked_for_twice_goes_once(app):
    with app.app_context(), listening(order_paid) as received:
        send_after_commit(order_paid, order_id=7)
        send_after_commit(order_paid, order_id=7)
        send_after_commit(order_paid, order_id=8)
        db.session.commit()

    assert [values for _sender, values, _status in received] == [{"order_id": 7}, {"order_id": 8}]
