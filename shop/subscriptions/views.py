"""The customer's subscriptions (/account/subscriptions) and the one-click links of the
reminder emails. Each change is a POST with CSRF, confirmed on the page and by email."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from shop.accounts.session import current_customer, customer_required
from shop.extensions import db, limiter
from shop.security import personal_link_page
from shop.subscriptions import billing, emails, services
from shop.subscriptions.forms import ActionForm, CancelForm, IntervalForm, PauseForm, QuantityForm
from shop.subscriptions.models import Subscription

bp = Blueprint("subscriptions", __name__)


@bp.get("/account/subscriptions")
@customer_required
def account_subscriptions():
    customer = current_customer()
    subscriptions = services.subscriptions_for(customer.id)
    intervals = billing.intervals_by_subscription(subscriptions)
    return render_template(
        "account/subscriptions.html",
        subscriptions=subscriptions,
        intervals=lambda subscription: intervals[subscription.id],
        action_form=ActionForm(),
        interval_form=IntervalForm(),
        quantity_form=QuantityForm(),
        pause_form=PauseForm(),
        cancel_form=CancelForm(),
    )


def _back():
    return redirect(url_for("subscriptions.account_subscriptions"), code=303)


def _own(subscription_id: int) -> Subscription:
    customer = current_customer()
    subscription = services.subscription_of(customer.id, subscription_id)
    if subscription is None:
        abort(404)
    return subscription


def _act(subscription_id: int, form, change):
    """Check the form, run `change(subscription, form)` and commit; the outcome is shown
    as a message on the subscriptions page."""
    subscription = _own(subscription_id)
    if not form.validate():
        message = next(iter(form.errors.values()))[0] if form.errors else "Please try again."
        if "csrf_token" in form.errors:
            message = "Your form had expired. Please try again."
        flash(message, "error")
        return _back()
    actor = current_customer().email
    try:
        message = change(subscription, form, actor)
    except (services.SubscriptionError, billing.BillingError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back()
    db.session.commit()
    flash(message, "success")
    return _back()


@bp.post("/account/subscriptions/<int:subscription_id>/skip")
@customer_required
def skip(subscription_id: int):
    return _act(subscription_id, ActionForm(), lambda s, f, a: billing.skip_next(s, a))


@bp.post("/account/subscriptions/<int:subscription_id>/interval")
@customer_required
def change_interval(subscription_id: int):
    return _act(
        subscription_id,
        IntervalForm(),
        lambda s, f, a: billing.change_interval(s, f.months.data, a),
    )


@bp.post("/account/subscriptions/<int:subscription_id>/quantity")
@customer_required
def change_quantity(subscription_id: int):
    return _act(
        subscription_id,
        QuantityForm(),
        lambda s, f, a: billing.change_quantity(s, f.item_id.data, f.quantity.data, a),
    )


@bp.post("/account/subscriptions/<int:subscription_id>/pause")
@customer_required
def pause(subscription_id: int):
    def change(subscription, form, actor):
        until = datetime.combine(form.resume_on.data, time(9), UTC)
        return billing.pause(subscription, until, actor)

    return _act(subscription_id, PauseForm(), change)


@bp.post("/account/subscriptions/<int:subscription_id>/resume")
@customer_required
def resume(subscription_id: int):
    return _act(subscription_id, ActionForm(), lambda s, f, a: billing.resume(s, a))


@bp.post("/account/subscriptions/<int:subscription_id>/cancel")
@customer_required
def cancel(subscription_id: int):
    return _act(
        subscription_id,
        CancelForm(),
        lambda s, f, a: billing.cancel(s, (f.reason.data or "").strip(), a),
    )


@bp.post("/account/subscriptions/<int:subscription_id>/payment-method")
@customer_required
@limiter.limit("10 per minute")
def payment_method(subscription_id: int):
    subscription = _own(subscription_id)
    if not ActionForm().validate():
        flash("Your form had expired. Please try again.", "error")
        return _back()
    try:
        url = billing.portal_url(subscription)
    except billing.BillingError as exc:
        flash(str(exc), "error")
        return _back()
    return redirect(url, code=303)


# The reminder email's one-click links: the link opens a page with one button (a GET
# never changes anything: mail scanners open links), and the button does it.


@bp.route("/subscriptions/<action>/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def one_click(action: str, token: str):
    if action not in emails.LINK_ACTIONS:
        abort(404)
    subscription_id = emails.read_link_token(token, action)
    subscription = db.session.get(Subscription, subscription_id) if subscription_id else None
    if subscription is None:
        return personal_link_page(
            (render_template("subscriptions/link.html", subscription=None, action=action), 404)
        )
    form = ActionForm()
    done = None
    if form.is_submitted():
        if not form.validate():
            flash("Your form had expired. Please try again.", "error")
        else:
            try:
                if action == "skip":
                    done = billing.skip_next(subscription, subscription.email)
                else:
                    done = billing.cancel(
                        subscription, "Cancelled from the reminder email.", subscription.email
                    )
                db.session.commit()
            except (services.SubscriptionError, billing.BillingError) as exc:
                db.session.rollback()
                flash(str(exc), "error")
    return personal_link_page(
        render_template(
            "subscriptions/link.html",
            subscription=subscription,
            action=action,
            form=form,
            done=done,
        )
    )
