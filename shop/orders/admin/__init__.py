"""The back office's orders area at /admin/orders: find orders, see one, ship it, refund it.

Open to administrators and fulfilment staff.
"""

from flask import Blueprint

from shop.admin.views import protect_back_office

bp = Blueprint("orders_admin", __name__, url_prefix="/admin/orders")
protect_back_office(bp)

from shop.orders.admin import views  # noqa: E402,F401
