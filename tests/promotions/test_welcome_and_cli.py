"""The newsletter's welcome code through the real SMTP server, and `create-promo`."""

from __future__ import annotations

import re

from sqlalchemy import select

from shop.extensions import db
from shop.promotions.models import Promotion
from shop.promotions.welcome import issue_welcome_code
from tests.factories import ProductFactory
from tests.helpers import page
from tests.helpers.newsletter import confirm_path, sign_up
from tests.helpers.promotions import apply_code


def test_confirming_mails_a_personal_single_use_code_once_per_address_ever(
    mailing_app, smtp_server
):
    app = mailing_app()
    client = app.test_client()
    assert "10% off" in page(client.get("/newsletter")).select_one("[data-welcome-offer]").text
    sign_up(client, app, "ada@example.com")
    (confirmation,) = smtp_server.wait_for(1)
    smtp_server.clear()

    confirmed = client.post(confirm_path(confirmation))

    assert page(confirmed).select_one("[data-welcome-sent]") is not None
    (welcome,) = smtp_server.wait_for(1)
    assert welcome.rcpt_tos == ["ada@example.com"]
    assert welcome.message["Subject"] == "Welcome: 10% off your next order"
    code = re.search(r"WELCOME-[A-Z0-9]{8}", welcome.text_part()).group(0)
    assert code in welcome.html_part()
    smtp_server.clear()
    with app.app_context():
        minted = db.session.scalar(select(Promotion).where(Promotion.code == code))
        assert (minted.percent_off, minted.max_uses) == (10, 1)
        assert (minted.ends_at - minted.starts_at).days == 30
        assert "ada@example.com" not in (minted.welcome_key or "")  # a keyed hash only
        variant_id = ProductFactory(variants__price_pence=2000).variants[0].id
    shopper = app.test_client()
    shopper.post("/cart/add", data={"variant_id": variant_id, "quantity": 1})
    assert apply_code(shopper, code.lower()).status_code == 303

    # One per address ever: the same address (in any case) never gets another.
    with app.app_context():
        assert issue_welcome_code(" ADA@example.com") is None
        assert db.session.scalar(select(db.func.count()).select_from(Promotion)) == 1


def test_no_welcome_code_when_the_percentage_is_zero(mailing_app, smtp_server):
    app = mailing_app(NEWSLETTER_WELCOME_PERCENT=0)
    client = app.test_client()
    assert page(client.get("/newsletter")).select_one("[data-welcome-offer]") is None
    sign_up(client, app, "bo@example.com")
    (confirmation,) = smtp_server.wait_for(1)
    smtp_server.clear()
    client.post(confirm_path(confirmation))
    assert smtp_server.messages == []
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Promotion)) == 0


def test_create_promo_makes_codes_and_refuses_bad_arguments(app):
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            "create-promo",
            "spring10",
            "--percent",
            "10",
            "--min-spend",
            "2500",
            "--max-uses",
            "100",
            "--once-per-customer",
            "--first-order-only",
            "--starts",
            "2026-06-01T00:00",
            "--ends",
            "2026-07-01T00:00+01:00",
        ]
    )
    assert made.exit_code == 0, made.output
    assert made.output.strip() == "Created SPRING10: 10% off when you spend £25.00."
    with app.app_context():
        promo = db.session.scalar(select(Promotion).where(Promotion.code == "SPRING10"))
        assert (promo.min_spend_pence, promo.max_uses, promo.max_uses_per_customer) == (
            2500,
            100,
            1,
        )
        assert promo.first_order_only
        assert promo.ends_at.isoformat() == "2026-06-30T23:00:00+00:00"

    assert runner.invoke(args=["create-promo", "SHIP", "--free-shipping"]).exit_code == 0
    for args, message in [
        (["create-promo", "SPRING10", "--amount-off", "500"], "The code SPRING10 is taken."),
        (["create-promo", "TWO", "--percent", "5", "--free-shipping"], "exactly one of"),
        (["create-promo", "NONE"], "exactly one of"),
        (["create-promo", "BAD", "--percent", "150"], "150 is not in the range"),
        (["create-promo", "X", "--percent", "5"], "A code has 3 to 40"),
        (["create-promo", "LATE", "--percent", "5", "--starts", "soon"], "ISO 8601"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, result.output
    taken = runner.invoke(args=["create-promo", "SPRING10", "--amount-off", "500"])
    assert taken.exit_code == 1


def test_seed_demo_makes_the_demo_codes_once_and_prints_them(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert (
        "Demo promo codes: WELCOME10 (10% off), FREESHIP (Free delivery when you spend £20.00)"
        in (first.output)
    )
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        codes = db.session.scalars(select(Promotion.code).order_by(Promotion.code)).all()
    assert codes == ["FREESHIP", "WELCOME10"]
