"""The journal: articles about the gut-skin axis that link to the products they recommend."""

from flask import Blueprint

bp = Blueprint("journal", __name__)

from shop.journal import views  # noqa: E402,F401
