"""The newsletter: double opt-in signup, one-click unsubscribe, preferences and campaigns.

Two blueprints: `bp` for the public pages under /newsletter, and `admin_bp`
for the staff screens under /admin/newsletter (campaigns and subscribers).
"""

from flask import Blueprint

bp = Blueprint("newsletter", __name__)
admin_bp = Blueprint("newsletter_admin", __name__, url_prefix="/admin/newsletter")

from shop.newsletter import admin_views, views  # noqa: E402,F401
