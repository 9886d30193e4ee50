"""The catalogue's staff screens at /admin/catalogue: the product list, the product
editor (details, sizes and stock, formulation, pictures), duplicating and
archiving, and the CSV export and import.

Administrators and editors only, in the back office's design (`admin/base.html`).
"""

from flask import Blueprint

from shop.admin.views import protect_back_office

bp = Blueprint("catalogue_admin", __name__, url_prefix="/admin/catalogue")
protect_back_office(bp)

from shop.catalogue.admin import views  # noqa: E402,F401
