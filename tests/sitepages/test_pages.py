"""The shop's own pages: every page the footer links to renders from the demo text, the
blocks come from the settings (delivery the basket charges, company details, cookies,
retention), Markdown is sanitised like articles, staff write pages at /admin/pages
(audited, editors and administrators), and an edit shows at once through the page cache.
Both databases."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from shop.backoffice.models import AuditEntry
from shop.extensions import db
from shop.sitepages.demo import seed_demo_pages
from shop.sitepages.models import SitePage
from shop.sitepages.services import PAGES
from tests.factories import CategoryFactory, ProductFactory
from tests.helpers import page
from tests.helpers.checkout import make_products
from tests.helpers.mail import pay
from tests.helpers.staff import AuthActions

SHIPPING = json.dumps(
    [
        {
            "code": "tracked",
            "name": "Tracked 48",
            "price_pence": 450,
            "free_from_pence": 5000,
            "min_days": 2,
            "max_days": 3,
        },
        {"code": "next", "name": "Next day", "price_pence": 899, "min_days": 1, "max_days": 1},
    ]
)


def seed(app) -> None:
    with app.app_context():
        seed_demo_pages()
        db.session.commit()


def write(app, slug: str, body: str, title: str = "A page", summary: str = "") -> None:
    with app.app_context():
        found = db.session.scalar(select(SitePage).where(SitePage.slug == slug))
        if found is None:
            db.session.add(SitePage(slug=slug, title=title, summary=summary, body=body))
        else:
            found.body, found.title = body, title
        db.session.commit()


def test_every_footer_page_renders_and_is_marked_as_a_template(app, client):
    seed(app)
    home = page(client.get("/"))
    links = {a.get_text(strip=True): a["href"] for a in home.select("[data-footer-pages] a")}
    assert links == {
        "About us": "/pages/about",
        "Delivery": "/pages/delivery",
        "Returns and refunds": "/pages/returns",
        "FAQ": "/pages/faq",
        "Terms of sale": "/pages/terms",
        "Privacy notice": "/pages/privacy",
        "Cookies": "/pages/cookies",
        "Contact us": "/contact",
    }
    for kind in PAGES:
        response = client.get(f"/pages/{kind.slug}")
        assert response.status_code == 200, kind.slug
        html = page(response)
        assert html.select_one("h1").get_text() == kind.title
        assert "A template to adapt" in html.select_one(".site-page__body blockquote").get_text()
        description = html.select_one("meta[name=description]")["content"]
        assert 0 < len(description) <= 160
    assert client.get("/pages/unknown").status_code == 404
    assert client.get("/pages/ABOUT").status_code == 404


def test_a_page_not_written_yet_is_not_found(client):
    assert client.get("/pages/about").status_code == 404


def test_delivery_comes_from_the_settings_the_basket_uses(app_factory):
    app = app_factory(SHIPPING_OPTIONS=json.loads(SHIPPING))
    seed(app)
    html = page(app.test_client().get("/pages/delivery"))
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
        for row in html.select("[data-block=delivery-options] tbody tr")
    ]
    assert rows == [
        ["Tracked 48", "£4.50; free on orders of £50.00 or more", "2–3 working days"],
        ["Next day", "£8.99", "1 working day"],
    ]
    # The FAQ shows the same block.
    faq = page(app.test_client().get("/pages/faq"))
    assert len(faq.select("[data-block=delivery-options] tbody tr")) == 2


def test_returns_page_states_the_right_to_cancel_and_the_hygiene_exception(app, client):
    seed(app)
    text = page(client.get("/pages/returns")).select_one(".site-page__body").get_text(" ")
    assert "14 days of the day you receive it" in text
    assert "cannot be returned once the seal is broken" in " ".join(text.split())


COMPANY = {
    "COMPANY_LEGAL_NAME": "Quince Skin Ltd",
    "COMPANY_ADDRESS": "2 Mill Yard|Leeds|LS1 4AB",
    "COMPANY_NUMBER": "09876543",
    "COMPANY_VAT_NUMBER": "GB 987 6543 21",
    "COMPANY_REGISTERED_IN": "England and Wales",
    "CONTACT_EMAIL": "care@quince.test",
}


def test_company_details_from_the_settings_in_the_footer_and_terms(app_factory):
    app = app_factory(**COMPANY)
    seed(app)
    client = app.test_client()
    footer = page(client.get("/shop")).select_one("footer [data-company]").get_text(" ", strip=True)
    for value in ("Quince Skin Ltd", "2 Mill Yard, Leeds, LS1 4AB", "09876543", "GB 987 6543 21"):
        assert value in footer
    assert "care@quince.test" in footer
    terms = page(client.get("/pages/terms")).select_one("[data-block=company-details]")
    facts = dict(
        zip(
            [dt.get_text() for dt in terms.select("dt")],
            [dd.get_text(" ", strip=True) for dd in terms.select("dd")],
            strict=True,
        )
    )
    assert facts == {
        "Company": "Quince Skin Ltd",
        "Registered office": "2 Mill Yard, Leeds, LS1 4AB",
        "Company number": "09876543 (registered in England and Wales)",
        "VAT number": "GB 987 6543 21",
        "Email": "care@quince.test",
    }


def test_cookies_and_retention_come_from_the_code_and_settings(app_factory):
    app = app_factory(MAIL_KEEP_DAYS=14, CONTACT_KEEP_DAYS=200, BOOKING_NOTES_KEEP_DAYS=60)
    seed(app)
    client = app.test_client()
    cookies = page(client.get("/pages/cookies")).select("[data-block=cookies] tbody tr")
    assert [row["data-cookie"] for row in cookies] == ["session", "theme"]
    # Those really are the only cookies the shop sets on a visit that uses them all.
    client.post("/theme", data={"theme": "dark"})
    assert {cookie.key for cookie in client._cookies.values()} <= {"session", "theme"}

    retention = page(client.get("/pages/privacy")).select_one("[data-block=retention]")
    text = retention.get_text(" ", strip=True)
    assert "14 days after sending" in text
    assert "200 days after the last reply" in text
    assert "60 days after the session" in text


def test_markdown_is_sanitised_like_articles(app, client):
    write(
        app,
        "about",
        "# Us\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) "
        '<img src=x onerror="alert(1)">\n\n[[nonsense]]\n\n[[cookies]]\n\n**bold**',
    )
    body = page(client.get("/pages/about")).select_one(".site-page__body")
    assert body.select("script") == [] and body.select("img") == []
    assert not any("javascript" in a.get("href", "") for a in body.select("a"))
    assert "&lt;script&gt;" in str(body), "raw HTML is shown as text, never run"
    assert body.select_one("strong").get_text() == "bold"
    assert "[[nonsense]]" in body.get_text(), "an unknown block stays visible as text"
    assert body.select_one("[data-block=cookies]") is not None
    assert not any(tag.has_attr("onerror") for tag in body.find_all(True))


def test_staff_write_a_page_audited_and_it_shows_at_once_through_the_cache(app_factory):
    app = app_factory(PAGE_CACHE_SECONDS=60)
    seed(app)
    visitor = app.test_client()
    first = page(visitor.get("/pages/about")).select_one("h1").get_text()
    assert first == "About us"
    assert page(visitor.get("/pages/about")).select_one("h1").get_text() == "About us"

    staff = app.test_client()
    editor = AuthActions(app, staff)("editor")
    form = page(staff.get("/admin/pages/about"))
    assert form.select_one("#title")["value"] == "About us"
    saved = staff.post(
        "/admin/pages/about",
        data={"title": "Our story", "summary": "Who we are.", "body": "We make **cream**."},
    )
    assert saved.status_code == 303
    html = page(visitor.get("/pages/about"))
    assert html.select_one("h1").get_text() == "Our story"
    assert html.select_one(".site-page__body strong").get_text() == "cream"

    with app.app_context():
        (entry,) = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "page.update")
        ).all()
        assert entry.staff_email == editor.email
        assert entry.entity_type == "site_page"
        assert json.loads(entry.after)["title"] == "Our story"
        assert json.loads(entry.before)["title"] == "About us"

    # Saving the same again changes nothing and records nothing.
    again = staff.post(
        "/admin/pages/about",
        data={"title": "Our story", "summary": "Who we are.", "body": "We make **cream**."},
    )
    assert again.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == 1


def test_a_page_not_written_starts_from_its_template_and_is_created(app, client, login):
    login("editor")
    listing = page(client.get("/admin/pages/"))
    assert [row["data-slug"] for row in listing.select("[data-site-pages] tbody tr")] == [
        kind.slug for kind in PAGES
    ]
    assert "not written yet" in listing.select_one("tr[data-slug=cookies]").get_text()
    form = page(client.get("/admin/pages/cookies"))
    assert "[[cookies]]" in form.select_one("textarea#body").get_text()
    assert client.get("/pages/cookies").status_code == 404
    body = form.select_one("textarea#body").get_text()
    created = client.post(
        "/admin/pages/cookies", data={"title": "Cookies", "summary": "", "body": body}
    )
    assert created.status_code == 303
    assert client.get("/pages/cookies").status_code == 200
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action)))
    assert actions == ["page.create"]


def test_bad_input_is_refused_and_kept(app, client, login):
    seed(app)
    login("editor")
    response = client.post(
        "/admin/pages/about",
        data={"title": "", "summary": "x" * 161, "body": "Hello\n\n[[delivery]]"},
    )
    assert response.status_code == 400
    html = page(response)
    errors = [p.get_text() for p in html.select(".field-error")]
    assert "Give the page a title." in errors
    assert "Keep the summary to 160 characters." in errors
    assert html.select_one("textarea#body").get_text().strip() == "Hello\n\n[[delivery]]"
    # An unknown block is refused by the service.
    response = client.post(
        "/admin/pages/about", data={"title": "About", "body": "Hello\n\n[[delivery]]"}
    )
    assert response.status_code == 400
    assert "Unknown block [[delivery]]" in page(response).select_one(".field-error").get_text()
    assert client.get("/admin/pages/nope").status_code == 404


@pytest.mark.parametrize("role", ["fulfilment", "analyst", "mentor"])
def test_other_roles_cannot_edit_pages(client, login, role):
    login(role)
    assert client.get("/admin/pages/").status_code == 403
    assert client.post("/admin/pages/about", data={"title": "x", "body": "y"}).status_code == 403


def test_a_page_costs_the_same_queries_however_big_the_catalogue(app, client, count_queries):
    seed(app)
    make_products(app)
    with count_queries() as small:
        assert client.get("/pages/delivery").status_code == 200
    with app.app_context():
        shelf = CategoryFactory()
        ProductFactory.create_batch(10, category=shelf)
        CategoryFactory.create_batch(3, parent=shelf)
        db.session.commit()
    with count_queries() as bigger:
        assert client.get("/pages/delivery").status_code == 200
    assert len(bigger) == len(small), bigger


def test_order_emails_carry_the_company_details(app_factory, smtp_server):
    smtp_server.clear()
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, **COMPANY)
    products = make_products(app)
    pay(app, app.test_client(), products.cream, email="ada@example.com")
    (mail,) = smtp_server.wait_for(1)
    assert mail.message["Subject"].endswith("is confirmed")
    text = mail.text_part()
    assert "Quince Skin Ltd, 2 Mill Yard, Leeds, LS1 4AB" in text
    assert "Company number 09876543" in text and "VAT number GB 987 6543 21" in text
    html = BeautifulSoup(mail.html_part(), "html.parser")
    assert "Quince Skin Ltd" in html.select_one("[data-company]").get_text()


def test_written_pages_are_in_the_sitemap(app, client):
    write(app, "about", "Hello", title="About us")
    text = client.get("/sitemap.xml").get_data(as_text=True)
    assert "http://shop.test/pages/about</loc>" in text
    assert "/pages/cookies" not in text, "a page not written yet is not listed"


def test_control_characters_in_a_page_are_refused_cleanly(app, client, login):
    login("editor")
    for field in ("title", "summary", "body"):
        data = {"title": "About", "summary": "", "body": "Hello"} | {field: "Bad\x00text"}
        response = client.post("/admin/pages/about", data=data)
        assert response.status_code == 400, field
    assert client.get("/pages/about").status_code == 404
