"""The catalogue: shop listings and product pages."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)

from shop.catalogue import views  # noqa: E402,F401
