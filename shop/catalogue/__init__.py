"""The catalogue: shop listings and product pages."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)

# search_text keeps Product.search_text current on every flush, from any writer.
from shop.catalogue import search_text, views  # noqa: E402,F401
