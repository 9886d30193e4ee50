"""Site-wide pages: home, theme switch, media files, and the machine endpoints."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from shop.pages import views  # noqa: E402,F401
