"""Review requests: one "How is it going?" email per order, REVIEW_REQUEST_DAYS after it
shipped, with a personal link per product; the command is idempotent (also when two
runs meet); one click stops them for good. Real SMTP server, both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from shop.extensions import db
from shop.mail.models import OutgoingEmail
from shop.models import utcnow
from shop.reviews.emails import send_review_requests
from shop.reviews.models import ReviewInvite, ReviewOptOut, ReviewRequest
from shop.reviews.services import opt_out_token
from tests.helpers import page
from tests.helpers.checkout import run_together
from tests.helpers.queue import run_queue
from tests.helpers.reviews import OPT_OUT_LINK, REVIEW_LINK, links, shipped_order


def run_command(shop, *args) -> str:
    result = shop.app.test_cli_runner().invoke(args=["send-review-requests", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_request_goes_once_when_the_order_has_been_shipped_long_enough(shop):
    products = shop.products
    order_id = shipped_order(shop, {products.cream: 1, products.capsules: 2}, days_ago=9)

    assert "0 sent" in run_command(shop)
    assert shop.smtp.messages == []

    shop.update_order(order_id, shipped_at=utcnow() - timedelta(days=10, minutes=1))
    assert "1 sent" in run_command(shop)
    (mail,) = shop.smtp.wait_for(1)
    assert mail.rcpt_tos == ["ada@example.com"]
    assert mail.message["Subject"] == "How is it going? Tell others about your order"
    paths = links(REVIEW_LINK, mail)
    assert len(paths) == 2, "one personal link per product bought"
    assert len(set(paths)) == 2
    text = mail.text_part()
    assert "Barrier Cream" in text and "Live Bacteria Capsules" in text
    (opt_out,) = links(OPT_OUT_LINK, mail)
    assert mail.message["List-Unsubscribe"] == f"<http://shop.test{opt_out}>"
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Again, and again later: nothing more, ever.
    assert "0 sent" in run_command(shop)
    shop.update_order(order_id, shipped_at=utcnow() - timedelta(days=20))
    assert "0 sent" in run_command(shop)
    assert len(shop.smtp.messages) == 1
    with shop.app.app_context():
        assert db.session.scalar(select(ReviewRequest.order_id)) == order_id
        assert len(db.session.scalars(select(ReviewInvite)).all()) == 2
        # Only keyed hashes of the links are kept.
        stored = db.session.scalars(select(ReviewInvite.token_hash)).all()
    assert not any(path.rsplit("/", 1)[1] in stored for path in paths)


def test_days_can_be_given_and_orders_long_past_are_not_asked(shop):
    products = shop.products
    recent = shipped_order(shop, {products.cream: 1}, days_ago=2)
    shipped_order(shop, {products.capsules: 1}, days_ago=90, email="old@example.com")
    unshipped = shop.buy({products.cream: 1}, email="waiting@example.com")

    assert "1 sent" in run_command(shop, "--days", "1")
    (mail,) = shop.smtp.wait_for(1)
    assert mail.rcpt_tos == ["ada@example.com"]
    with shop.app.app_context():
        asked = db.session.scalars(select(ReviewRequest.order_id)).all()
    assert asked == [recent]
    assert unshipped not in asked


def test_refunded_orders_are_not_asked(shop):
    order_id = shipped_order(shop, {shop.products.cream: 1})
    shop.update_order(order_id, status="refunded")
    assert "0 sent" in run_command(shop)
    assert shop.smtp.messages == []


def test_one_click_stops_review_requests_for_the_address(shop):
    shipped_order(shop, {shop.products.cream: 1})
    run_command(shop)
    (mail,) = shop.smtp.wait_for(1)
    (opt_out,) = links(OPT_OUT_LINK, mail)
    shop.smtp.clear()
    client = shop.app.test_client()

    # Opening the link changes nothing (mail scanners follow links).
    shown = client.get(opt_out)
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    assert (
        page(shown).select_one("form.review-opt-out button").get_text(strip=True)
        == "Stop review requests"
    )
    with shop.app.app_context():
        assert db.session.scalar(select(ReviewOptOut)) is None

    # The mailbox provider's one-click POST (RFC 8058), twice: the same answer.
    for _ in range(2):
        done = client.post(opt_out, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200
        assert "No more review requests" in page(done).get_text()
    assert client.post(opt_out, data={}).status_code == 400
    assert client.get(opt_out[:-3] + "abc").status_code == 404

    shipped_order(shop, {shop.products.capsules: 1})
    assert "0 sent, 1 not sent" in run_command(shop)
    assert shop.smtp.messages == []
    with shop.app.app_context():
        skipped = db.session.scalars(select(ReviewRequest.skipped).order_by(ReviewRequest.id))
        assert list(skipped) == ["", "opted_out"]
        assert db.session.scalar(select(ReviewOptOut.email)) == "ada@example.com"


def test_two_runs_at_once_send_one_request_per_order(shop):
    products = shop.products
    for n in range(3):
        shipped_order(shop, {products.cream: 1}, email=f"buyer{n}@example.com")

    def run():
        with shop.app.app_context():
            try:
                return send_review_requests()["sent"]
            finally:
                db.session.remove()

    sent = run_together(run, run)

    assert sum(sent) == 3
    run_queue(shop.app)
    shop.smtp.wait_for(3)
    assert sorted(m.rcpt_tos[0] for m in shop.smtp.messages) == [
        f"buyer{n}@example.com" for n in range(3)
    ]


def test_a_request_still_in_the_outbox_is_not_sent_after_opting_out(shop):
    shipped_order(shop, {shop.products.cream: 1})
    with shop.app.app_context():
        assert send_review_requests()["sent"] == 1
        opt_out = f"/reviews/opt-out/{opt_out_token('ada@example.com')}"
    client = shop.app.test_client(run_queue=False)
    done = client.post(opt_out, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    run_queue(shop.app)
    assert shop.smtp.messages == []
    with shop.app.app_context():
        email = db.session.scalar(
            select(OutgoingEmail).where(OutgoingEmail.kind == "review_request")
        )
        assert (email.status, email.last_error) == (
            "cancelled",
            "The address opted out of review requests.",
        )
