"""The demo payment provider: with no Stripe key a newcomer can still complete an order."""

import re
from datetime import timedelta

import pytest

from shop.catalogue.models import Variant
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order
from shop.payments.models import DemoPaymentSession
from tests.factories import ProductFactory, VariantFactory
from tests.helpers import page
from tests.helpers.checkout import ADDRESS


@pytest.fixture
def basket(app, client):
    """A basket holding 2 × £24 moisturiser (so delivery is free); returns the variant id."""
    client.get("/")  # a page view, so later flashed messages are this test's own
    with app.app_context():
        product = ProductFactory(name="Probiotic Moisturiser", variants=[])
        variant_id = VariantFactory(product=product, sku="PM-50", price_pence=2400, on_hand=10).id
    client.post("/cart/add", data={"variant_id": variant_id, "quantity": 2})
    return variant_id


def stock(app, variant_id) -> tuple[int, int]:
    with app.app_context():
        variant = db.session.get(Variant, variant_id)
        return variant.on_hand, variant.reserved


def test_checkout_opens_a_clearly_labelled_test_payment_page(app, client, basket):
    response = client.post("/checkout")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/checkout/demo/demo_cs_")
    assert stock(app, basket) == (10, 2)  # reserved while the payment page is open
    soup = page(client.get(response.headers["Location"]))
    assert "Test payment" in soup.title.text and "no card is charged" in soup.title.text
    assert "no card is charged" in soup.select_one(".demo-banner").text
    assert "£48.00" in soup.select_one(".mini-order tfoot").text
    buttons = {b["value"]: b.text for b in soup.select("button[name=action]")}
    assert set(buttons) == {"pay", "cancel"}
    assert soup.find("input", attrs={"name": "card"}) is None


def test_paying_ends_in_a_paid_order_an_email_and_an_empty_basket(app, client, basket, tmp_path):
    payment_page = client.post("/checkout").headers["Location"]
    paid = client.post(payment_page, data={"action": "pay", **ADDRESS})
    assert paid.status_code == 303
    # Back on the shop's own address (SHOP_BASE_URL), as the browser would be.
    success_url = paid.headers["Location"]
    assert success_url.startswith("http://shop.test/checkout/success?session_id=demo_cs_")
    success = client.get(success_url.removeprefix("http://shop.test"))
    assert success.status_code == 303
    order_page = client.get(success.headers["Location"])
    soup = page(order_page)
    assert soup.select_one(".order-status strong").text == "Paid"
    assert "Thank you! Your order FB-" in soup.select_one(".flashes").text
    assert "SW1A 1AA" in soup.select_one("address").text
    assert stock(app, basket) == (8, 0)
    assert soup.select_one("[data-cart-count]").text == "0"

    [eml] = list((tmp_path / "outbox").glob("*.eml"))
    text = eml.read_text()
    assert "To: ada@example.com" in text
    link = re.search(r"http://shop\.test/orders/[A-Za-z0-9_-]+", text).group(0)
    assert link.endswith(success.headers["Location"])

    # Coming back to the success page changes nothing and sends nothing more.
    client.get(success_url.removeprefix("http://shop.test"))
    assert stock(app, basket) == (8, 0)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_missing_address_fields_are_explained_and_kept(app, client, basket):
    payment_page = client.post("/checkout").headers["Location"]
    form = {**ADDRESS, "action": "pay", "email": "not-an-email", "postcode": "12345", "city": ""}
    response = client.post(payment_page, data=form)
    assert response.status_code == 400
    soup = page(response)
    assert soup.select_one("[role=alert]").text.startswith("Please correct the 3 fields")
    assert soup.select_one("#email")["value"] == "not-an-email"
    assert soup.select_one("#email")["aria-invalid"] == "true"
    assert "Please enter a UK postcode" in soup.select_one("#postcode-error").text
    assert "Please enter the town or city." in soup.select_one("#city-error").text
    with app.app_context():
        assert db.session.scalar(db.select(Order.status)) == "pending"


def test_cancel_releases_the_stock_and_keeps_the_basket(app, client, basket):
    payment_page = client.post("/checkout").headers["Location"]
    cancelled = client.post(payment_page, data={"action": "cancel"})
    back = client.get(cancelled.headers["Location"].removeprefix("http://shop.test"))
    assert back.headers["Location"] == "/cart"
    soup = page(client.get("/cart"))
    assert "Payment cancelled: nothing was charged" in soup.select_one(".flashes").text
    assert soup.select_one("[data-cart-count]").text == "2"
    assert stock(app, basket) == (10, 0)
    with app.app_context():
        assert db.session.scalar(db.select(Order.status)) == "cancelled"
    # The closed payment page cannot be paid any more.
    late = client.post(payment_page, data={"action": "pay", **ADDRESS})
    assert late.status_code == 410
    assert stock(app, basket) == (10, 0)
    # Checking out again starts a fresh order.
    again = client.post("/checkout")
    assert again.headers["Location"] != payment_page
    assert stock(app, basket) == (10, 2)


def test_expired_sessions_are_released_by_the_command(app, client, basket):
    client.post("/checkout")
    with app.app_context():
        past = utcnow() - timedelta(hours=1)
        order = db.session.scalar(db.select(Order))
        order.payment_expires_at = past
        db.session.get(DemoPaymentSession, order.payment_session_id).expires_at = past
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["release-expired"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 released")
    assert stock(app, basket) == (10, 0)
    with app.app_context():
        assert db.session.scalar(db.select(Order.status)) == "expired"


def test_double_click_makes_one_order(app, client, basket):
    first = client.post("/checkout")
    second = client.post("/checkout")
    assert first.headers["Location"] == second.headers["Location"]
    assert stock(app, basket) == (10, 2)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1


@pytest.mark.parametrize("token", ["nope", "x" * 43, "../../etc/passwd", "%00"])
def test_a_wrong_order_token_is_a_plain_404(client, token):
    response = client.get(f"/orders/{token}")
    assert response.status_code == 404

    # Exactly the page any unknown address gets: nothing says whether an order exists.
    def without_tokens(html: str) -> str:  # signed hidden fields carry a timestamp
        return re.sub(r'(<input type="hidden"[^>]*?) value="[^"]*"', r"\1", html)

    generic = without_tokens(client.get("/no-such-page").get_data(as_text=True))
    body = response.get_data(as_text=True).replace(response.request.path, "/no-such-page")
    assert without_tokens(body) == generic


def test_unknown_demo_session_is_404(client):
    assert client.get("/checkout/demo/demo_cs_unknown").status_code == 404
    assert client.get("/checkout/success?session_id=cs_nope").status_code == 404
    assert client.get("/checkout/success").status_code == 404
    assert client.get("/checkout/cancel?order=nope").headers["Location"] == "/cart"


def test_buying_the_same_basket_again_after_paying_opens_a_new_payment(app, client, basket):
    """The same browser, the same items again: a new order and a new payment page, not the
    earlier (paid) order."""
    first_page = client.post("/checkout").headers["Location"]
    paid = client.post(first_page, data={"action": "pay", **ADDRESS})
    client.get(paid.headers["Location"].removeprefix("http://shop.test"))
    assert stock(app, basket) == (8, 0)

    client.post("/cart/add", data={"variant_id": basket, "quantity": 2})
    again = client.post("/checkout")

    assert again.headers["Location"].startswith("/checkout/demo/demo_cs_")
    assert again.headers["Location"] != first_page
    assert (
        page(client.get(again.headers["Location"]))
        .select_one("h1")
        .text.startswith("Pay for order")
    )
    assert stock(app, basket) == (8, 2)
    with app.app_context():
        statuses = db.session.scalars(db.select(Order.status).order_by(Order.id)).all()
    assert statuses == ["paid", "pending"]
