"""The staff screens: who may open them, writing, previewing, testing and sending a
campaign, and the subscribers list with its CSV export and erasure."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import url_for
from sqlalchemy import func, select

from shop.backoffice.models import AuditEntry
from shop.catalogue.models import Variant
from shop.extensions import db
from shop.models import utcnow
from shop.newsletter.consent import CURRENT_VERSION, WORDINGS
from shop.newsletter.models import Campaign, Delivery, Subscriber, SubscriberTopic
from tests.factories import ProductFactory, VariantFactory
from tests.helpers import page
from tests.helpers.newsletter import queue, run_sender, subscriber
from tests.helpers.queue import run_queue
from tests.helpers.staff import AuthActions
from tests.newsletter.factories import CampaignFactory, SubscriberFactory


def html_of(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "html.parser")


@pytest.fixture
def login(nl_app, nl_client) -> AuthActions:
    return AuthActions(nl_app, nl_client)


@pytest.fixture
def shop_data(nl_app):
    """A product, a draft campaign, a sent campaign and a subscriber, by id."""
    with nl_app.app_context():
        cream = ProductFactory(slug="barrier-cream", name="Barrier Cream", variants=[])
        VariantFactory(product=cream, sku="BC-50", price_pence=2400)
        reader = SubscriberFactory(email="reader@example.com")
        draft = CampaignFactory(subject="Draft news", body="Hi\n\n{{ product: barrier-cream }}\n")
        sent = CampaignFactory(subject="Old news", status="sent", queued_at=utcnow())
        return {"draft": draft.id, "sent": sent.id, "subscriber": reader.id}


def newsletter_urls(ids) -> list[tuple[str, str]]:
    draft, subscriber_id = ids["draft"], ids["subscriber"]
    return [
        ("GET", "/admin/newsletter/"),
        ("GET", "/admin/newsletter/campaigns/new"),
        ("POST", "/admin/newsletter/campaigns/new"),
        ("GET", f"/admin/newsletter/campaigns/{draft}"),
        ("GET", f"/admin/newsletter/campaigns/{draft}/preview"),
        ("GET", f"/admin/newsletter/campaigns/{draft}/edit"),
        ("POST", f"/admin/newsletter/campaigns/{draft}/edit"),
        ("POST", f"/admin/newsletter/campaigns/{draft}/test"),
        ("GET", f"/admin/newsletter/campaigns/{draft}/send"),
        ("POST", f"/admin/newsletter/campaigns/{draft}/send"),
        ("POST", f"/admin/newsletter/campaigns/{draft}/resume"),
        ("GET", "/admin/newsletter/subscribers"),
        ("GET", "/admin/newsletter/subscribers.csv"),
        ("GET", f"/admin/newsletter/subscribers/{subscriber_id}/erase"),
        ("POST", f"/admin/newsletter/subscribers/{subscriber_id}/erase"),
    ]


def test_every_newsletter_screen_is_listed_here(nl_app, shop_data):
    ids = {"campaign_id": shop_data["draft"], "subscriber_id": shop_data["subscriber"]}
    routes = set()
    with nl_app.test_request_context():
        for rule in nl_app.url_map.iter_rules():
            if rule.endpoint.startswith("newsletter_admin."):
                url = url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})
                routes |= {(method, url) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(newsletter_urls(shop_data))
    assert all(url.startswith("/admin/newsletter/") for _method, url in routes)


def test_anonymous_visitors_are_sent_to_sign_in(nl_app, nl_client, shop_data):
    for method, url in newsletter_urls(shop_data):
        response = nl_client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert urlsplit(response.headers["Location"]).path == "/admin/login"
    assert subscriber(nl_app, "reader@example.com") is not None


def test_fulfilment_staff_are_refused(nl_app, nl_client, login, shop_data):
    login("fulfilment")
    for method, url in newsletter_urls(shop_data):
        response = nl_client.open(url, method=method)
        assert response.status_code == 403, (method, url)
        assert "does not have access" in page(response).get_text()
    assert subscriber(nl_app, "reader@example.com") is not None


@pytest.mark.parametrize("role", ["admin", "editor"])
def test_admins_and_editors_open_every_page(nl_client, login, shop_data, role):
    login(role)
    for method, url in newsletter_urls(shop_data):
        if method == "GET":
            response = nl_client.get(url)
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == "no-store"
    html = page(nl_client.get("/admin/newsletter/"))
    assert html.find("nav", attrs={"aria-label": "Back office"}) is not None
    assert "Draft news" in html.get_text()


def test_unknown_ids_are_not_found(nl_client, login):
    login("editor")
    for url in [
        "/admin/newsletter/campaigns/999",
        "/admin/newsletter/campaigns/999/edit",
        "/admin/newsletter/campaigns/999/send",
        "/admin/newsletter/subscribers/999/erase",
    ]:
        assert nl_client.get(url).status_code == 404, url
    # A button pressed on something already gone says so and goes back to the list.
    response = nl_client.post("/admin/newsletter/subscribers/999/erase")
    assert response.status_code == 303
    assert "already been erased" in page(nl_client.get(response.headers["Location"])).get_text()


def preview(nl_client, campaign_id: int):
    html = page(nl_client.get(f"/admin/newsletter/campaigns/{campaign_id}"))
    frame = nl_client.get(html.select_one("iframe[data-preview-html]")["src"])
    assert frame.status_code == 200
    assert "default-src 'none'" in frame.headers["Content-Security-Policy"]
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"
    return html, html_of(frame.get_data(as_text=True))


def test_writing_previewing_testing_and_sending_a_campaign(nl_app, nl_client, login, smtp_server):
    with nl_app.app_context():
        cream = ProductFactory(slug="barrier-cream", name="Barrier Cream", variants=[])
        VariantFactory(product=cream, sku="BC-50", price_pence=2400)
        for n in range(3):
            SubscriberFactory(email=f"list{n}@example.com", topics=["skincare"])
        SubscriberFactory(email="supplements@example.com", topics=["supplements"])
    editor = login("editor")

    refused = nl_client.post(
        "/admin/newsletter/campaigns/new", data={"subject": " ", "topic": "skincare", "body": ""}
    )
    assert refused.status_code == 400
    assert "Write a subject." in page(refused).select_one("#subject-error").get_text()

    body = "## Winter\n\nCold air.\n\n{{ product: barrier-cream }}\n\n{{ product: gone }}\n"
    created = nl_client.post(
        "/admin/newsletter/campaigns/new",
        data={"subject": "Winter skin", "topic": "skincare", "body": body},
    )
    assert created.status_code == 303
    campaign_url = created.headers["Location"]
    campaign_id = int(campaign_url.rsplit("/", 1)[1])
    with nl_app.app_context():
        assert db.session.get(Campaign, campaign_id).created_by == editor.email

    # The preview is the email itself, with today's price.
    html, email = preview(nl_client, campaign_id)
    assert "£24.00" in email.select_one("table.product-card").get_text()
    assert "Cold air." in html.select_one("[data-preview-text]").get_text()
    assert "gone" in html.select_one("[data-unknown-shortcodes]").get_text()
    with nl_app.app_context():
        db.session.scalar(select(Variant).where(Variant.sku == "BC-50")).price_pence = 1999
        db.session.commit()
    _html, email = preview(nl_client, campaign_id)
    assert "£19.99" in email.select_one("table.product-card").get_text()

    # A test goes to the member of staff only, marked as such, without list headers.
    tested = nl_client.post(f"{campaign_url}/test")
    assert tested.status_code == 303
    (test_mail,) = smtp_server.wait_for(1)
    assert test_mail.rcpt_tos == [editor.email]
    assert test_mail.message["Subject"] == "[Test] Winter skin"
    assert "List-Unsubscribe" not in test_mail.message
    assert "Test: sent to you from the back office" in test_mail.html_part()

    # Sending asks first, saying to how many.
    confirm = page(nl_client.get(f"{campaign_url}/send"))
    assert confirm.select_one("[data-audience]").get_text() == "3"
    sent = nl_client.post(f"{campaign_url}/send")
    assert sent.status_code == 303
    mails = smtp_server.wait_for(4)
    assert sorted(m.rcpt_tos[0] for m in mails[1:]) == [f"list{n}@example.com" for n in range(3)]

    html = page(nl_client.get(campaign_url))
    assert html.select_one("[data-campaign-status]")["data-campaign-status"] == "sent"
    figures = {
        card["data-count"]: card.select_one(".admin-stat__figure").get_text()
        for card in html.select("[data-count]")
    }
    assert figures == {"sent": "3", "remaining": "0", "failed": "0", "skipped": "0"}

    # Sent is final: no second send, no edits.
    assert nl_client.post(f"{campaign_url}/send").status_code == 303
    assert len(smtp_server.messages) == 4
    assert nl_client.get(f"{campaign_url}/edit").status_code == 302
    with nl_app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "newsletter_campaign")
        ).all()
    assert sorted(actions) == [
        "newsletter.campaign.create",
        "newsletter.campaign.send",
        "newsletter.campaign.test",
    ]


def test_editing_a_draft(nl_app, nl_client, login, shop_data):
    login("editor")
    url = f"/admin/newsletter/campaigns/{shop_data['draft']}/edit"
    form = page(nl_client.get(url))
    assert form.select_one("#subject")["value"] == "Draft news"
    response = nl_client.post(
        url, data={"subject": "Better news", "topic": "journal", "body": "New body"}
    )
    assert response.status_code == 303
    with nl_app.app_context():
        campaign = db.session.get(Campaign, shop_data["draft"])
        assert (campaign.subject, campaign.topic, campaign.body) == (
            "Better news",
            "journal",
            "New body",
        )


def test_a_campaign_is_never_sent_inside_the_request(nl_app, smtp_server):
    with nl_app.app_context():
        for n in range(3):
            SubscriberFactory(email=f"list{n}@example.com")
        campaign_id = CampaignFactory().id
    staff = nl_app.test_client(run_queue=False)  # the request alone, no consumer
    AuthActions(nl_app, staff)("editor")
    campaign_url = f"/admin/newsletter/campaigns/{campaign_id}"

    sent = staff.post(f"{campaign_url}/send")

    assert sent.status_code == 303
    assert smtp_server.messages == []
    html = page(staff.get(sent.headers["Location"]))
    assert "Sending to 3 subscribers." in html.select_one(".flashes").get_text()
    assert html.select_one("[data-campaign-status]")["data-campaign-status"] == "queued"
    # The task queue sends it, after the request.
    assert run_queue(nl_app) == 1
    assert len(smtp_server.wait_for(3)) == 3
    html = page(staff.get(campaign_url))
    assert html.select_one("[data-campaign-status]")["data-campaign-status"] == "sent"


def test_resuming_a_stalled_campaign_finishes_it(nl_app, nl_client, login, smtp_server):
    with nl_app.app_context():
        for n in range(2):
            SubscriberFactory(email=f"list{n}@example.com")
        campaign_id = CampaignFactory().id
    queue(nl_app, campaign_id)
    run_sender(nl_app, campaign_id, limit=1)
    login("editor")
    html = page(nl_client.get(f"/admin/newsletter/campaigns/{campaign_id}"))
    assert html.select_one("[data-count=remaining] .admin-stat__figure").get_text() == "1"
    nl_client.post(f"/admin/newsletter/campaigns/{campaign_id}/resume")
    assert len(smtp_server.wait_for(2)) == 2
    html = page(nl_client.get(f"/admin/newsletter/campaigns/{campaign_id}"))
    assert html.select_one("[data-count=sent] .admin-stat__figure").get_text() == "2"


# Subscribers --------------------------------------------------------------------


@pytest.fixture
def people(nl_app):
    with nl_app.app_context():
        SubscriberFactory(email="ann@example.com", topics=["skincare", "journal"], source="article")
        SubscriberFactory(email="bob@example.org", status="pending", topics=["supplements"])
        SubscriberFactory(
            email="=cmd@example.com",
            status="unsubscribed",
            unsubscribed_at=utcnow(),
            unsubscribe_method="one-click",
        )


def listed_emails(response) -> list[str]:
    return sorted(
        row.select_one("th").get_text(strip=True)
        for row in page(response).select("[data-subscribers] tbody tr")
    )


def test_the_subscriber_list_searches_and_filters(nl_client, login, people):
    login("editor")
    base = "/admin/newsletter/subscribers"
    assert listed_emails(nl_client.get(base)) == [
        "=cmd@example.com",
        "ann@example.com",
        "bob@example.org",
    ]
    assert listed_emails(nl_client.get(f"{base}?q=EXAMPLE.ORG")) == ["bob@example.org"]
    assert listed_emails(nl_client.get(f"{base}?status=unsubscribed")) == ["=cmd@example.com"]
    assert listed_emails(nl_client.get(f"{base}?topic=journal")) == ["ann@example.com"]
    assert listed_emails(nl_client.get(f"{base}?q=%25")) == []  # a wildcard is just a character
    assert nl_client.get(f"{base}?status=bogus").status_code == 400


def test_the_csv_export_holds_the_consent_record(nl_app, nl_client, login, people):
    staff = login("admin")
    response = nl_client.get("/admin/newsletter/subscribers.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_email = {row["email"]: row for row in rows}
    assert set(by_email) == {"ann@example.com", "bob@example.org", "'=cmd@example.com"}
    ann = by_email["ann@example.com"]
    assert ann["status"] == "confirmed"
    assert ann["topics"] == "journal skincare"
    assert ann["consent_version"] == CURRENT_VERSION
    assert ann["consent_wording"] == WORDINGS[CURRENT_VERSION].format(shop_name="Flora & Barrier")
    assert ann["source"] == "article"
    assert ann["requested_at"] and ann["confirmed_at"]
    assert ann["unsubscribed_at"] == "" and ann["unsubscribe_method"] == ""
    left = by_email["'=cmd@example.com"]  # a formula-looking cell is kept as text
    assert left["unsubscribe_method"] == "one-click" and left["unsubscribed_at"]

    filtered = nl_client.get("/admin/newsletter/subscribers.csv?status=pending")
    assert [
        row["email"] for row in csv.DictReader(io.StringIO(filtered.get_data(as_text=True)))
    ] == ["bob@example.org"]
    with nl_app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "newsletter.export")
        ).all()
        assert [(entry.staff_email, entry.summary) for entry in entries] == [
            (staff.email, "Exported 3 newsletter subscribers as CSV"),
            (staff.email, "Exported 1 newsletter subscriber as CSV"),
        ]


def test_erasing_a_subscriber(nl_app, nl_client, login, smtp_server):
    with nl_app.app_context():
        gone = SubscriberFactory(email="forget-me@example.com", topics=["skincare", "journal"])
        SubscriberFactory(email="stay@example.com")
        campaign_id = CampaignFactory().id
        gone_id = gone.id
    queue(nl_app, campaign_id)
    run_sender(nl_app, campaign_id)
    staff = login("editor")

    url = f"/admin/newsletter/subscribers/{gone_id}/erase"
    confirm = page(nl_client.get(url))
    assert "forget-me@example.com" in confirm.h1.get_text()
    assert subscriber(nl_app, "forget-me@example.com") is not None  # asking erases nothing

    response = nl_client.post(url)
    assert response.status_code == 303
    assert "has been erased" in page(nl_client.get(response.headers["Location"])).get_text()
    with nl_app.app_context():
        assert db.session.get(Subscriber, gone_id) is None
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(SubscriberTopic)
                .where(SubscriberTopic.subscriber_id == gone_id)
            )
            == 0
        )
        statuses = db.session.execute(
            select(Delivery.subscriber_id, Delivery.status).order_by(Delivery.id)
        ).all()
        assert sorted(statuses, key=str) == sorted(
            [(None, "sent"), (subscriber(nl_app, "stay@example.com").id, "sent")], key=str
        )
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "newsletter.erase"))
        assert entry.staff_email == staff.email
        assert entry.entity_id == str(gone_id)
        assert "forget-me" not in f"{entry.summary} {entry.before} {entry.after}"
    assert "forget-me@example.com" not in nl_client.get("/admin/newsletter/subscribers.csv").text


def test_erasing_needs_the_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        target = SubscriberFactory(email="x@example.com").id
    login_page = page(client.get("/admin/login"))
    csrf_token = login_page.select_one("input[name=csrf_token]")["value"]
    from tests.helpers.staff import STAFF_PASSWORD, make_staff

    staff = make_staff(app, role="admin")
    signed_in = client.post(
        "/admin/login",
        data={"email": staff.email, "password": STAFF_PASSWORD, "csrf_token": csrf_token},
    )
    assert signed_in.status_code == 303
    url = f"/admin/newsletter/subscribers/{target}/erase"
    assert client.post(url).status_code == 400
    assert subscriber(app, "x@example.com") is not None
    token = page(client.get(url)).select_one("main form input[name=csrf_token]")["value"]
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    assert subscriber(app, "x@example.com") is None
