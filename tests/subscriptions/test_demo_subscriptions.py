"""Subscribe & save with the demo provider, as a customer and the cron job see it: the
product page's choice, the basket, signing in to check out, the first payment starting
the subscription, renewals made once (stock taken, or the order waiting for stock), the
customer's changes and the reminder's one-click links. Real SMTP throughout."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.backoffice.models import AuditEntry
from shop.catalogue.models import Variant
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order
from shop.subscriptions.emails import link_token
from shop.subscriptions.models import Subscription
from shop.subscriptions.services import add_months, renew_due_subscriptions
from tests.helpers import page
from tests.helpers.checkout import add_to_cart, flashes, follow, run_together, stock
from tests.helpers.database import counting_queries
from tests.helpers.orders_admin import Shop
from tests.helpers.staff import AuthActions
from tests.helpers.subscriptions import (
    make_due,
    make_subscribable,
    only_subscription,
    subscribe_and_pay,
    subscription_orders,
)


@pytest.fixture
def goods(acc_app):
    return make_subscribable(acc_app)


@pytest.fixture
def ada(customer):
    customer.sign_in("ada@example.com")
    return customer


def mails_to(smtp_server, subject_part: str) -> list:
    return [m for m in smtp_server.messages if subject_part in (m.message["Subject"] or "")]


# Product page and basket -------------------------------------------------------------


def test_the_product_page_offers_subscribe_and_save_with_both_prices(acc_client, goods):
    with acc_client.application.app_context():
        slug = db.session.get(Variant, goods.sachets).product.slug
    html = page(acc_client.get(f"/products/{slug}"))
    choices = {i["value"] for i in html.select("input[name=subscribe_every]")}
    assert choices == {"0", "1", "2", "3"}
    assert html.select_one("input[name=subscribe_every][value='0']").has_attr("checked")
    assert "£24.00" in html.select_one(".variant-option__price").get_text()
    assert "£20.40 on subscription" in html.select_one("[data-subscribe-price]").get_text()
    label = html.select_one("label[for=subscribe-every-2]").get_text(" ", strip=True)
    assert label == "Subscribe & save 15%: delivered every 2 months"
    # The Product JSON-LD stays the one-time offer.
    data = json.loads(html.select_one("script[type='application/ld+json']").string)
    product = data[0] if isinstance(data, list) else data
    offers = product["offers"]
    offer = offers[0] if isinstance(offers, list) else offers
    assert str(offer["price"]) in {"24.00", "24.0", "24"}


def test_a_product_not_subscribable_offers_no_choice_and_refuses_one(acc_client, goods):
    with acc_client.application.app_context():
        slug = db.session.get(Variant, goods.cream).product.slug
    assert not page(acc_client.get(f"/products/{slug}")).select("input[name=subscribe_every]")
    response = acc_client.post(
        "/cart/add", data={"variant_id": goods.cream, "quantity": 1, "subscribe_every": 2}
    )
    assert response.status_code == 303
    assert "cannot be had on subscription" in " ".join(flashes(follow(acc_client, response)))


def test_an_interval_not_offered_is_refused(acc_client, goods):
    response = acc_client.post(
        "/cart/add", data={"variant_id": goods.sachets, "quantity": 1, "subscribe_every": 5}
    )
    assert "intervals offered" in " ".join(flashes(follow(acc_client, response)))


def test_the_basket_shows_subscription_lines_apart_and_mixes_them(acc_client, goods):
    add_to_cart(acc_client, goods.cream, 1)
    add_to_cart(acc_client, goods.sachets, 1, subscribe_every="2")
    html = page(acc_client.get("/cart"))
    terms = html.select_one("[data-subscription-lines] [data-subscription-terms]")
    assert terms.get_text(" ", strip=True).startswith(
        "Every 2 months, £20.40 each delivery, first delivery now"
    )
    groups = [h.get_text(strip=True) for h in html.select(".cart-lines__group")]
    assert groups == ["One-time purchase", "Subscribe & save"]
    summary = html.select_one("[data-subscription-summary]").get_text(" ", strip=True)
    assert "£20.40 per delivery, every 2 months" in summary
    assert "cancel any time" in summary and "Please sign in to subscribe" in summary
    # £18.00 + £20.40, delivery free from £40? no: below it, so delivery is charged.
    assert "£38.40" in html.select_one(".totals").get_text()


def test_checking_out_a_subscription_needs_a_signed_in_customer_and_keeps_the_basket(
    acc_app, acc_client, goods
):
    add_to_cart(acc_client, goods.sachets, 1, subscribe_every="1")
    response = acc_client.post("/checkout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/login?next=/cart"
    with acc_app.app_context():
        assert db.session.scalar(select(Order)) is None
    assert page(acc_client.get("/cart")).select("[data-subscription-lines]")


# The first payment, renewals --------------------------------------------------------


def test_paying_the_first_delivery_starts_the_subscription(acc_app, acc_client, goods, ada):
    add_to_cart(acc_client, goods.cream, 1)
    subscribe_and_pay(acc_client, goods.sachets, every=2)

    subscription = only_subscription(acc_app)
    assert subscription.status == "active"
    assert subscription.email == "ada@example.com"
    assert subscription.interval_months == 2
    (item,) = subscription.items
    assert (item.unit_price_pence, item.quantity) == (2040, 1)
    (first,) = subscription_orders(acc_app, subscription.id)
    assert first.status == "paid"
    prices = sorted(line.unit_price_pence for line in first.lines)
    assert prices == [1800, 2040]  # one-time and subscription lines in one order
    assert subscription.next_renewal_at == add_months(first.paid_at, 2)
    assert stock(acc_app, goods.sachets).on_hand == 19


def test_renew_subscriptions_makes_one_order_per_due_renewal_however_often_it_runs(
    acc_app, acc_client, goods, ada, smtp_server
):
    subscribe_and_pay(acc_client, goods.sachets, every=1, quantity=2)
    subscription = only_subscription(acc_app)
    runner = acc_app.test_cli_runner()
    assert "Renewed 0" in runner.invoke(args=["renew-subscriptions"]).output
    make_due(acc_app, subscription.id)

    first = runner.invoke(args=["renew-subscriptions"])
    second = runner.invoke(args=["renew-subscriptions"])

    assert "Renewed 1" in first.output and "Renewed 0" in second.output
    orders = subscription_orders(acc_app, subscription.id)
    assert len(orders) == 2
    renewal = orders[1]
    assert renewal.status == "paid" and renewal.fulfilment_status == "unfulfilled"
    assert renewal.email == "ada@example.com"
    assert renewal.ship_to_line1 == "12 Example Street"  # where the last delivery went
    assert [(ln.unit_price_pence, ln.quantity) for ln in renewal.lines] == [(2040, 2)]
    assert stock(acc_app, goods.sachets) == (16, 0)
    after = only_subscription(acc_app)
    assert after.cycle == 1 and after.next_renewal_at > utcnow()
    assert [e.kind for e in after.events][-1] == "renewed"
    assert len(mails_to(smtp_server, renewal.number)) == 1  # the order's confirmation


def test_two_runs_at_once_make_one_renewal(acc_app, acc_client, goods, ada):
    subscribe_and_pay(acc_client, goods.sachets, every=1)
    subscription = only_subscription(acc_app)
    make_due(acc_app, subscription.id)

    def run():
        with acc_app.app_context():
            return renew_due_subscriptions()

    results = run_together(run, run)

    assert sorted(r["renewed"] for r in results) == [0, 1]
    assert len(subscription_orders(acc_app, subscription.id)) == 2
    assert stock(acc_app, goods.sachets) == (18, 0)


def test_a_renewal_out_of_stock_is_recorded_waiting_for_stock_and_staff_see_it_first(
    acc_app, acc_client, goods, ada, smtp_server, login
):
    subscribe_and_pay(acc_client, goods.sachets, every=1)
    subscription = only_subscription(acc_app)
    with acc_app.app_context():
        db.session.get(Variant, goods.sachets).on_hand = 0
        db.session.commit()
    make_due(acc_app, subscription.id)

    output = acc_app.test_cli_runner().invoke(args=["renew-subscriptions"]).output

    assert "waiting for stock 1" in output
    renewal = subscription_orders(acc_app, subscription.id)[1]
    assert renewal.status == "paid" and renewal.fulfilment_status == "waiting_for_stock"
    assert stock(acc_app, goods.sachets) == (0, 0)  # never negative
    assert mails_to(smtp_server, "waiting for stock")
    # Staff see it first in the order list, newer orders notwithstanding.
    staff = acc_app.test_client()
    AuthActions(acc_app, staff)("fulfilment")
    rows = page(staff.get("/admin/orders/")).select("tbody tr")
    assert renewal.number in rows[0].get_text()


# The customer's changes ---------------------------------------------------------------


def test_the_account_lists_the_subscription_and_its_changes_are_confirmed(
    acc_app, acc_client, goods, ada, smtp_server
):
    subscribe_and_pay(acc_client, goods.sachets, every=2)
    subscription = only_subscription(acc_app)
    html = page(acc_client.get("/account/subscriptions"))
    card = html.select_one(f"[data-subscription='{subscription.id}']")
    assert "£20.40" in card.select_one("[data-price-per-delivery]").get_text()
    assert "Every 2 months" in card.get_text()
    assert "Order FB-" in card.get_text()
    base = f"/account/subscriptions/{subscription.id}"
    before = subscription.next_renewal_at

    skipped = acc_client.post(f"{base}/skip")
    assert "Skipped" in " ".join(flashes(follow(acc_client, skipped)))
    assert only_subscription(acc_app).next_renewal_at == add_months(before, 2)
    assert mails_to(smtp_server, "next delivery is skipped")

    acc_client.post(f"{base}/interval", data={"months": 3})
    assert only_subscription(acc_app).interval_months == 3
    item_id = subscription.items[0].id
    acc_client.post(f"{base}/quantity", data={"item_id": item_id, "quantity": 3})
    assert only_subscription(acc_app).items[0].quantity == 3

    resume_on = (utcnow() + timedelta(days=40)).date().isoformat()
    acc_client.post(f"{base}/pause", data={"resume_on": resume_on})
    paused = only_subscription(acc_app)
    assert paused.status == "paused" and paused.paused_until.date().isoformat() == resume_on
    acc_client.post(f"{base}/resume")
    assert only_subscription(acc_app).status == "active"

    cancelled = acc_client.post(f"{base}/cancel", data={"reason": "Too many sachets"})
    assert "Cancelled" in " ".join(flashes(follow(acc_client, cancelled)))
    ended = only_subscription(acc_app)
    assert ended.status == "cancelled" and ended.next_renewal_at is None
    assert ended.cancel_reason == "Too many sachets"
    assert mails_to(smtp_server, "subscription is cancelled")
    kinds = [e.kind for e in ended.events]
    for kind in ("created", "active", "skipped", "interval_changed", "quantity_changed"):
        assert kind in kinds
    assert kinds[-3:] == ["paused", "resumed", "cancelled"]
    # Nothing more is billed.
    make_due(acc_app, subscription.id)
    assert acc_app.test_cli_runner().invoke(args=["renew-subscriptions"]).exit_code == 0
    assert len(subscription_orders(acc_app, subscription.id)) == 1


def test_nobody_changes_another_customers_subscription(acc_app, acc_client, goods, ada):
    subscribe_and_pay(acc_client, goods.sachets)
    subscription = only_subscription(acc_app)
    ada.sign_out()
    ada.sign_in("eve@example.com")
    assert acc_client.post(f"/account/subscriptions/{subscription.id}/cancel").status_code == 404
    assert only_subscription(acc_app).status == "active"
    assert f'data-subscription="{subscription.id}"' not in acc_client.get(
        "/account/subscriptions"
    ).get_data(as_text=True)


# Reminders ------------------------------------------------------------------------


def test_the_reminder_goes_once_with_one_click_skip_and_cancel_links(
    acc_app, acc_client, goods, ada, smtp_server
):
    subscribe_and_pay(acc_client, goods.sachets, every=1)
    subscription = only_subscription(acc_app)
    with acc_app.app_context():
        row = db.session.get(Subscription, subscription.id)
        row.next_renewal_at = utcnow() + timedelta(days=2)
        db.session.commit()
    runner = acc_app.test_cli_runner()
    assert "reminders sent 1" in runner.invoke(args=["renew-subscriptions"]).output
    assert "reminders sent 0" in runner.invoke(args=["renew-subscriptions"]).output
    (mail,) = mails_to(smtp_server, "Your next subscription delivery")
    text = mail.text_part()
    assert "£20.40" in text and "every month" in text
    skip_link = next(
        line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Skip")
    ).removeprefix("https://shop.test")

    anonymous = acc_app.test_client()
    shown = anonymous.get(skip_link)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert only_subscription(acc_app).events[-1].kind == "reminded"  # a GET changes nothing
    done = anonymous.post(skip_link)
    assert "Skipped" in page(done).select_one("[data-done]").get_text()
    assert only_subscription(acc_app).events[-1].kind == "skipped"


def test_a_forged_or_mismatched_link_does_nothing(acc_app, acc_client, goods, ada):
    subscribe_and_pay(acc_client, goods.sachets)
    subscription = only_subscription(acc_app)
    with acc_app.test_request_context():
        skip_token = link_token(subscription.id, "skip")
    anonymous = acc_app.test_client()
    assert anonymous.post(f"/subscriptions/cancel/{skip_token}").status_code == 404
    assert anonymous.post("/subscriptions/cancel/forged.token").status_code == 404
    assert anonymous.get("/subscriptions/other/x").status_code == 404
    assert only_subscription(acc_app).status == "active"


# Back office ----------------------------------------------------------------------------


def test_staff_filter_see_the_timeline_and_cancel_on_the_customers_behalf(
    acc_app, acc_client, goods, ada
):
    subscribe_and_pay(acc_client, goods.sachets, every=2)
    subscription = only_subscription(acc_app)
    staff = acc_app.test_client()
    AuthActions(acc_app, staff)("fulfilment")
    listing = page(staff.get("/admin/subscriptions/?status=active"))
    assert listing.select(f"[data-subscription='{subscription.id}']")
    figures = listing.select_one("[data-subscription-figures]").get_text(" ", strip=True)
    assert "£10.20" in figures  # £20.40 every 2 months
    assert not page(staff.get("/admin/subscriptions/?status=cancelled")).select(
        "[data-subscription]"
    )
    assert staff.get("/admin/subscriptions/?renews_by=nonsense").status_code == 400

    refused = staff.post(f"/admin/subscriptions/{subscription.id}/cancel", data={"reason": ""})
    assert refused.status_code == 400
    staff.post(f"/admin/subscriptions/{subscription.id}/cancel", data={"reason": "Asked by phone"})
    ended = only_subscription(acc_app)
    assert ended.status == "cancelled"
    assert ended.events[-1].actor.startswith("staff")
    with acc_app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.entity_id) == ("subscription.cancel", str(subscription.id))
    detail = page(staff.get(f"/admin/subscriptions/{subscription.id}"))
    assert "Asked by phone" in detail.select_one("[data-timeline]").get_text()


def test_editors_offer_subscribe_and_save_on_a_product(acc_app, goods):
    editor = acc_app.test_client()
    AuthActions(acc_app, editor)("editor")
    with acc_app.app_context():
        product = db.session.get(Variant, goods.cream).product
        product_id, slug, category_id = product.id, product.slug, product.category_id
    url = f"/admin/catalogue/products/{product_id}"
    form = page(editor.get(url)).select_one("[data-subscribe-settings]")
    assert form.select_one("input[name=subscribe_intervals]")["value"] == "1,2,3"
    data = {
        "name": "Barrier Cream",
        "slug": slug,
        "category": category_id,
        "subscribable": "y",
        "subscribe_discount_percent": "10",
        "subscribe_intervals": "2, 1",
    }
    bad = editor.post(url, data={**data, "subscribe_intervals": "weekly"})
    assert bad.status_code == 400
    assert editor.post(url, data=data).status_code == 303
    html = page(acc_app.test_client().get(f"/products/{slug}"))
    assert {i["value"] for i in html.select("input[name=subscribe_every]")} == {"0", "1", "2"}
    assert "£16.20 on subscription" in html.select_one("[data-subscribe-price]").get_text()


def test_erasing_the_account_ends_its_subscriptions_and_forgets_the_address(
    acc_app, acc_client, goods, ada
):
    subscribe_and_pay(acc_client, goods.sachets)
    assert acc_client.post("/account/delete", data={"confirm": "y"}).status_code == 303
    ended = only_subscription(acc_app)
    assert ended.status == "cancelled" and ended.email == "" and ended.customer_id is None
    make_due(acc_app, ended.id)
    acc_app.test_cli_runner().invoke(args=["renew-subscriptions"])
    assert len(subscription_orders(acc_app, ended.id)) == 1


def test_the_dashboard_shows_the_subscription_figures(acc_app, acc_client, goods, ada):
    subscribe_and_pay(acc_client, goods.sachets, every=1, quantity=2)
    staff = acc_app.test_client()
    AuthActions(acc_app, staff)("fulfilment")
    figures = page(staff.get("/admin/")).select_one("[data-subscription-figures]")
    assert figures.select_one("[data-stat=active-subscriptions] dd").get_text(strip=True) == "1"
    assert "£40.80" in figures.select_one("[data-stat=mrr]").get_text()
    assert figures.select_one("[data-stat=renewals-due] dd").get_text(strip=True) == "0"


def test_a_pause_ends_on_its_date_and_the_renewal_is_billed_then(acc_app, acc_client, goods, ada):
    subscribe_and_pay(acc_client, goods.sachets, every=1)
    subscription = only_subscription(acc_app)
    resume_on = (utcnow() + timedelta(days=10)).date().isoformat()
    acc_client.post(
        f"/account/subscriptions/{subscription.id}/pause", data={"resume_on": resume_on}
    )
    runner = acc_app.test_cli_runner()
    assert "Renewed 0" in runner.invoke(args=["renew-subscriptions"]).output
    with acc_app.app_context():
        row = db.session.get(Subscription, subscription.id)
        row.paused_until = row.next_renewal_at = utcnow() - timedelta(minutes=5)
        db.session.commit()

    assert "Renewed 1" in runner.invoke(args=["renew-subscriptions"]).output

    after = only_subscription(acc_app)
    assert after.status == "active" and after.paused_until is None
    assert [e.kind for e in after.events][-2:] == ["resumed", "renewed"]
    assert len(subscription_orders(acc_app, subscription.id)) == 2


def test_bad_input_to_the_account_actions_is_refused_with_a_message(
    acc_app, acc_client, goods, ada
):
    subscribe_and_pay(acc_client, goods.sachets, every=1)
    subscription = only_subscription(acc_app)
    base = f"/account/subscriptions/{subscription.id}"
    for path, data in [
        ("interval", {"months": "7"}),
        ("interval", {"months": "x"}),
        ("quantity", {"item_id": "999", "quantity": "2"}),
        ("quantity", {"item_id": str(subscription.items[0].id), "quantity": "0"}),
        ("pause", {"resume_on": "2001-01-01"}),
        ("pause", {"resume_on": "soon"}),
        ("resume", {}),
    ]:
        response = acc_client.post(f"{base}/{path}", data=data)
        assert response.status_code == 303, path
        assert flashes(follow(acc_client, response)), (path, data)
    assert acc_client.post("/account/subscriptions/999999/skip").status_code == 404
    unchanged = only_subscription(acc_app)
    assert (unchanged.status, unchanged.interval_months) == ("active", 1)
    assert unchanged.items[0].quantity == 1


def test_a_renewal_waiting_for_stock_takes_it_when_stock_arrives(acc_app, acc_client, goods, ada):
    subscribe_and_pay(acc_client, goods.sachets, every=1, quantity=2)
    subscription = only_subscription(acc_app)
    runner = acc_app.test_cli_runner()
    with acc_app.app_context():
        variant = db.session.get(Variant, goods.sachets)
        sku, variant.on_hand = variant.sku, 0
        db.session.commit()
    make_due(acc_app, subscription.id)
    runner.invoke(args=["renew-subscriptions"])
    renewal = subscription_orders(acc_app, subscription.id)[1]
    assert renewal.fulfilment_status == "waiting_for_stock"

    added = runner.invoke(args=["adjust-stock", sku, "+5", "--reason", "Delivery"])

    assert added.exit_code == 0, added.output
    renewal = subscription_orders(acc_app, subscription.id)[1]
    assert renewal.fulfilment_status == "unfulfilled"
    assert stock(acc_app, goods.sachets) == (3, 0)


def test_staff_refund_a_demo_renewal_like_any_order(acc_app, acc_client, goods, ada, smtp_server):
    """A renewal charged by `renew-subscriptions` is kept as a paid demo payment, so the
    order page's refund form refunds it (and refuses more than was paid)."""
    subscribe_and_pay(acc_client, goods.sachets, every=1, quantity=2)
    subscription = only_subscription(acc_app)
    make_due(acc_app, subscription.id)
    acc_app.test_cli_runner().invoke(args=["renew-subscriptions"])
    renewal = subscription_orders(acc_app, subscription.id)[1]
    staff = Shop(acc_app, smtp_server, products=None)
    staff.sign_in("fulfilment")

    too_much = staff.refund(renewal.id, "999.00", reason="Damaged in the post")
    answer = staff.refund(renewal.id, "20.40", reason="Damaged in the post")

    assert too_much.status_code == 400
    assert answer.status_code == 303
    with acc_app.app_context():
        refunded = db.session.get(Order, renewal.id)
        assert refunded.refunded_pence == 2040


def test_the_account_page_costs_no_query_per_subscription(acc_app, acc_client, goods, ada):
    """The intervals each subscription may change to are read for all of them at once."""
    subscribe_and_pay(acc_client, goods.sachets, every=1)
    acc_client.get("/account/subscriptions")  # warm up
    with counting_queries(acc_app) as one:
        assert acc_client.get("/account/subscriptions").status_code == 200
    subscribe_and_pay(acc_client, goods.sachets, every=2)
    subscribe_and_pay(acc_client, goods.sachets, every=3)
    with counting_queries(acc_app) as three:
        answer = acc_client.get("/account/subscriptions")
    assert answer.get_data(as_text=True).count("every 3 months") >= 3  # each one's choices
    assert len(three) == len(one), three
