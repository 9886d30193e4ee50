"""Mail pages of the back office: the emails not delivered yet, and retrying a failed one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.admin.auth import role_required, roles_for
from shop.admin.views import protect_back_office
from shop.extensions import db
from shop.mail import services as delivery
from shop.mail.admin import services
from shop.mail.admin.forms import MailFilterForm, RetryForm

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")
protect_back_office(bp)


EMAILS_PER_PAGE = 50


@bp.get("/")
@role_required(*roles_for("mail"))
def message_list():
    form = MailFilterForm(request.args)
    valid = form.validate()
    status = form.status.data if valid else None
    emails = db.paginate(
        services.waiting_and_failed_query(status),
        page=request.args.get("page", 1, type=int),
        per_page=EMAILS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/mail/list.html",
        form=form,
        emails=emails,
        query_args={"status": status} if status else {},
        counts=services.status_counts(),
        retry_form=RetryForm(),
        max_attempts=delivery.MAX_ATTEMPTS,
    ), (200 if valid else 400)


@bp.post("/<int:email_id>/retry")
@role_required(*roles_for("mail"))
def message_retry(email_id: int):
    """Send a failed email again, with a new round of tries (audited)."""
    if services.retry_email(email_id, current_user._get_current_object(), ip=request.remote_addr):
        db.session.commit()
        flash("The email will be sent again in a moment.", "success")
    else:
        db.session.rollback()
        flash("That email is not waiting for a retry (it may have been retried already).", "info")
    return redirect(url_for("mail_admin.message_list"), code=303)
