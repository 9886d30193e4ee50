"""Mail pages of the back office: the emails not delivered yet, and retrying a failed one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.lists import page_of, read_filters
from shop.extensions import db
from shop.mail import services as delivery
from shop.mail.admin import services
from shop.mail.admin.forms import MailFilterForm, RetryForm

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")
protect_back_office(bp, area="mail")


EMAILS_PER_PAGE = 50


@bp.get("/")
def message_list():
    listing = read_filters(MailFilterForm(request.args), services.MailFilters)
    return render_template(
        "admin/mail/list.html",
        form=listing.form,
        emails=page_of(services.waiting_and_failed_query(listing.filters), EMAILS_PER_PAGE),
        query_args=listing.query_args,
        counts=services.status_counts(),
        retry_form=RetryForm(),
        max_attempts=delivery.MAX_ATTEMPTS,
    ), listing.status


@bp.post("/<int:email_id>/retry")
def message_retry(email_id: int):
    """Send a failed email again, with a new round of tries (audited)."""
    if services.retry_email(email_id, current_staff(), ip=request_ip()):
        db.session.commit()
        flash("The email will be sent again in a moment.", "success")
    else:
        db.session.rollback()
        flash("That email is not waiting for a retry (it may have been retried already).", "info")
    return redirect(url_for("mail_admin.message_list"), code=303)
