"""The demo shop's subscribe & save: supplements and a skincare staple on offer, and the
demo customer's monthly subscription with a renewal due that renew-subscriptions bills."""

from sqlalchemy import select

from shop.catalogue.models import Product
from shop.extensions import db
from shop.orders.demo import DEMO_BUYER
from shop.subscriptions.models import Subscription
from tests.helpers.subscriptions import subscription_orders


def test_seed_demo_offers_subscriptions_and_renew_bills_the_demo_customer_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        offered = db.session.scalars(
            select(Product.slug).where(Product.subscribable.is_(True)).order_by(Product.slug)
        ).all()
        (subscription,) = db.session.scalars(select(Subscription)).all()
        subscription_id = subscription.id
        assert subscription.email == DEMO_BUYER and subscription.status == "active"
    assert "synbiotic-sachets" in offered and "probiotic-moisturiser" in offered

    first = runner.invoke(args=["renew-subscriptions"])
    again = runner.invoke(args=["renew-subscriptions"])

    assert "Renewed 1" in first.output and "Renewed 0" in again.output
    orders = subscription_orders(app, subscription_id)
    assert [o.status for o in orders] == ["paid", "paid"]
    assert orders[1].ship_to_city == "Bristol"
