"""Checking out while signed in: the order takes the account's verified email; with
Stripe the account's Stripe Customer (made once, however many checkouts ask at once) is
passed to the Checkout Session; with the demo provider the payment page fills in the
customer's own last address, and nobody else's.

Stripe is the local Stripe-compatible server, driven by the real `stripe` library.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from shop.accounts.models import Customer
from shop.extensions import db
from shop.payments.customers import customer_idempotency_key, paying_customer
from tests.factories import ProductFactory
from tests.helpers import page
from tests.helpers.accounts import CustomerActions, find_customer
from tests.helpers.checkout import (
    add_to_cart,
    only_order,
    orders,
    post_checkout,
    run_together,
    session_creates,
    session_id_from,
    share_basket,
)

CUSTOMERS_PATH = "/v1/customers"
HOME = {
    "name": "Ada Lovelace",
    "address": {"line1": "12 Example Street", "city": "London", "postal_code": "SW1A 1AA"},
}


def customer_creates(fake) -> list:
    return fake.requests_for("POST", CUSTOMERS_PATH)


@pytest.fixture
def ada(stripe_app, shopper, smtp_server) -> CustomerActions:
    """Ada, signed in on `shopper` (the Stripe shop's browser)."""
    actions = CustomerActions(stripe_app, shopper, smtp_server)
    actions.sign_in("ada@example.com")
    return actions


def pay_and_return(client, fake, session_id: str, shipping=HOME):
    """Pay at Stripe and come back to the success page, as the browser would."""
    fake.pay_session(session_id, shipping=shipping)
    back = client.get(f"/checkout/success?session_id={session_id}")
    assert back.status_code == 303
    return back


# Stripe ------------------------------------------------------------------------------


def test_the_first_signed_in_checkout_makes_the_accounts_stripe_customer_and_uses_it(
    stripe_app, shopper, products, fake, ada
):
    add_to_cart(shopper, products.cream, 2)

    session_id = session_id_from(post_checkout(shopper))

    (made,) = customer_creates(fake)
    account = find_customer(stripe_app, "ada@example.com")
    assert made.params["email"] == "ada@example.com"
    assert made.params["metadata"] == {"account_id": str(account.id)}
    assert made.idempotency_key == customer_idempotency_key(account)
    customer_id = account.stripe_customer_id
    assert customer_id.startswith("cus_") and customer_id in fake.customers

    (created,) = session_creates(fake)
    assert created.params["customer"] == customer_id
    assert "customer_email" not in created.params  # Stripe refuses both
    assert created.params["customer_update"] == {"shipping": "auto", "address": "auto"}
    with fake.lock:
        assert fake.sessions[session_id]["customer"] == customer_id
        assert fake.sessions[session_id]["customer_details"]["email"] == "ada@example.com"
    assert only_order(stripe_app).email == "ada@example.com"  # the account's, from the start

    # Paid: the order is Ada's, and Stripe saved the address on her customer.
    pay_and_return(shopper, fake, session_id)
    order = only_order(stripe_app)
    assert (order.status, order.email, order.ship_to_line1) == (
        "paid",
        "ada@example.com",
        "12 Example Street",
    )
    with fake.lock:
        saved = fake.customers[customer_id]
        assert saved["shipping"]["address"]["line1"] == "12 Example Street"
        assert saved["address"]["postal_code"] == "SW1A 1AA"
    listed = page(shopper.get("/account/orders"))
    assert order.number in listed.get_text()


def test_the_next_checkout_reuses_the_customer(stripe_app, shopper, products, fake, ada):
    add_to_cart(shopper, products.cream)
    pay_and_return(shopper, fake, session_id_from(post_checkout(shopper)))
    add_to_cart(shopper, products.capsules)

    second = session_id_from(post_checkout(shopper))

    assert len(customer_creates(fake)) == 1
    customer_id = find_customer(stripe_app, "ada@example.com").stripe_customer_id
    first_params, second_params = (r.params for r in session_creates(fake))
    assert first_params["customer"] == second_params["customer"] == customer_id
    with fake.lock:
        assert fake.sessions[second]["customer"] == customer_id
    # Fetched back from Stripe, it is the one customer of this account.
    fetched = stripe_app.extensions["stripe_gateway"].client.v1.customers.retrieve(customer_id)
    assert fetched.email == "ada@example.com"
    assert fetched.metadata["account_id"] == str(find_customer(stripe_app, "ada@example.com").id)


def test_a_guest_checkout_names_no_customer(stripe_app, shopper, products, fake):
    add_to_cart(shopper, products.cream)

    session_id = session_id_from(post_checkout(shopper))

    assert customer_creates(fake) == []
    (created,) = session_creates(fake)
    assert "customer" not in created.params and "customer_update" not in created.params
    # As before: Stripe's page asks a guest for the email, which the order then takes.
    assert "customer_email" not in created.params
    assert only_order(stripe_app).email == ""
    pay_and_return(shopper, fake, session_id)
    order = only_order(stripe_app)
    assert (order.status, order.email) == ("paid", "customer@example.com")
    with fake.lock:
        assert fake.sessions[session_id]["customer"] is None


def test_two_tabs_checking_out_at_once_make_one_customer(stripe_app, shopper, products, fake, ada):
    add_to_cart(shopper, products.cream)
    tabs = [shopper, share_basket(stripe_app, shopper)]

    responses = run_together(*[lambda t=t: post_checkout(t) for t in tabs])

    assert len({session_id_from(r) for r in responses}) == 1
    assert len(customer_creates(fake)) == 1
    customer_id = find_customer(stripe_app, "ada@example.com").stripe_customer_id
    assert [r.params["customer"] for r in session_creates(fake)] == [customer_id]
    assert len(orders(stripe_app)) == 1


def test_checkouts_of_one_account_at_once_make_one_customer(stripe_app, fake):
    """Straight at the service, each in its own session and app context, released at once:
    the account's row lock lets one make the customer; the other finds its id."""
    with stripe_app.app_context():
        account = Customer(email="grace@example.com", name="Grace Hopper")
        db.session.add(account)
        db.session.commit()
        account_id = account.id

    def check_out():
        with stripe_app.app_context():
            found = db.session.get(Customer, account_id)
            return paying_customer(found).provider_id

    ids = run_together(check_out, check_out, check_out)

    (made,) = customer_creates(fake)
    assert made.params["name"] == "Grace Hopper"
    assert len(set(ids)) == 1 and ids[0] in fake.customers
    assert find_customer(stripe_app, "grace@example.com").stripe_customer_id == ids[0]


def test_when_stripe_cannot_make_the_customer_the_checkout_still_goes_ahead(
    stripe_app, shopper, products, fake, ada
):
    add_to_cart(shopper, products.cream)
    fake.fail_next = 500  # the customer request

    session_id = session_id_from(post_checkout(shopper))

    assert find_customer(stripe_app, "ada@example.com").stripe_customer_id is None
    (created,) = session_creates(fake)
    assert "customer" not in created.params
    assert created.params["customer_email"] == "ada@example.com"
    pay_and_return(shopper, fake, session_id)
    assert only_order(stripe_app).email == "ada@example.com"

    # The next checkout tries again, and this time Stripe answers.
    add_to_cart(shopper, products.capsules)
    session_id_from(post_checkout(shopper))
    customer_id = find_customer(stripe_app, "ada@example.com").stripe_customer_id
    assert customer_id in fake.customers
    assert session_creates(fake)[-1].params["customer"] == customer_id


def stripe_customer_id(app, email: str) -> str:
    return find_customer(app, email).stripe_customer_id


def test_a_new_name_and_email_reach_the_stripe_customer(
    stripe_app, shopper, products, fake, ada, smtp_server
):
    add_to_cart(shopper, products.cream)
    session_id_from(post_checkout(shopper))
    customer_id = stripe_customer_id(stripe_app, "ada@example.com")

    renamed = shopper.post("/account/settings/name", data={"name": "Ada King"})
    assert renamed.status_code == 303
    with fake.lock:
        assert fake.customers[customer_id]["name"] == "Ada King"

    shopper.post("/account/settings/email", data={"email": "ada.king@example.com"})
    (mail,) = [m for m in smtp_server.messages if m.rcpt_tos == ["ada.king@example.com"]]
    confirmed = shopper.post(
        "/account/settings/email/confirm", data={"code": mail.message["Subject"][:6]}
    )
    assert confirmed.status_code == 303
    with fake.lock:
        assert fake.customers[customer_id]["email"] == "ada.king@example.com"
        assert fake.customers[customer_id]["name"] == "Ada King"
    updates = fake.requests_for("POST", f"{CUSTOMERS_PATH}/{customer_id}")
    assert [r.params for r in updates] == [
        {"email": "ada@example.com", "name": "Ada King"},
        {"email": "ada.king@example.com", "name": "Ada King"},
    ]


def test_an_account_stripe_never_knew_sends_it_nothing(stripe_app, shopper, fake, ada):
    assert shopper.post("/account/settings/name", data={"name": "Ada King"}).status_code == 303
    assert shopper.post("/account/delete", data={"confirm": "y"}).status_code == 303

    assert find_customer(stripe_app, "ada@example.com") is None
    assert [r.path for r in fake.requests_for() if r.path.startswith(CUSTOMERS_PATH)] == []


def test_erasing_the_account_deletes_its_stripe_customer(stripe_app, shopper, products, fake, ada):
    add_to_cart(shopper, products.cream)
    pay_and_return(shopper, fake, session_id_from(post_checkout(shopper)))
    customer_id = stripe_customer_id(stripe_app, "ada@example.com")

    erased = shopper.post("/account/delete", data={"confirm": "y"})

    assert erased.status_code == 303
    assert find_customer(stripe_app, "ada@example.com") is None
    (deleted,) = fake.requests_for("DELETE", f"{CUSTOMERS_PATH}/{customer_id}")
    with fake.lock:
        assert customer_id not in fake.customers  # its email, address and cards with it
    # A deletion asked for again (a retry whose answer was lost) is not an error.
    with stripe_app.app_context():
        stripe_app.extensions["stripe_gateway"].delete_customer(customer_id)


def test_signing_out_checks_out_as_a_guest_again(stripe_app, shopper, products, fake, ada):
    add_to_cart(shopper, products.cream)
    pay_and_return(shopper, fake, session_id_from(post_checkout(shopper)))
    ada.sign_out()
    add_to_cart(shopper, products.capsules)

    post_checkout(shopper)

    last = session_creates(fake)[-1].params
    assert "customer" not in last and "customer_email" not in last
    assert orders(stripe_app)[-1].email == ""


# The demo provider ---------------------------------------------------------------------


@pytest.fixture
def demo_shop(acc_app):
    """The demo-payments shop with something to buy; returns the variant id."""
    with acc_app.app_context():
        product = ProductFactory(name="Probiotic Moisturiser", variants__price_pence=2400)
        return product.variants[0].id


def demo_checkout(client, variant_id) -> str:
    """Put one in the basket and check out; the path of the demo payment page."""
    add_to_cart(client, variant_id)
    response = post_checkout(client)
    assert response.status_code == 303
    path = urlsplit(response.headers["Location"]).path
    assert path.startswith("/checkout/demo/demo_cs_")
    return path


def fields(response) -> dict[str, str]:
    soup = page(response)
    return {
        name: (soup.find("input", attrs={"name": name}).get("value") or "")
        for name in ("email", "name", "line1", "line2", "city", "postcode")
    }


def pay_demo(client, path: str, **typed):
    paid = client.post(path, data={"action": "pay", **typed})
    assert paid.status_code == 303, page(paid).get_text(" ", strip=True)[:300]
    success = urlsplit(paid.headers["Location"])
    assert client.get(f"{success.path}?{success.query}").status_code == 303


ADA_HOME = {
    "name": "Ada Lovelace",
    "line1": "12 Example Street",
    "line2": "Flat 3",
    "city": "London",
    "postcode": "SW1A 1AA",
}


def test_the_demo_page_fills_in_the_email_then_the_last_address(
    acc_app, acc_client, customer, demo_shop
):
    customer.sign_in("ada@example.com")

    first = demo_checkout(acc_client, demo_shop)
    shown = page(acc_client.get(first))
    email = shown.find("input", attrs={"name": "email"})
    assert email["value"] == "ada@example.com" and email.has_attr("readonly")
    assert fields(acc_client.get(first)) == {
        "email": "ada@example.com",
        "name": "",
        "line1": "",
        "line2": "",
        "city": "",
        "postcode": "",
    }
    # A different address typed in the read-only field changes nothing.
    pay_demo(acc_client, first, email="someone@else.example", **ADA_HOME)
    assert only_order(acc_app).email == "ada@example.com"

    second = demo_checkout(acc_client, demo_shop)
    assert fields(acc_client.get(second)) == {"email": "ada@example.com", **ADA_HOME}
    pay_demo(acc_client, second, email="ada@example.com", **ADA_HOME)
    listed = page(acc_client.get("/account/orders")).get_text()
    assert all(order.number in listed for order in orders(acc_app))


def test_a_guest_gets_empty_fields(acc_app, acc_client, customer, demo_shop):
    customer.sign_in("ada@example.com")
    pay_demo(acc_client, demo_checkout(acc_client, demo_shop), **ADA_HOME)
    customer.sign_out()

    guest_page = demo_checkout(acc_client, demo_shop)

    assert set(fields(acc_client.get(guest_page)).values()) == {""}
    assert (
        not page(acc_client.get(guest_page))
        .find("input", attrs={"name": "email"})
        .has_attr("readonly")
    )


def test_nobody_is_shown_another_customers_address(acc_app, acc_client, customer, demo_shop):
    customer.sign_in("ada@example.com")
    ada_page = demo_checkout(acc_client, demo_shop)
    pay_demo(acc_client, ada_page, **ADA_HOME)
    ada_next = demo_checkout(acc_client, demo_shop)  # open, with Ada's address filled in
    assert "12 Example Street" in acc_client.get(ada_next).get_data(as_text=True)

    # Bob, signed in on a browser of his own, with no order yet.
    bob = acc_app.test_client()
    customer.sign_in("bob@example.com", client=bob)
    bob_page = demo_checkout(bob, demo_shop)
    assert fields(bob.get(bob_page))["line1"] == ""
    # Even on Ada's payment page (its address is a bearer link), Bob sees nothing of hers.
    on_adas = bob.get(ada_next).get_data(as_text=True)
    assert "Example Street" not in on_adas and "Lovelace" not in on_adas

    # Bob's own address, once he has one, is the only one he is shown.
    pay_demo(
        bob,
        bob_page,
        name="Bob Stone",
        line1="1 Other Road",
        line2="",
        city="Leeds",
        postcode="LS1 1AA",
    )
    shown = bob.get(demo_checkout(bob, demo_shop)).get_data(as_text=True)
    assert "1 Other Road" in shown and "Example Street" not in shown
    assert fields(acc_client.get(ada_next))["line1"] == "12 Example Street"


def test_the_demo_customer_has_an_earlier_order_whose_address_is_filled_in(
    acc_app, acc_client, customer
):
    runner = acc_app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # adds nothing more
    # Hers, beside the reports' order history (which never uses her address).
    (earlier,) = [o for o in orders(acc_app) if o.email == "hannah.demo@example.com"]
    assert earlier.status == "paid"
    assert earlier.confirmation_sent_at is not None  # history: no email goes out for it

    customer.sign_in("hannah.demo@example.com")
    assert earlier.number in page(acc_client.get("/account/orders")).get_text()
    variant_id = earlier.lines[0].variant_id
    shown = fields(acc_client.get(demo_checkout(acc_client, variant_id)))
    assert shown == {
        "email": "hannah.demo@example.com",
        "name": "Hannah Reid",
        "line1": "4 Orchard Lane",
        "line2": "",
        "city": "Bristol",
        "postcode": "BS1 4DJ",
    }


def test_the_basket_says_which_address_a_signed_in_order_uses(
    acc_app, acc_client, customer, demo_shop
):
    add_to_cart(acc_client, demo_shop)
    assert page(acc_client.get("/cart")).select_one("[data-checkout-email]") is None

    customer.sign_in("ada@example.com")

    note = page(acc_client.get("/cart")).select_one("[data-checkout-email]")
    assert "Signed in as ada@example.com" in note.get_text()
