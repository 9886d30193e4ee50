"""Absolute URLs and media URLs for pages, feeds and emails."""

from flask import current_app, url_for

from shop.catalogue.models import ProductImage


def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL on SHOP_BASE_URL when it is set, else on the request's host."""
    base = current_app.config.get("SHOP_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def media_url(image: ProductImage, width: int | None = None, external: bool = False) -> str:
    filename = image.filename(width)
    if external:
        return absolute_url("pages.media", filename=filename)
    return url_for("pages.media", filename=filename)


def image_srcset(image: ProductImage) -> str:
    return ", ".join(f"{media_url(image, w)} {w}w" for w in image.width_list)
