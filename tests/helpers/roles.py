"""Who may open what in the back office: ACCESS lists every /admin endpoint with the
roles allowed in (tests/admin/test_roles.py checks each one for every role, and fails
for a route that is not listed here)."""

from __future__ import annotations

from flask import url_for
from werkzeug.routing import IntegerConverter

PUBLIC = "public"


ADMIN = {"admin"}


EDITORS = {"admin", "editor"}


EVERY_ROLE = {"admin", "editor", "fulfilment", "analyst", "mentor"}


ANALYSTS = {"admin", "analyst"}


MENTORS = {"admin", "mentor"}


FULFILMENT_STAFF = {"admin", "fulfilment"}


ACCESS: dict[str, set[str] | str] = {
    "admin.login": PUBLIC,
    "admin.logout": EVERY_ROLE,
    "admin.dashboard": EVERY_ROLE,
    "admin.staff_list": ADMIN,
    "admin.staff_new": ADMIN,
    "admin.staff_role": ADMIN,
    "admin.staff_deactivate": ADMIN,
    "admin.staff_reactivate": ADMIN,
    "admin.audit_log": ADMIN,
    # Catalogue products, sizes, stock, pictures and CSV (shop/catalogue/admin/views.py)
    "catalogue_admin.product_list": EDITORS,
    "catalogue_admin.product_new": EDITORS,
    "catalogue_admin.product_edit": EDITORS,
    "catalogue_admin.product_duplicate": EDITORS,
    "catalogue_admin.product_archive": EDITORS,
    "catalogue_admin.product_unarchive": EDITORS,
    "catalogue_admin.product_variants": EDITORS,
    "catalogue_admin.variant_edit": EDITORS,
    "catalogue_admin.variant_stock": EDITORS,
    "catalogue_admin.product_formulation": EDITORS,
    "catalogue_admin.product_key_facts": EDITORS,
    "catalogue_admin.product_images": EDITORS,
    "catalogue_admin.image_update": EDITORS,
    "catalogue_admin.image_move": EDITORS,
    "catalogue_admin.image_delete": EDITORS,
    "catalogue_admin.csv_page": EDITORS,
    "catalogue_admin.csv_export": EDITORS,
    "catalogue_admin.csv_preview": EDITORS,
    "catalogue_admin.csv_apply": EDITORS,
    # Orders (shop/orders/admin/views.py): administrators and fulfilment
    # Subscriptions (shop/subscriptions/admin/views.py): administrators and fulfilment
    "subscriptions_admin.subscription_list": {"admin", "fulfilment"},
    "subscriptions_admin.subscription_detail": {"admin", "fulfilment"},
    "subscriptions_admin.cancel": {"admin", "fulfilment"},
    "orders_admin.order_list": {"admin", "fulfilment"},
    "orders_admin.order_detail": {"admin", "fulfilment"},
    "orders_admin.order_ship": {"admin", "fulfilment"},
    "orders_admin.order_refund": {"admin", "fulfilment"},
    # Newsletter campaigns and subscribers (shop/newsletter/admin/views.py)
    "newsletter_admin.campaign_list": EDITORS,
    "newsletter_admin.campaign_new": EDITORS,
    "newsletter_admin.campaign_detail": EDITORS,
    "newsletter_admin.campaign_preview": EDITORS,
    "newsletter_admin.campaign_edit": EDITORS,
    "newsletter_admin.campaign_test": EDITORS,
    "newsletter_admin.campaign_send": EDITORS,
    "newsletter_admin.campaign_resume": EDITORS,
    "newsletter_admin.subscriber_list": EDITORS,
    "newsletter_admin.subscriber_export": EDITORS,
    "newsletter_admin.subscriber_erase": EDITORS,
    # Emails waiting or given up (shop/mail/admin/views.py): administrators only
    "mail_admin.message_list": ADMIN,
    "mail_admin.message_retry": ADMIN,
    # Comment moderation (shop/comments/admin/views.py)
    # Consultations (shop/consultations/admin/views.py): mentors their own bookings,
    # administrators everything, services and mentors included
    "consultations_admin.calendar": MENTORS,
    "consultations_admin.booking": MENTORS,
    "consultations_admin.booking_notes": MENTORS,
    "consultations_admin.booking_move": MENTORS,
    "consultations_admin.booking_cancel": MENTORS,
    "consultations_admin.booking_no_show": MENTORS,
    "consultations_admin.book": MENTORS,
    "consultations_admin.setup": ADMIN,
    "consultations_admin.service_edit": ADMIN,
    "consultations_admin.mentor_edit": ADMIN,
    "consultations_admin.my_availability": MENTORS,
    "consultations_admin.hours_add": MENTORS,
    "consultations_admin.hours_remove": MENTORS,
    "consultations_admin.time_off_add": MENTORS,
    "consultations_admin.time_off_remove": MENTORS,
    "comments_admin.comment_list": EDITORS,
    "comments_admin.comment_approve": EDITORS,
    "comments_admin.comment_hide": EDITORS,
    "comments_admin.comment_delete": EDITORS,
    "comments_admin.customer_block": EDITORS,
    "comments_admin.customer_unblock": EDITORS,
    # Review moderation (shop/reviews/admin/views.py)
    "reviews_admin.review_list": EDITORS,
    "reviews_admin.review_approve": EDITORS,
    "reviews_admin.review_reject": EDITORS,
    "reviews_admin.review_reply": EDITORS,
    "promotions_admin.promotion_list": EDITORS,
    "promotions_admin.promotion_new": EDITORS,
    "promotions_admin.promotion_edit": EDITORS,
    "promotions_admin.promotion_active": EDITORS,
    "promotions_admin.promotion_uses_csv": EDITORS,
    # Journal articles and authors (shop/journal/admin/views.py)
    "journal_admin.article_list": EDITORS,
    "journal_admin.article_new": EDITORS,
    "journal_admin.article_edit": EDITORS,
    "journal_admin.author_list": EDITORS,
    "journal_admin.author_new": EDITORS,
    "journal_admin.author_edit": EDITORS,
    # Reports (shop/reports/admin/views.py): administrators and analysts, read only
    "reports_admin.index": ANALYSTS,
    "reports_admin.sales": ANALYSTS,
    "reports_admin.sales_csv": ANALYSTS,
    "reports_admin.products": ANALYSTS,
    "reports_admin.products_csv": ANALYSTS,
    "reports_admin.stock": ANALYSTS,
    "reports_admin.stock_csv": ANALYSTS,
    "reports_admin.customers": ANALYSTS,
    "reports_admin.customers_csv": ANALYSTS,
    "reports_admin.funnel": ANALYSTS,
    "reports_admin.funnel_csv": ANALYSTS,
    # The shop's own pages (shop/sitepages/admin/views.py)
    "sitepages_admin.page_list": EDITORS,
    "sitepages_admin.page_edit": EDITORS,
    # Customers' messages (shop/contact/admin/views.py): whoever answers about orders
    "contact_admin.message_list": FULFILMENT_STAFF,
    "contact_admin.message_detail": FULFILMENT_STAFF,
    "contact_admin.message_reply": FULFILMENT_STAFF,
    "contact_admin.message_status": FULFILMENT_STAFF,
}


def admin_routes(app, target_id: int) -> list[tuple[str, str, set[str]]]:
    """(endpoint, url, methods) for every /admin rule, sign-out last, with any
    int in the URL filled with `target_id` and any other value with a dummy."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/admin"):
                continue
            values = {
                name: target_id if isinstance(converter, IntegerConverter) else "dummy"
                for name, converter in rule._converters.items()
            }
            routes.append((rule.endpoint, url_for(rule.endpoint, **values), set(rule.methods)))
    return sorted(routes, key=lambda route: route[0] == "admin.logout")
