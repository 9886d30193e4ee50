"""The subscriptions area of the back office (fulfilment staff and administrators): the
list with its filters and figures, a subscription's timeline and orders, and cancelling
on a customer's behalf (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.audit import record_audit
from shop.backoffice.lists import page_of, read_filters
from shop.catalogue.models import Product, Variant
from shop.extensions import db
from shop.subscriptions import billing, services
from shop.subscriptions.models import (
    Subscription,
    SubscriptionItem,
    SubscriptionOrder,
    SubscriptionStatus,
)

bp = Blueprint("subscriptions_admin", __name__, url_prefix="/admin/subscriptions")
protect_back_office(bp, area="subscriptions")

PER_PAGE = 50


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("Status", default="")
    product = SelectField("Product", default="")
    renews_by = DateField("Renews by", validators=[Optional()])


class CancelForm(FlaskForm):
    reason = StringField(
        "Reason",
        validators=[
            InputRequired(message="Please say why (it goes on the timeline and the audit log)."),
            Length(max=500),
        ],
    )


@dataclass(frozen=True)
class Filters:
    status: str = ""
    product: str = ""
    renews_by: date | None = None


def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    form.status.choices = [("", "Any status")] + [(s.value, s.label) for s in SubscriptionStatus]
    products = db.session.scalars(
        select(Product).where(Product.subscribable.is_(True)).order_by(Product.name)
    ).all()
    form.product.choices = [("", "Any product")] + [(str(p.id), p.name) for p in products]
    return form


def _search(filters: Filters):
    stmt = (
        select(Subscription)
        .where(Subscription.status != SubscriptionStatus.PENDING)
        .options(selectinload(Subscription.items))
        .order_by(
            Subscription.next_renewal_at.is_(None), Subscription.next_renewal_at, Subscription.id
        )
    )
    if filters.status:
        stmt = stmt.where(Subscription.status == filters.status)
    if filters.product:
        stmt = stmt.where(
            Subscription.id.in_(
                select(SubscriptionItem.subscription_id)
                .join(Variant, Variant.id == SubscriptionItem.variant_id)
                .where(Variant.product_id == int(filters.product))
            )
        )
    if filters.renews_by:
        end = datetime.combine(filters.renews_by + timedelta(days=1), time(), UTC)
        stmt = stmt.where(Subscription.next_renewal_at < end)
    return stmt


@bp.get("/")
def subscription_list():
    listing = read_filters(_filter_form(), Filters)
    pages = page_of(_search(listing.filters), PER_PAGE)
    return render_template(
        "admin/subscriptions/list.html",
        form=listing.form,
        pages=pages,
        figures=services.figures(),
        query_args=listing.query_args,
    ), listing.status


def _subscription_or_404(subscription_id: int) -> Subscription:
    subscription = db.session.scalar(
        select(Subscription)
        .where(Subscription.id == subscription_id)
        .options(
            selectinload(Subscription.items),
            selectinload(Subscription.events),
            selectinload(Subscription.orders).joinedload(SubscriptionOrder.order),
        )
    )
    if subscription is None:
        abort(404)
    return subscription


@bp.get("/<int:subscription_id>")
def subscription_detail(subscription_id: int):
    return render_template(
        "admin/subscriptions/detail.html",
        subscription=_subscription_or_404(subscription_id),
        form=CancelForm(),
    )


@bp.post("/<int:subscription_id>/cancel")
def cancel(subscription_id: int):
    subscription = _subscription_or_404(subscription_id)
    form = CancelForm()
    if not form.validate():
        return render_template(
            "admin/subscriptions/detail.html", subscription=subscription, form=form
        ), 400
    staff = current_staff()
    reason = f"Cancelled by staff on the customer's behalf: {form.reason.data.strip()}"
    before = {"status": subscription.status}
    try:
        message = billing.cancel_now(subscription, reason, staff.email)
    except billing.BillingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".subscription_detail", subscription_id=subscription_id), 303)
    record_audit(
        staff,
        "subscription.cancel",
        "subscription",
        subscription.id,
        reason,
        before=before,
        after={"status": subscription.status},
        ip=request_ip(),
    )
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".subscription_detail", subscription_id=subscription_id), 303)
