"""/contact: the contact form, with the newsletter's bot checks (a honeypot and a signed
stamp of when the form was shown, `shop.newsletter.tokens`) and rate limits per client
address and per email address typed (`shop.security.typed_email_key`)."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from shop.contact import emails, services
from shop.contact.forms import CONTACT_STAMP_SALT, ContactForm
from shop.contact.models import TOPICS
from shop.extensions import db, limiter
from shop.newsletter.tokens import check_form_stamp, form_stamp
from shop.security import typed_email_key

bp = Blueprint("contact", __name__)

logger = logging.getLogger(__name__)

IP_LIMIT_MESSAGE = "Too many messages from your network. Please wait a few minutes and try again."
EMAIL_LIMIT_MESSAGE = (
    "Too many messages from this address. Please wait for our answer, or try again in an hour."
)


def _page(form: ContactForm, status: int = 200, problem: str | None = None):
    page = render_template("contact/contact.html", form=form, topics=TOPICS, problem=problem)
    return page, status


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["CONTACT_IP_LIMIT"],
    methods=["POST"],
    error_message=IP_LIMIT_MESSAGE,
)
@limiter.limit(
    lambda: current_app.config["CONTACT_EMAIL_LIMIT"],
    key_func=typed_email_key("contact-email"),
    methods=["POST"],
    error_message=EMAIL_LIMIT_MESSAGE,
)
def contact():
    if request.method == "GET":
        form = ContactForm(formdata=None, stamp=form_stamp(salt=CONTACT_STAMP_SALT))
        topic = request.args.get("topic", "")
        form.topic.data = topic if topic in TOPICS else ""
        form.order_number.data = request.args.get("order", "")[:20]
        return _page(form)

    form = ContactForm()
    config = current_app.config
    stamp = check_form_stamp(
        form.stamp.data,
        min_seconds=config["NEWSLETTER_MIN_FILL_SECONDS"],
        max_age=config["NEWSLETTER_FORM_MAX_AGE"],
        salt=CONTACT_STAMP_SALT,
    )
    if form.website.data or stamp.looks_like_a_bot:
        # Bots get the answer people get, and nothing is stored or sent.
        logger.info("Contact message dropped as automated (from %s)", request.remote_addr)
        return redirect(url_for("contact.thanks"), code=303)
    if not form.validate():
        return _page(form, 400)
    if stamp.expired:
        # A form left open for a day: ask again (the new stamp lets them send at once).
        form.stamp.data = form_stamp(
            at=time.time() - config["NEWSLETTER_MIN_FILL_SECONDS"], salt=CONTACT_STAMP_SALT
        )
        return _page(form, 400, "This form was open for a long time. Please press Send again.")
    message = services.record_message(
        name=form.name.data,
        email=form.normalised_email,
        order_number=form.normalised_order_number,
        topic=form.topic.data,
        body=form.message.data,
    )
    emails.queue_message_emails(message)
    db.session.commit()
    return redirect(url_for("contact.thanks"), code=303)


@bp.get("/contact/thanks")
def thanks():
    return render_template("contact/thanks.html")
