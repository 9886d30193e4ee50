"""The shopper's side of consultations: the services, a service's open slots, and the
private booking page (details, payment, move, cancel)."""

from __future__ import annotations

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
from wtforms import SelectChoice

from shop.catalogue.services import all_concerns
from shop.consultations import services
from shop.consultations.forms import ActionForm, DetailsForm, SlotForm
from shop.consultations.models import BookingStatus
from shop.consultations.slots import by_day, open_slots
from shop.extensions import db, limiter
from shop.models import utcnow
from shop.numbers import MAX_ID
from shop.payments.gateway import PaymentError
from shop.urls import absolute_url

bp = Blueprint("consultations", __name__)

HOLD_LIMIT_MESSAGE = "You have picked many times in a short while. Please wait a little."


@bp.get("/consultations", endpoint="services")
def services_page():
    return render_template("consultations/services.html", services=services.active_services())


def _service_or_404(slug: str):
    service = services.service_by_slug(slug)
    if service is None or not service.is_active:
        abort(404)
    return service


def _mentor_filter() -> int | None:
    """`?mentor=<id>`: only this mentor's slots (anything else: every mentor's)."""
    value = request.args.get("mentor", "")
    if not value.isdigit() or len(value) > 10 or not 1 <= int(value) <= MAX_ID:
        return None
    return int(value)


def _slots_page(service, *, form, status=200, taken=None, booking=None, action=None):
    mentors = services.active_mentors()
    mentor_id = _mentor_filter()
    if mentor_id not in {m.id for m in mentors}:
        mentor_id = None
    slots = open_slots(
        service,
        now=utcnow(),
        rules=services.rules(),
        mentor_id=mentor_id,
        exclude_booking_id=booking.id if booking else None,
    )
    page = render_template(
        "consultations/service.html",
        service=service,
        days=by_day(slots),
        mentors=mentors,
        mentor_id=mentor_id,
        form=form,
        taken=taken,
        booking=booking,
        action=action or url_for("consultations.service_page", slug=service.slug),
    )
    return page, status


@bp.route("/consultations/<slug>", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["BOOKING_HOLD_IP_LIMIT"],
    methods=["POST"],
    error_message=HOLD_LIMIT_MESSAGE,
)
def service_page(slug: str):
    """A service's open slots (GET); picking one holds it (POST `slot`)."""
    service = _service_or_404(slug)
    form = SlotForm()
    if request.method == "GET":
        return _slots_page(service, form=form)
    if not form.validate():
        return _slots_page(service, form=form, status=400)
    try:
        booking = services.hold_slot(service, form.slot.data)
    except services.SlotTaken as taken:
        db.session.rollback()
        return _slots_page(service, form=SlotForm(formdata=None), status=409, taken=taken)
    db.session.commit()
    return redirect(url_for("consultations.manage_booking", token=booking.token), code=303)


def _booking_or_404(token: str):
    booking = services.booking_by_token(token)
    if booking is None:
        abort(404)
    return booking


def _details_form(booking, formdata=None) -> DetailsForm:
    form = DetailsForm(formdata=formdata) if formdata is not None else DetailsForm()
    form.concerns.choices = [SelectChoice(c.name, c.name) for c in all_concerns()]
    return form


def _manage_page(booking, *, details_form=None, status=200):
    now = utcnow()
    page = render_template(
        "consultations/booking.html",
        booking=booking,
        now=now,
        held=services.hold_is_live(booking, now),
        details_form=details_form or _details_form(booking),
        can_change=services.can_change(booking, now),
        can_cancel=services.can_cancel(booking, now),
        change_deadline=services.change_deadline(booking),
        action_form=ActionForm(),
    )
    return page, status


@bp.get("/bookings/<token>")
def manage_booking(token: str):
    """The private booking page: the details form while held, then see, move or cancel."""
    return _manage_page(_booking_or_404(token))


@bp.post("/bookings/<token>/details")
def booking_details(token: str):
    booking = _booking_or_404(token)
    if booking.status != BookingStatus.HELD:
        return redirect(url_for("consultations.manage_booking", token=token), code=303)
    form = _details_form(booking, formdata=request.form)
    if not form.validate():
        return _manage_page(booking, details_form=form, status=400)
    details = services.Details(
        name=form.name.data,
        email=form.email.data,
        concerns=list(form.concerns.data or []),
        notes=form.notes.data or "",
        consent=bool(form.consent.data),
    )
    try:
        services.save_details(booking, details)
        if booking.price_pence == 0:
            if not services.confirm_free_booking(booking):
                raise services.HoldLapsed()
            db.session.commit()
            flash("You are booked in. We have emailed you the details.", "success")
            return redirect(url_for("consultations.manage_booking", token=token), code=303)
        db.session.commit()
        payment_url = services.start_payment(
            booking,
            success_url=absolute_url("consultations.booking_paid", token=token)
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=absolute_url("consultations.manage_booking", token=token),
        )
        db.session.commit()
    except services.HoldLapsed as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("consultations.service_page", slug=booking.service.slug), code=303)
    except services.BookingError as exc:
        db.session.rollback()
        form.consent.errors = [str(exc)]
        return _manage_page(booking, details_form=form, status=400)
    except PaymentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _manage_page(booking, details_form=form, status=503)
    return redirect(payment_url, code=303)


@bp.get("/bookings/<token>/paid")
def booking_paid(token: str):
    """Where the payment page returns to: record the payment (once) and show the booking."""
    booking = _booking_or_404(token)
    session_id = (request.args.get("session_id") or "")[:255]
    if session_id and session_id == booking.payment_session_id:
        try:
            services.record_booking_payment(session_id)
        except PaymentError:
            db.session.rollback()
            flash("We could not check your payment just now. This page will update.", "warning")
        db.session.refresh(booking)
    if booking.status == BookingStatus.CONFIRMED:
        flash("Thank you: you are booked in. We have emailed you the details.", "success")
    return redirect(url_for("consultations.manage_booking", token=token), code=303)


@bp.route("/bookings/<token>/reschedule", methods=["GET", "POST"])
def reschedule(token: str):
    booking = _booking_or_404(token)
    now = utcnow()
    action = url_for("consultations.reschedule", token=token)
    if not services.can_change(booking, now):
        flash("This booking can no longer be moved online.", "error")
        return redirect(url_for("consultations.manage_booking", token=token), code=303)
    form = SlotForm()
    if request.method == "GET":
        return _slots_page(booking.service, form=form, booking=booking, action=action)
    if not form.validate():
        return _slots_page(booking.service, form=form, status=400, booking=booking, action=action)
    try:
        services.reschedule(booking, form.slot.data, now=now)
    except services.SlotTaken as taken:
        db.session.rollback()
        return _slots_page(
            booking.service,
            form=SlotForm(formdata=None),
            status=409,
            taken=taken,
            booking=booking,
            action=action,
        )
    except services.BookingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("consultations.manage_booking", token=token), code=303)
    db.session.commit()
    flash("Your booking has moved. We have emailed you the new invitation.", "success")
    return redirect(url_for("consultations.manage_booking", token=token), code=303)


@bp.route("/bookings/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """GET says what cancelling now means (refund or not); POST cancels."""
    booking = _booking_or_404(token)
    now = utcnow()
    held = booking.status == BookingStatus.HELD
    if not (held or services.can_cancel(booking, now)):
        flash("This booking can no longer be cancelled online.", "error")
        return redirect(url_for("consultations.manage_booking", token=token), code=303)
    form = ActionForm()
    if request.method == "POST" and form.validate():
        try:
            refunded = services.cancel_booking(booking, now=now)
        except (services.BookingError, PaymentError) as exc:
            db.session.rollback()
            flash(f"Your booking was not cancelled: {exc}", "error")
            return redirect(url_for("consultations.manage_booking", token=token), code=303)
        db.session.commit()
        message = "Your booking is cancelled."
        if refunded:
            message += " Your payment is being refunded in full."
        flash(message, "success")
        return redirect(url_for("consultations.manage_booking", token=token), code=303)
    return render_template(
        "consultations/cancel.html",
        booking=booking,
        held=held,
        refund=services.refund_due(booking, now),
        change_deadline=services.change_deadline(booking),
        form=form,
    ), (400 if request.method == "POST" else 200)
