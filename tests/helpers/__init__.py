"""Helpers for reading pages the way a shopper or a search engine would."""

import json
from urllib.parse import urlsplit

from bs4 import BeautifulSoup


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def json_ld(response) -> list[dict]:
    """Every JSON-LD object on a page, parsed."""
    return [
        json.loads(tag.string)
        for tag in page(response).find_all("script", type="application/ld+json")
    ]


def card_names(response) -> list[str]:
    """Product names in the order a listing shows them."""
    return [tag.get_text(strip=True) for tag in page(response).select(".product-card__name")]


def local(url: str) -> str:
    """The path and query of a link or redirect, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
