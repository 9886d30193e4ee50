"""Absolute links come from SHOP_BASE_URL, never from the Host or X-Forwarded-Host a
request names: a forged host must not carry a subscriber's token, or a search engine,
to somebody else's site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.factories import ArticleFactory, CategoryFactory, ProductFactory
from tests.helpers import json_ld, page
from tests.helpers.database import UNSET
from tests.helpers.newsletter import signup_data

EVIL = "evil.example"
FORGED = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"}
DEVELOPMENT_BASE = "http://127.0.0.1:5000"


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"']+", text)


@pytest.mark.parametrize(
    ("base_url", "proxies", "expected_base"),
    [
        (UNSET, 0, DEVELOPMENT_BASE),  # no setting: the default, not the request's host
        ("https://shop.test", 0, "https://shop.test"),
        ("https://shop.test", 1, "https://shop.test"),  # X-Forwarded-Host from a proxy too
    ],
)
def test_a_newsletter_signup_with_a_forged_host_mails_links_to_the_shop(
    app_factory, smtp_server, base_url, proxies, expected_base
):
    smtp_server.clear()
    app = app_factory(
        SHOP_BASE_URL=base_url,
        PROXY_COUNT=proxies,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
    )
    client = app.test_client()

    response = client.post(
        "/newsletter", data=signup_data(app, "reader@example.com"), headers=FORGED
    )

    assert response.status_code == 303
    (mail,) = smtp_server.wait_for(1)
    links = links_in(mail.text_part()) + links_in(mail.html_part())
    assert any("/newsletter/confirm/" in link for link in links)
    assert EVIL not in mail.raw.decode("utf-8", "replace")
    assert all(link.startswith(expected_base + "/") for link in links), links


@pytest.fixture(params=[(UNSET, DEVELOPMENT_BASE), ("https://shop.test", "https://shop.test")])
def forged_app(request, app_factory):
    """The shop behind one proxy (on the default address, then on a set one), with a
    product, a shelf and an article to link to; `base` is where its links must go."""
    base_url, base = request.param
    app = app_factory(SHOP_BASE_URL=base_url, PROXY_COUNT=1)
    with app.app_context():
        shelf = CategoryFactory(slug="moisturisers", name="Moisturisers")
        ProductFactory(slug="barrier-cream", name="Barrier Cream", category=shelf)
        ArticleFactory(slug="gut-skin-axis", title="The gut-skin axis")
    app.base = base
    return app


def test_sitemap_feed_and_robots_ignore_a_forged_host(forged_app):
    client, base = forged_app.test_client(), forged_app.base

    sitemap = client.get("/sitemap.xml", headers=FORGED).get_data(as_text=True)
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert f"{base}/products/barrier-cream" in locations
    assert f"{base}/journal/gut-skin-axis" in locations

    feed = client.get("/journal/feed.xml", headers=FORGED).get_data(as_text=True)
    assert f"{base}/journal/gut-skin-axis" in feed

    robots = client.get("/robots.txt", headers=FORGED).get_data(as_text=True)
    assert f"Sitemap: {base}/sitemap.xml" in robots

    for text in (sitemap, feed, robots):
        assert EVIL not in text
        assert all(urlsplit(link).hostname != EVIL for link in links_in(text))


@pytest.mark.parametrize("path", ["/", "/shop/moisturisers", "/products/barrier-cream", "/journal"])
def test_canonical_and_structured_data_ignore_a_forged_host(forged_app, path):
    response = forged_app.test_client().get(path, headers=FORGED)
    assert response.status_code == 200
    html = page(response)
    assert html.find("link", rel="canonical")["href"].startswith(forged_app.base + "/")
    assert html.find("meta", property="og:url")["content"].startswith(forged_app.base + "/")
    assert EVIL not in response.get_data(as_text=True)
    for data in json_ld(response):
        assert EVIL not in str(data)
