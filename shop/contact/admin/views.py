"""Customer messages in the back office (/admin/messages, the `messages` area: fulfilment
staff and administrators): the list with its filters, a message with the customer's
orders, a reply box that emails the customer, and its status. Every change is audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.lists import page_of, read_filters
from shop.contact import emails, services
from shop.contact.forms import MessageFilterForm, ReplyForm, StatusForm
from shop.contact.models import ContactMessage
from shop.extensions import db

bp = Blueprint("contact_admin", __name__, url_prefix="/admin/messages")
protect_back_office(bp, area="messages")

PER_PAGE = 30


@bp.get("/")
def message_list():
    listing = read_filters(MessageFilterForm(request.args), services.MessageFilters)
    messages = page_of(services.message_list(listing.filters), PER_PAGE)
    return render_template(
        "admin/contact/list.html",
        form=listing.form,
        messages=messages,
        counts=services.status_counts(),
        query_args=listing.query_args,
    ), listing.status


def _message_or_404(message_id: int) -> ContactMessage:
    stmt = (
        select(ContactMessage)
        .where(ContactMessage.id == message_id)
        .options(selectinload(ContactMessage.replies))
    )
    message = db.session.scalar(stmt)
    if message is None:
        abort(404)
    return message


def _detail(message: ContactMessage, reply_form: ReplyForm, status: int = 200):
    status_form = StatusForm(formdata=None, status=message.status)
    page = render_template(
        "admin/contact/detail.html",
        message=message,
        orders=services.orders_for(message),
        reply_form=reply_form,
        status_form=status_form,
    )
    return page, status


@bp.get("/<int:message_id>")
def message_detail(message_id: int):
    return _detail(_message_or_404(message_id), ReplyForm(formdata=None))


@bp.post("/<int:message_id>/reply")
def message_reply(message_id: int):
    message = _message_or_404(message_id)
    form = ReplyForm()
    if not form.validate():
        return _detail(message, form, 400)
    answer = services.reply(message, form.body.data, current_staff(), ip=request_ip())
    emails.queue_reply(message, answer)
    db.session.commit()
    flash(f"Your reply to {message.email} is on its way.", "success")
    return redirect(url_for("contact_admin.message_detail", message_id=message.id), code=303)


@bp.post("/<int:message_id>/status")
def message_status(message_id: int):
    message = _message_or_404(message_id)
    form = StatusForm()
    if not form.validate():
        flash("Choose new, answered or closed.", "error")
    elif services.set_status(message, form.status.data, current_staff(), ip=request_ip()):
        db.session.commit()
        flash(f"Message {message.reference} is {message.status_enum.label.lower()}.", "success")
    return redirect(url_for("contact_admin.message_detail", message_id=message.id), code=303)
