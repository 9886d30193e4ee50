"""Back-in-stock alerts: the form on sold-out sizes, confirmation by email (a page with
a button), signed-in customers skipping it, no enumeration, one email per confirmed
request on a restock by any path (staff, the command line, CSV import, a released
checkout, a refund), none for unconfirmed or expired requests, one-click unsubscribe,
and the counts staff see. Real SMTP server, both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from shop.alerts.models import StockAlert
from shop.backoffice.models import AuditEntry
from shop.catalogue.models import StockAdjustment, Variant
from shop.extensions import db
from shop.models import utcnow
from tests.helpers import page
from tests.helpers.accounts import CustomerActions
from tests.helpers.alerts import ask, sell_out
from tests.helpers.catalogue_admin import apply, export, preview, to_csv
from tests.helpers.checkout import add_to_cart, flashes, follow, make_products, set_variant
from tests.helpers.queue import run_queue
from tests.helpers.reviews import CONFIRM_LINK, UNSUBSCRIBE_LINK, alerts, links


def slug_and_sku(app, variant_id: int) -> tuple[str, str]:
    with app.app_context():
        variant = db.session.get(Variant, variant_id)
        return variant.product.slug, variant.sku


def waiting_for(shop, email: str, variant_id: int | None = None) -> None:
    """`email` asks for the cream (or `variant_id`) and confirms through its email."""
    variant_id = variant_id or shop.products.cream
    slug, _sku = slug_and_sku(shop.app, variant_id)
    client = shop.app.test_client()
    assert ask(client, shop.app, slug, variant_id, email).status_code == 303
    mail = next(m for m in shop.smtp.wait_for(1) if m.rcpt_tos == [email])
    (confirm,) = links(CONFIRM_LINK, mail)
    assert client.post(confirm).status_code == 200
    shop.smtp.clear()


def adjust(shop, variant_id: int, change: int = 5):
    response = shop.staff.post(
        f"/admin/catalogue/variants/{variant_id}/stock",
        data={"change": str(change), "reason": "Delivery from the lab"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)


def back_in_stock_mails(shop, count: int):
    mails = shop.smtp.wait_for(count)
    backs = [m for m in mails if m.message["Subject"].startswith("Back in stock")]
    return backs


def test_a_sold_out_size_shows_the_form_and_an_address_confirms_by_email(shop):
    cream = shop.products.cream
    slug, _ = slug_and_sku(shop.app, cream)
    visitor = shop.app.test_client()
    in_stock = page(visitor.get(f"/products/{slug}"))
    assert in_stock.select_one(".stock-alert") is None
    sell_out(shop.app, cream)
    html = page(visitor.get(f"/products/{slug}"))
    form = html.select_one(".stock-alert form")
    assert form["action"] == f"/products/{slug}/notify"
    assert html.select_one(".stock-alert h2").get_text() == "Email me when it's back"
    assert form.select_one("input[name=variant_id]")["value"] == str(cream)
    assert html.select_one("label[for=stock-alert-email]").get_text() == "Email address"
    assert html.select_one(".buy-form button[type=submit]") is None, "no add button"

    asked = ask(visitor, shop.app, slug, cream, "Bo@Example.com")
    assert asked.status_code == 303
    said = flashes(follow(visitor, asked))
    (mail,) = shop.smtp.wait_for(1)
    assert mail.rcpt_tos == ["bo@example.com"]
    assert mail.message["Subject"] == "Confirm: email me when Barrier Cream is back"
    (confirm,) = links(CONFIRM_LINK, mail)
    (unsubscribe,) = links(UNSUBSCRIBE_LINK, mail)
    assert mail.message["List-Unsubscribe"] == f"<http://shop.test{unsubscribe}>"
    assert [a.status for a in alerts(shop.app)] == ["unconfirmed"]

    # Asking again (already on the list or not) gets the same answer.
    same = shop.app.test_client()
    again = ask(same, shop.app, slug, cream, "bo@example.com")
    other = shop.app.test_client()
    fresh = ask(other, shop.app, slug, cream, "cy@example.com")
    assert flashes(follow(same, again)) == said
    assert flashes(follow(other, fresh)) == [said[0].replace("bo@example.com", "cy@example.com")]

    # The link shows a button and confirms nothing until it is pressed.
    shown = visitor.get(confirm)
    assert shown.status_code == 404, "a newer link replaced it"
    (_first, newer, _cy) = shop.smtp.wait_for(3)
    (confirm,) = links(CONFIRM_LINK, newer)
    shown = visitor.get(confirm)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    # A personal link: not indexed, its token never sent on as the Referer.
    assert shown.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert shown.headers["Referrer-Policy"] == "no-referrer"
    assert page(shown).select_one("form.stock-alert-confirm button").get_text() == "Yes, email me"
    assert [a.status for a in alerts(shop.app)] == ["unconfirmed", "unconfirmed"]
    done = visitor.post(confirm)
    assert "You are on the list" in page(done).get_text()
    assert [a.status for a in alerts(shop.app)] == ["waiting", "unconfirmed"]
    assert visitor.get("/alerts/confirm/" + "x" * 43).status_code == 404


def test_a_signed_in_customer_skips_confirmation(shop, smtp_server):
    cream = shop.products.cream
    slug, _ = slug_and_sku(shop.app, cream)
    sell_out(shop.app, cream)
    customer = shop.app.test_client()
    CustomerActions(shop.app, customer, smtp_server).sign_in("dee@example.com")
    smtp_server.clear()
    asked = ask(customer, shop.app, slug, cream, "dee@example.com")
    assert "Done: we will email dee@example.com when 50 ml is back in stock." in flashes(
        follow(customer, asked)
    )
    run_queue(shop.app)
    assert smtp_server.messages == []
    assert [(a.email, a.status) for a in alerts(shop.app)] == [("dee@example.com", "waiting")]
    # Another address typed by a signed-in customer is confirmed by email, as anyone's.
    ask(customer, shop.app, slug, cream, "friend@example.com")
    assert smtp_server.wait_for(1)[0].rcpt_tos == ["friend@example.com"]


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"email": "not-an-email"}, 400, "Please enter an email address like name@example.com."),
        ({"email": ""}, 400, "Please enter your email address."),
        ({"variant_id": "x"}, 400, "Choose the size you are waiting for."),
        ({"variant_id": "999999"}, 400, "Choose a size of this product."),
    ],
)
def test_bad_input_is_explained(shop, fields, status, message):
    cream = shop.products.cream
    slug, _ = slug_and_sku(shop.app, cream)
    sell_out(shop.app, cream)
    data = {"email": "bo@example.com", **fields}
    variant = data.pop("variant_id", cream)
    response = ask(shop.app.test_client(), shop.app, slug, variant, data.pop("email"))
    assert response.status_code == status
    assert message in page(response).get_text()
    assert alerts(shop.app) == []


def test_bots_in_stock_sizes_and_unknown_products(shop):
    cream, capsules = shop.products.cream, shop.products.capsules
    slug, _ = slug_and_sku(shop.app, cream)
    sell_out(shop.app, cream)
    client = shop.app.test_client()
    trapped = ask(client, shop.app, slug, cream, "bot@example.com", website="http://spam")
    assert trapped.status_code == 303
    assert "Thank you." in flashes(follow(client, trapped))[0]
    too_fast = ask(client, shop.app, slug, cream, "bot@example.com", stamp="forged")
    assert too_fast.status_code == 303
    assert alerts(shop.app) == []
    capsules_slug, _ = slug_and_sku(shop.app, capsules)
    in_stock = ask(client, shop.app, capsules_slug, capsules, "bo@example.com")
    assert "Good news: 60 capsules is in stock now." in flashes(follow(client, in_stock))
    assert ask(client, shop.app, "no-such-thing", cream, "bo@example.com").status_code == 404
    run_queue(shop.app)
    assert shop.smtp.messages == [] and alerts(shop.app) == []


def test_the_requests_are_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, STOCK_ALERT_EMAIL_LIMIT="2 per hour")
    cream = make_products(app).cream
    sell_out(app, cream)
    slug, _ = slug_and_sku(app, cream)
    statuses = [
        ask(app.test_client(), app, slug, cream, "bo@example.com").status_code for _ in range(3)
    ]
    assert statuses == [303, 303, 429]
    assert ask(app.test_client(), app, slug, cream, "cy@example.com").status_code == 303


def test_a_staff_restock_emails_each_confirmed_request_once(shop):
    cream = shop.products.cream
    sell_out(shop.app, cream)
    waiting_for(shop, "bo@example.com")
    waiting_for(shop, "cy@example.com")
    slug, _ = slug_and_sku(shop.app, cream)
    # Unconfirmed, expired and unsubscribed requests get nothing.
    ask(shop.app.test_client(), shop.app, slug, cream, "unconfirmed@example.com")
    waiting_for(shop, "expired@example.com")
    with shop.app.app_context():
        db.session.execute(
            update(StockAlert)
            .where(StockAlert.email == "expired@example.com")
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    shop.smtp.clear()

    adjust(shop, cream, 5)

    backs = back_in_stock_mails(shop, 2)
    assert sorted(m.rcpt_tos[0] for m in backs) == ["bo@example.com", "cy@example.com"]
    mail = backs[0]
    assert mail.message["Subject"] == "Back in stock: Barrier Cream (50 ml)"
    text = mail.text_part()
    assert f"http://shop.test/products/{slug}?variant={cream}" in text
    assert "http://shop.test/cart" in text
    (unsubscribe,) = links(UNSUBSCRIBE_LINK, mail)
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    statuses = {a.email: a.status for a in alerts(shop.app)}
    assert statuses == {
        "bo@example.com": "sent",
        "cy@example.com": "sent",
        "unconfirmed@example.com": "unconfirmed",
        "expired@example.com": "waiting",
    }

    # Sold out and back again: nothing more for the requests already emailed.
    sell_out(shop.app, cream)
    adjust(shop, cream, 3)
    run_queue(shop.app)
    assert len(shop.smtp.messages) == 2
    # The sweep finds nothing left to send either.
    from shop.alerts.tasks import send_due_alerts

    with shop.app.app_context():
        assert send_due_alerts() == 0


def test_the_command_line_adjustment_is_recorded_audited_and_fires_alerts(shop):
    cream = shop.products.cream
    sell_out(shop.app, cream)
    waiting_for(shop, "bo@example.com")
    _slug, sku = slug_and_sku(shop.app, cream)
    runner = shop.app.test_cli_runner()

    result = runner.invoke(args=["adjust-stock", sku, "+24", "--reason", "Pallet from the lab"])
    assert result.exit_code == 0, result.output
    assert f"{sku}: +24, now 24 on hand (24 to sell)." in result.output
    (mail,) = back_in_stock_mails(shop, 1)
    assert mail.rcpt_tos == ["bo@example.com"]
    taken = runner.invoke(args=["adjust-stock", sku, "-3", "--reason", "Damaged"])
    assert taken.exit_code == 0, taken.output
    with shop.app.app_context():
        changes = db.session.scalars(select(StockAdjustment).order_by(StockAdjustment.id)).all()
        assert [(c.change, c.reason, c.on_hand_after) for c in changes] == [
            (24, "Pallet from the lab", 24),
            (-3, "Damaged", 21),
        ]
        audits = db.session.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == "stock.adjust")
        ).all()
        assert audits == [
            f"Added 24 of {sku}: Pallet from the lab",
            f"Took away 3 of {sku}: Damaged",
        ]
    refused = runner.invoke(args=["adjust-stock", sku, "-99", "--reason", "Oops"])
    assert refused.exit_code == 1 and "Stock cannot go below zero" in refused.output
    assert runner.invoke(args=["adjust-stock", "NOPE", "1", "--reason", "x"]).exit_code == 1
    assert runner.invoke(args=["adjust-stock", sku, "1"]).exit_code == 2  # the reason is needed


def test_a_csv_import_restock_fires_alerts(shop):
    cream = shop.products.cream
    sell_out(shop.app, cream)
    waiting_for(shop, "bo@example.com")
    _slug, sku = slug_and_sku(shop.app, cream)
    rows = export(shop.staff)
    for row in rows:
        if row["sku"] == sku:
            row["on_hand"] = "12"
    applied = apply(shop.staff, preview(shop.staff, to_csv(rows)))
    assert applied.status_code == 303
    (mail,) = back_in_stock_mails(shop, 1)
    assert mail.rcpt_tos == ["bo@example.com"]


def test_a_released_checkout_fires_alerts(shop):
    cream = shop.products.cream
    set_variant(shop.app, cream, on_hand=1, reserved=0)
    shopper = shop.app.test_client()
    add_to_cart(shopper, cream, 1)
    payment_page = shopper.post("/checkout").headers["Location"]
    waiting_for(shop, "bo@example.com")  # the last one is held: sold out for now

    cancelled = shopper.post(payment_page, data={"action": "cancel"})
    shopper.get(cancelled.headers["Location"].removeprefix("http://shop.test"))
    (mail,) = back_in_stock_mails(shop, 1)
    assert mail.rcpt_tos == ["bo@example.com"]


def test_a_refund_that_restocks_fires_alerts(shop):
    cream = shop.products.cream
    set_variant(shop.app, cream, on_hand=2, reserved=0)
    order_id = shop.buy({cream: 2})
    waiting_for(shop, "bo@example.com")
    response = shop.refund(order_id, "36.00", return_all="y")
    assert response.status_code == 303, response.get_data(as_text=True)
    backs = back_in_stock_mails(shop, 2)  # the refund email and the alert
    assert [m.rcpt_tos for m in backs] == [["bo@example.com"]]


def test_unsubscribing_ends_every_request_of_the_address(shop):
    cream, capsules = shop.products.cream, shop.products.capsules
    sell_out(shop.app, cream)
    sell_out(shop.app, capsules)
    waiting_for(shop, "bo@example.com")
    slug, _ = slug_and_sku(shop.app, capsules)
    client = shop.app.test_client()
    ask(client, shop.app, slug, capsules, "bo@example.com")
    (mail,) = shop.smtp.wait_for(1)
    (unsubscribe,) = links(UNSUBSCRIBE_LINK, mail)

    shown = client.get(unsubscribe)
    assert shown.status_code == 200
    assert "Stop back-in-stock emails?" in page(shown).get_text()
    assert {a.status for a in alerts(shop.app)} == {"waiting", "unconfirmed"}
    done = client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "Unsubscribed" in page(done).get_text()
    assert {a.status for a in alerts(shop.app)} == {"cancelled"}
    assert client.post(unsubscribe, data={}).status_code == 400
    assert client.get("/alerts/unsubscribe/forged.token").status_code == 404

    shop.smtp.clear()
    adjust(shop, cream, 4)
    adjust(shop, capsules, 4)
    run_queue(shop.app)
    assert shop.smtp.messages == []


def test_staff_see_who_waits_per_size_and_the_most_wanted(shop):
    cream, capsules = shop.products.cream, shop.products.capsules
    sell_out(shop.app, cream)
    sell_out(shop.app, capsules)
    for email in ("a@example.com", "b@example.com"):
        waiting_for(shop, email)
    waiting_for(shop, "c@example.com", capsules)
    with shop.app.app_context():
        product_id = db.session.get(Variant, cream).product_id
    sizes = page(shop.staff.get(f"/admin/catalogue/products/{product_id}/variants"))
    assert " ".join(sizes.select_one("[data-waiting]").get_text().split()) == (
        "2 people waiting for it"
    )
    dashboard = page(shop.staff.get("/admin/"))
    rows = [
        [cell.get_text(strip=True) for cell in row.select("th, td")]
        for row in dashboard.select("[data-most-wanted] tbody tr")
    ]
    assert [(row[0], row[3]) for row in rows] == [
        ("Barrier Cream", "2"),
        ("Live Bacteria Capsules", "1"),
    ]
