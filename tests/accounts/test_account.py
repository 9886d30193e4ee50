"""The account: the basket kept with it, orders placed with its address (guest orders
too), Buy again, settings, and the customer's own data (download and erasure)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from sqlalchemy import select

from shop.accounts.models import Customer, SignInCode
from shop.backoffice.models import AuditEntry
from shop.catalogue.models import Variant
from shop.comments.models import Comment
from shop.extensions import db
from shop.orders.models import Order
from tests.factories import ArticleFactory
from tests.helpers import page
from tests.helpers.accounts import CustomerActions, find_customer, location
from tests.helpers.checkout import add_to_cart, cart_quantities, flashes, follow, make_products

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Example Street",
    "line2": "",
    "city": "London",
    "postcode": "sw1a 1aa",
}


def buy(app, client, items: dict[int, int], email: str) -> Order:
    """A paid order through the demo provider, in `client`'s basket; returns it, detached."""
    for variant_id, quantity in items.items():
        add_to_cart(client, variant_id, quantity)
    payment_page = client.post("/checkout").headers["Location"]
    paid = client.post(payment_page, data={"action": "pay", "email": email, **ADDRESS})
    assert paid.status_code == 303, paid.get_data(as_text=True)[:300]
    success = client.get(
        urlsplit(paid.headers["Location"]).path + "?" + urlsplit(paid.headers["Location"]).query
    )
    token = urlsplit(success.headers["Location"]).path.rsplit("/", 1)[-1]
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.access_token == token))
        assert order.status == "paid"
        order.lines  # noqa: B018 - loaded before detaching
        db.session.expunge(order)
        return order


def set_stock(app, variant_id: int, on_hand: int) -> None:
    with app.app_context():
        db.session.get(Variant, variant_id).on_hand = on_hand
        db.session.commit()


# The basket ------------------------------------------------------------------------


def test_the_guest_basket_merges_with_the_one_kept_on_the_account(acc_app, acc_client, customer):
    products = make_products(acc_app)
    # Signed in earlier on another device: a cream and the capsules kept with the account.
    phone = acc_app.test_client()
    customer.sign_in("ada@example.com", client=phone)
    add_to_cart(phone, products.cream, 3)
    add_to_cart(phone, products.capsules, 1)
    customer.sign_out(client=phone)
    assert cart_quantities(acc_app, phone) == {}  # the basket left with the account

    # As a guest on this computer: more cream than is left once merged.
    add_to_cart(acc_client, products.cream, 2)
    set_stock(acc_app, products.cream, 4)
    answer = customer.sign_in("ada@example.com")
    messages = flashes(follow(acc_client, answer))
    assert cart_quantities(acc_app, acc_client) == {products.cream: 4, products.capsules: 1}
    assert any("Only 4 of Barrier Cream" in message for message in messages), messages

    # The other device sees the same basket when it signs in again.
    customer.sign_in("ada@example.com", client=phone)
    assert cart_quantities(acc_app, phone) == {products.cream: 4, products.capsules: 1}


def test_a_guest_basket_becomes_the_accounts_when_it_has_none(acc_app, acc_client, customer):
    products = make_products(acc_app)
    add_to_cart(acc_client, products.cream, 2)
    customer.sign_in("ada@example.com")
    assert cart_quantities(acc_app, acc_client) == {products.cream: 2}
    customer.sign_out()
    assert cart_quantities(acc_app, acc_client) == {}
    customer.sign_in("ada@example.com")
    assert cart_quantities(acc_app, acc_client) == {products.cream: 2}


def test_what_is_no_longer_sold_stays_out_of_the_merged_basket(acc_app, acc_client, customer):
    products = make_products(acc_app)
    phone = acc_app.test_client()
    customer.sign_in("ada@example.com", client=phone)
    add_to_cart(phone, products.capsules, 1)
    customer.sign_out(client=phone)
    add_to_cart(acc_client, products.cream, 1)
    with acc_app.app_context():
        db.session.get(Variant, products.cream).is_active = False
        db.session.commit()
    messages = flashes(follow(acc_client, customer.sign_in("ada@example.com")))
    assert cart_quantities(acc_app, acc_client) == {products.capsules: 1}
    assert any("no longer sold" in message for message in messages), messages


# Orders ------------------------------------------------------------------------------


def test_orders_placed_with_the_address_are_listed_guest_orders_included(
    acc_app, acc_client, customer
):
    products = make_products(acc_app)
    before = buy(acc_app, acc_app.test_client(), {products.cream: 1}, "Ada@Example.com")
    someone_else = buy(acc_app, acc_app.test_client(), {products.cream: 1}, "bo@example.com")
    customer.sign_in("ada@example.com")
    after = buy(acc_app, acc_client, {products.capsules: 2}, "ada@example.com")

    listing = acc_client.get("/account/orders")
    assert listing.status_code == 200
    assert listing.headers["Cache-Control"] == "no-store"
    orders = page(listing).select("[data-order]")
    assert [o["data-order"] for o in orders] == [after.number, before.number]
    assert someone_else.number not in listing.get_data(as_text=True)
    link = orders[1].select_one("h2 a")["href"]
    assert link == f"/orders/{before.access_token}"
    assert "Barrier Cream" in orders[1].get_text()


def test_buy_again_puts_what_is_still_sold_back_in_the_basket_at_todays_prices(
    acc_app, acc_client, customer
):
    products = make_products(acc_app)
    order = buy(
        acc_app, acc_app.test_client(), {products.cream: 2, products.capsules: 1}, "ada@example.com"
    )
    customer.sign_in("ada@example.com")
    with acc_app.app_context():
        db.session.get(Variant, products.cream).price_pence = 1950
        db.session.get(Variant, products.capsules).is_active = False
        db.session.commit()
    again = acc_client.post(f"/account/orders/{order.id}/buy-again")
    assert again.status_code == 303 and location(again) == "/cart"
    basket = follow(acc_client, again)
    messages = flashes(basket)
    assert "Added 2 items from your order." in messages
    assert any("no longer available" in message for message in messages), messages
    assert cart_quantities(acc_app, acc_client) == {products.cream: 2}
    assert "£39.00" in basket.get_data(as_text=True)  # 2 × £19.50, today's price


def test_buy_again_refuses_someone_elses_order(acc_app, acc_client, customer):
    products = make_products(acc_app)
    order = buy(acc_app, acc_app.test_client(), {products.cream: 1}, "bo@example.com")
    customer.sign_in("ada@example.com")
    assert acc_client.post(f"/account/orders/{order.id}/buy-again").status_code == 404
    assert acc_client.post("/account/orders/999999/buy-again").status_code == 404
    assert cart_quantities(acc_app, acc_client) == {}
    anonymous = acc_app.test_client().post(f"/account/orders/{order.id}/buy-again")
    assert location(anonymous).startswith("/account/login")


# Settings ----------------------------------------------------------------------------


def test_the_name_can_be_changed(acc_app, acc_client, customer):
    customer.sign_in("ada@example.com")
    saved = acc_client.post("/account/settings/name", data={"name": "  Ada   Lovelace "})
    assert saved.status_code == 303
    assert find_customer(acc_app, "ada@example.com").name == "Ada Lovelace"
    too_long = acc_client.post("/account/settings/name", data={"name": "x" * 121})
    assert too_long.status_code == 400
    assert page(too_long).select_one(".field-error") is not None


def test_a_new_email_is_confirmed_by_a_code_sent_to_it_and_the_old_one_is_told(
    acc_app, acc_client, customer, smtp_server
):
    customer.sign_in("ada@example.com")
    account_id = find_customer(acc_app, "ada@example.com").id
    asked = acc_client.post("/account/settings/email", data={"email": "Ada.New@Example.com"})
    assert asked.status_code == 303 and location(asked) == "/account/settings/email/confirm"
    (mail,) = [m for m in smtp_server.messages if m.rcpt_tos == ["ada.new@example.com"]]
    code = mail.message["Subject"][:6]
    assert code in mail.text_part() and code in mail.html_part()
    assert find_customer(acc_app, "ada@example.com").id == account_id  # not yet

    wrong = acc_client.post(
        "/account/settings/email/confirm", data={"code": f"{(int(code) + 1) % 10**6:06d}"}
    )
    assert wrong.status_code == 400
    confirmed = acc_client.post("/account/settings/email/confirm", data={"code": code})
    assert confirmed.status_code == 303
    assert find_customer(acc_app, "ada.new@example.com").id == account_id
    assert find_customer(acc_app, "ada@example.com") is None
    told = smtp_server.wait_for(len(smtp_server.messages))
    (notice,) = [
        m for m in told if m.rcpt_tos == ["ada@example.com"] and "changed" in m.message["Subject"]
    ]
    assert "ada.new@example.com" in notice.text_part()
    # Sign-in codes now go to the new address.
    other = acc_app.test_client()
    CustomerActions(acc_app, other, smtp_server).sign_in("ada.new@example.com")
    assert find_customer(acc_app, "ada.new@example.com").id == account_id


def test_an_address_another_account_uses_is_refused_after_its_code(
    acc_app, acc_client, customer, smtp_server
):
    CustomerActions(acc_app, acc_app.test_client(), smtp_server).sign_in("bo@example.com")
    customer.sign_in("ada@example.com")
    acc_client.post("/account/settings/email", data={"email": "bo@example.com"})
    code = [m for m in smtp_server.messages if m.rcpt_tos == ["bo@example.com"]][-1].message[
        "Subject"
    ][:6]
    refused = acc_client.post("/account/settings/email/confirm", data={"code": code})
    assert refused.status_code == 400
    assert "Another account" in page(refused).select_one("[data-code-error]").get_text()
    assert find_customer(acc_app, "ada@example.com") is not None


def test_the_same_address_is_not_a_change(acc_client, customer):
    customer.sign_in("ada@example.com")
    answer = acc_client.post("/account/settings/email", data={"email": "ADA@example.com"})
    assert answer.status_code == 400
    assert "already your email" in page(answer).select_one(".field-error").get_text()


# The customer's data -----------------------------------------------------------------


def test_the_customer_downloads_everything_held_about_them(acc_app, acc_client, customer):
    products = make_products(acc_app)
    order = buy(acc_app, acc_app.test_client(), {products.cream: 1}, "ada@example.com")
    customer.sign_in("ada@example.com")
    acc_client.post("/account/settings/name", data={"name": "Ada Lovelace"})
    with acc_app.app_context():
        article = ArticleFactory(slug="gut-skin", title="The gut-skin axis")
        account = db.session.scalar(select(Customer))
        account.display_name = "Ada L."
        db.session.add(Comment(article=article, customer=account, body="Lovely", status="approved"))
        db.session.commit()

    download = acc_client.get("/account/export")
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    data = json.loads(download.get_data(as_text=True))
    assert data["account"]["email"] == "ada@example.com"
    assert data["account"]["name"] == "Ada Lovelace"
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["orders"][0]["ship_to"]["line1"] == "12 Example Street"
    assert data["comments"][0]["body"] == "Lovely"
    assert data["reviews"] == [] and data["back_in_stock_requests"] == []
    with acc_app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "customer.export"))
        assert entry.entity_id == str(find_customer(acc_app, "ada@example.com").id)


def test_erasing_the_account_keeps_orders_and_comments_without_the_person(
    acc_app, acc_client, customer, smtp_server
):
    products = make_products(acc_app)
    order = buy(acc_app, acc_app.test_client(), {products.cream: 1}, "ada@example.com")
    customer.sign_in("ada@example.com")
    account_id = find_customer(acc_app, "ada@example.com").id
    with acc_app.app_context():
        article = ArticleFactory(slug="gut-skin", title="The gut-skin axis")
        account = db.session.get(Customer, account_id)
        account.display_name = "Ada L."
        db.session.add(Comment(article=article, customer=account, body="Lovely", status="approved"))
        db.session.commit()

    unconfirmed = acc_client.post("/account/delete", data={})
    assert unconfirmed.status_code == 400
    assert find_customer(acc_app, "ada@example.com") is not None

    old_cookie = acc_client.get_cookie("session").value
    erased = acc_client.post("/account/delete", data={"confirm": "y"})
    assert erased.status_code == 303
    assert find_customer(acc_app, "ada@example.com") is None
    assert acc_client.get("/account").status_code == 302
    with acc_app.app_context():
        kept = db.session.get(Order, order.id)
        assert kept is not None and kept.status == "paid"
        assert db.session.scalars(select(SignInCode)).all() == []
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "customer.erase"))
        assert entry.entity_id == str(account_id) and "ada@" not in (
            entry.summary + (entry.before or "")
        )
    shown = page(acc_app.test_client().get("/journal/gut-skin")).select_one(".comment")
    assert "A former customer" in shown.get_text()
    assert "Ada L." not in shown.get_text()
    # Signing in with the address again opens a new, empty account, which a copy of the
    # erased account's session cookie does not open (even where the id is used again).
    copy = acc_app.test_client()
    copy.set_cookie("session", old_cookie)
    CustomerActions(acc_app, acc_app.test_client(), smtp_server).sign_in("ada@example.com")
    assert find_customer(acc_app, "ada@example.com").display_name is None
    assert copy.get("/account").status_code == 302


def test_the_account_shows_the_newsletter_status_with_its_preferences(
    acc_app, acc_client, customer
):
    from tests.newsletter.factories import SubscriberFactory

    customer.sign_in("ada@example.com")
    status = page(acc_client.get("/account")).select_one("[data-newsletter-status]")
    assert "Not subscribed" in status.get_text()
    with acc_app.app_context():
        subscriber = SubscriberFactory(email="ada@example.com", status="confirmed")
        token = subscriber.unsubscribe_token
    status = page(acc_client.get("/account")).select_one("[data-newsletter-status]")
    assert "Subscribed" in status.get_text()
    assert status.select_one("a")["href"] == f"https://shop.test/newsletter/unsubscribe/{token}"


def test_every_account_page_needs_a_customer(acc_client):
    for path in ("/account", "/account/orders", "/account/settings", "/account/export"):
        response = acc_client.get(path)
        assert response.status_code == 302, path
        assert location(response) == f"/account/login?next={path}"
    for path in ("/account/settings/name", "/account/settings/email", "/account/delete"):
        assert location(acc_client.post(path)) == "/account/login", path


def test_a_code_email_that_waited_past_its_lifetime_is_not_sent(acc_app, smtp_server):
    from datetime import timedelta

    from sqlalchemy import update

    from shop.mail.models import OutgoingEmail
    from shop.mail.services import deliver_email
    from shop.models import utcnow

    client = acc_app.test_client(run_queue=False)
    client.post("/account/login", data={"email": "ada@example.com"})
    with acc_app.app_context():
        db.session.execute(
            update(OutgoingEmail).values(created_at=utcnow() - timedelta(minutes=16))
        )
        db.session.commit()
        email_id = db.session.scalar(select(OutgoingEmail.id))
        assert deliver_email(email_id).status == "cancelled"
    assert smtp_server.messages == []
