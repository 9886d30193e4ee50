"""The journal's staff screens at /admin/journal: the article list, the article
editor (with preview, publishing and scheduling) and authors.

Administrators and editors only, in the back office's design (`admin/base.html`).
"""

from flask import Blueprint

from shop.admin.views import protect_back_office

bp = Blueprint("journal_admin", __name__, url_prefix="/admin/journal")
protect_back_office(bp)

from shop.journal.admin import views  # noqa: E402,F401
