"""Orders as customers see them, through a private link."""

from flask import Blueprint

bp = Blueprint("orders", __name__)

from shop.orders import views  # noqa: E402,F401
