"""schema.org data every kind of page may carry (the catalogue and journal add their own)."""

from __future__ import annotations

from flask import current_app


def breadcrumb_list(breadcrumbs: list[tuple[str, str]]) -> dict:
    """schema.org BreadcrumbList from (name, absolute URL) pairs, the page itself last."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url}
            for i, (name, url) in enumerate(breadcrumbs, start=1)
        ],
    }


def page_breadcrumbs(crumbs: list[tuple[str, str]]) -> dict:
    """BreadcrumbList for a page's visible breadcrumbs, (name, path on this site) pairs
    as the breadcrumbs macro takes them, made absolute on SHOP_BASE_URL (never the
    request's Host: see shop.urls.absolute_url)."""
    base = current_app.config["SHOP_BASE_URL"]
    return breadcrumb_list([(name, base + path) for name, path in crumbs])
