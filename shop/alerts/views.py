"""Back-in-stock pages: the request from a product page, its confirmation (a page with a
button: mail scanners follow links) and the one-click unsubscribe."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from shop.accounts.session import current_customer
from shop.alerts import emails, services
from shop.alerts.forms import ALERT_STAMP_SALT, AlertForm, ConfirmForm
from shop.catalogue import services as catalogue
from shop.extensions import csrf, db, limiter
from shop.newsletter.tokens import check_form_stamp, form_stamp
from shop.pagecache import VisitorValue
from shop.security import personal_link_page, typed_email_key
from shop.text import normalise_email

bp = Blueprint("alerts", __name__)

logger = logging.getLogger(__name__)

IP_LIMIT_MESSAGE = "Too many requests from your network. Please wait a few minutes and try again."
EMAIL_LIMIT_MESSAGE = "Too many requests for this address. Please check your inbox, or try later."
ASKED = (
    "Thank you. Unless {email} is on the list for this size already, we have emailed it a "
    "link: press the button there and we will tell you when it is back."
)
WAITING = "Done: we will email {email} when {size} is back in stock."


# The form on product pages: signed when shown, also on cached pages.
stamp_for_form = VisitorValue("stock-alert-stamp", lambda: form_stamp(salt=ALERT_STAMP_SALT))


@bp.app_template_global("stock_alert_stamp")
def stock_alert_stamp() -> str:
    return stamp_for_form()


@bp.post("/products/<slug>/notify")
@limiter.limit(lambda: current_app.config["STOCK_ALERT_IP_LIMIT"], error_message=IP_LIMIT_MESSAGE)
@limiter.limit(
    lambda: current_app.config["STOCK_ALERT_EMAIL_LIMIT"],
    key_func=typed_email_key("stock-alert-email"),
    error_message=EMAIL_LIMIT_MESSAGE,
)
def notify(slug: str):
    """Ask to be emailed when a sold-out size is back. The same answer whether or not the
    address waits already; a signed-in customer's own address waits at once."""
    product = catalogue.product_for_page(slug)
    if product is None:
        abort(404)
    form = AlertForm()
    page_url = url_for("catalogue.product_detail", slug=product.slug)
    config = current_app.config
    stamp = check_form_stamp(
        form.stamp.data,
        min_seconds=config["NEWSLETTER_MIN_FILL_SECONDS"],
        max_age=config["NEWSLETTER_FORM_MAX_AGE"],
        salt=ALERT_STAMP_SALT,
    )
    if form.website.data or stamp.looks_like_a_bot:
        # Bots get the answer people get, and nothing is stored or sent.
        logger.info("Back-in-stock request dropped as automated (from %s)", request.remote_addr)
        flash(ASKED.format(email="the address"), "success")
        return redirect(page_url, code=303)
    variants = {v.id: v for v in product.active_variants}
    if not form.validate():
        return _form_page(product, form)
    variant = variants.get(form.variant_id.data)
    if variant is None:
        form.variant_id.errors = ["Choose a size of this product."]
        return _form_page(product, form)
    if not services.is_sold_out(variant):
        flash(f"Good news: {variant.size_label} is in stock now.", "success")
        return redirect(url_for("catalogue.product_detail", slug=slug, variant=variant.id), 303)
    email = form.normalised_email
    customer = current_customer()
    own_address = customer is not None and normalise_email(customer.email) == email
    try:
        asked = services.request_alert(variant, email, confirmed=own_address)
    except services.AlertError as exc:
        db.session.rollback()
        form.variant_id.errors = [str(exc)]
        return _form_page(product, form)
    if asked.confirm_token is not None:
        emails.queue_confirmation(asked.alert, variant, asked.confirm_token)
    db.session.commit()
    if own_address:
        flash(WAITING.format(email=email, size=variant.size_label), "success")
    else:
        flash(ASKED.format(email=email), "success")
    return redirect(page_url, code=303)


def _form_page(product, form: AlertForm):
    sold_out = [v for v in product.active_variants if services.is_sold_out(v)]
    page = render_template("alerts/notify.html", product=product, form=form, sold_out=sold_out)
    return page, 400


# Confirming -------------------------------------------------------------------------


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button and changes nothing; POST starts the wait. A link that names
    no live request is a 404."""
    alert = services.alert_to_confirm(token)
    if alert is None:
        abort(404)
    form = ConfirmForm()
    confirmed = False
    if request.method == "POST" and form.validate():
        services.confirm_alert(alert)
        db.session.commit()
        confirmed = True
    page = render_template(
        "alerts/confirm.html",
        alert=alert,
        variant=alert.variant,
        product=alert.variant.product,
        form=form,
        confirmed=confirmed or alert.status == "waiting",
    )
    return personal_link_page(page)


# Unsubscribing ----------------------------------------------------------------------


def _email_or_404(token: str) -> str:
    email = services.email_from_unsubscribe_token(token)
    if email is None:
        abort(404)
    return email


@bp.get("/alerts/unsubscribe/<token>")
def unsubscribe(token: str):
    """The link in every back-in-stock email: one button."""
    email = _email_or_404(token)
    return personal_link_page(render_template("alerts/unsubscribe.html", email=email, done=False))


@bp.post("/alerts/unsubscribe/<token>")
@csrf.exempt
def one_click_unsubscribe(token: str):
    """RFC 8058: a POST of `List-Unsubscribe=One-Click` (from the mailbox provider or the
    page's button) ends every request of the address in the signed link."""
    email = _email_or_404(token)
    if request.form.get("List-Unsubscribe") != emails.ONE_CLICK.split("=", 1)[1]:
        abort(400, description=f"Expected a one-click request: {emails.ONE_CLICK}.")
    services.unsubscribe(email)
    db.session.commit()
    return personal_link_page(render_template("alerts/unsubscribe.html", email=email, done=True))
