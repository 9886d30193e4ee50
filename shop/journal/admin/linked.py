"""What staff should know about the products an article links to (shortcodes in the
body, and Shop this article): missing, archived, not on sale or sold out."""

from __future__ import annotations

from dataclasses import dataclass

from shop.catalogue.services import StockState, product_stock_state
from shop.journal.admin.editor import find_products
from shop.journal.rendering import render_body, shortcode_slugs
from shop.journal.services import products_for_cards


@dataclass(frozen=True)
class LinkedProblem:
    """Something staff should know about a product the article links to."""

    slug: str
    problem: str  # missing, archived, unavailable, sold_out, inline
    places: tuple[str, ...]  # "body" (a shortcode), "featured" (Shop this article)
    name: str | None = None

    @property
    def where(self) -> str:
        words = {"body": "a shortcode in the body", "featured": "Shop this article"}
        return " and ".join(words[place] for place in self.places)

    @property
    def message(self) -> str:
        label = f"“{self.name}” ({self.slug})" if self.name else f"“{self.slug}”"
        if self.problem == "missing":
            return f"No product has the address {label} ({self.where}): shoppers see nothing there."
        if self.problem == "archived":
            return f"{label} is archived, so shoppers don't see it ({self.where})."
        if self.problem == "unavailable":
            return f"{label} has no size on sale, so shoppers don't see it ({self.where})."
        if self.problem == "sold_out":
            return f"{label} is sold out: shoppers see it but cannot buy it ({self.where})."
        return (
            f"The shortcode for {label} is inside a paragraph, so it shows nothing: "
            "put it on a line of its own."
        )


def linked_product_problems(
    body: str, featured_slugs: list[str], low_threshold: int
) -> list[LinkedProblem]:
    """Products the body's shortcodes or Shop this article name that shoppers can't
    see or buy, or no product at all. One query."""
    card_slugs = render_body(body or "").product_slugs
    places: dict[str, list[str]] = {}
    for slug in card_slugs:
        places.setdefault(slug, []).append("body")
    for slug in featured_slugs:
        places.setdefault(slug, []).append("featured")
    found = {p.slug: p for p in find_products(list(places)).values()}
    problems = [
        LinkedProblem(slug, "inline", ("body",))
        for slug in shortcode_slugs(body or "")
        if slug not in card_slugs
    ]
    for slug, where in places.items():
        product = found.get(slug)
        where = tuple(dict.fromkeys(where))
        if product is None:
            problems.append(LinkedProblem(slug, "missing", where))
        elif not product.is_active:
            problems.append(LinkedProblem(slug, "archived", where, product.name))
        elif not product.active_variants:
            problems.append(LinkedProblem(slug, "unavailable", where, product.name))
        elif product_stock_state(product, low_threshold) is StockState.SOLD_OUT:
            problems.append(LinkedProblem(slug, "sold_out", where, product.name))
    return problems


def unknown_card_slugs(body: str) -> list[str]:
    """Shortcode slugs that show shoppers no card: no such product, or not on sale."""
    slugs = render_body(body or "").product_slugs
    cards = products_for_cards(slugs)
    return [slug for slug in slugs if slug not in cards]
