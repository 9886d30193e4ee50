"""The staff back office at /admin: sign-in, dashboard, staff accounts, audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from shop.admin import views  # noqa: E402,F401
