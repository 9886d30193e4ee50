"""The back office's mail area at /admin/mail: emails still waiting to go, and those
given up, with the button that sends a failed one again. Administrators only."""

from flask import Blueprint

from shop.admin.views import protect_back_office

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")
protect_back_office(bp)

from shop.mail.admin import views  # noqa: E402,F401
