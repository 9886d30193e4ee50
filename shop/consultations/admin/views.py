"""/admin/consultations: the calendar of bookings by day and week, a booking (notes,
move, cancel with or without refund, no-show), booking for a customer, and (admins)
the services, mentors, weekly hours and time off. A mentor sees their own bookings and
keeps their own weekly hours and time off ("Your hours and time off")."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from shop.backoffice.access import area_required, current_staff, protect_back_office, request_ip
from shop.backoffice.roles import allowed
from shop.catalogue.services import all_concerns
from shop.consultations import services
from shop.consultations.admin import services as manage
from shop.consultations.forms import (
    ActionForm,
    HoursForm,
    MentorForm,
    ServiceForm,
    SlotForm,
    StaffBookingForm,
    StaffCancelForm,
    StaffNotesForm,
    TimeOffForm,
)
from shop.consultations.models import Mentor, Service
from shop.consultations.slots import by_day, local, open_slots
from shop.extensions import db
from shop.models import utcnow
from shop.payments.gateway import PaymentError

bp = Blueprint("consultations_admin", __name__, url_prefix="/admin/consultations")
protect_back_office(bp, area="consultations")
admins_only = area_required("staff")


@bp.app_template_global()
def consultation_sessions():
    """Today's and this week's sessions for the dashboard, or None for staff who do not
    open the consultations area."""
    if not allowed(current_user, "consultations"):
        return None
    return manage.upcoming_counts(current_staff())


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return local(utcnow()).date()


@bp.get("/")
def calendar():
    view = "day" if request.args.get("view") == "day" else "week"
    day = _day_arg()
    first = day if view == "day" else day - timedelta(days=day.weekday())
    days = 1 if view == "day" else 7
    bookings = manage.bookings_between(current_staff(), first, days)
    grouped = {first + timedelta(days=i): [] for i in range(days)}
    for booking in bookings:
        grouped.setdefault(local(booking.starts_at).date(), []).append(booking)
    return render_template(
        "consultations/admin/calendar.html",
        view=view,
        first=first,
        days=grouped,
        previous=first - timedelta(days=days),
        following=first + timedelta(days=days),
        is_admin=manage.is_admin(current_user),
        services=services.active_services(),
    )


def _booking_or_404(booking_id: int):
    booking = manage.booking_for(current_staff(), booking_id)
    if booking is None:
        abort(404)
    return booking


def _booking_page(booking, status=200, **forms):
    forms.setdefault("notes_form", StaffNotesForm(formdata=None, staff_notes=booking.staff_notes))
    forms.setdefault("cancel_form", StaffCancelForm(formdata=None))
    slots = []
    if booking.status == "confirmed":
        slots = open_slots(
            booking.service,
            now=utcnow(),
            rules=services.rules(),
            exclude_booking_id=booking.id,
            days=14,
        )
    return render_template(
        "consultations/admin/booking.html",
        booking=booking,
        days=by_day(slots),
        action_form=ActionForm(),
        slot_form=SlotForm(formdata=None),
        **forms,
    ), status


@bp.get("/bookings/<int:booking_id>")
def booking(booking_id: int):
    return _booking_page(_booking_or_404(booking_id))


def _back(booking):
    return redirect(url_for("consultations_admin.booking", booking_id=booking.id), code=303)


@bp.post("/bookings/<int:booking_id>/notes")
def booking_notes(booking_id: int):
    booking = _booking_or_404(booking_id)
    form = StaffNotesForm()
    if not form.validate():
        return _booking_page(booking, 400, notes_form=form)
    services.save_staff_notes(
        booking, form.staff_notes.data or "", staff=current_staff(), ip=request_ip()
    )
    db.session.commit()
    flash("Notes saved.", "success")
    return _back(booking)


@bp.post("/bookings/<int:booking_id>/move")
def booking_move(booking_id: int):
    booking = _booking_or_404(booking_id)
    form = SlotForm()
    try:
        if not form.validate():
            raise services.BookingError(form.slot.errors[0])
        services.reschedule(booking, form.slot.data, staff=current_staff(), ip=request_ip())
    except services.BookingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(booking)
    db.session.commit()
    flash("Booking moved; the customer has been emailed the new invitation.", "success")
    return _back(booking)


@bp.post("/bookings/<int:booking_id>/cancel")
def booking_cancel(booking_id: int):
    booking = _booking_or_404(booking_id)
    form = StaffCancelForm()
    if not form.validate():
        return _booking_page(booking, 400, cancel_form=form)
    try:
        refunded = services.cancel_booking(
            booking,
            staff=current_staff(),
            refund=bool(form.refund.data),
            reason=form.reason.data or "",
            ip=request_ip(),
        )
    except (services.BookingError, PaymentError) as exc:
        db.session.rollback()
        flash(f"Not cancelled: {exc}", "error")
        return _back(booking)
    db.session.commit()
    flash(f"Booking cancelled{' and refunded' if refunded else ''}.", "success")
    return _back(booking)


@bp.post("/bookings/<int:booking_id>/no-show")
def booking_no_show(booking_id: int):
    booking = _booking_or_404(booking_id)
    if ActionForm().validate():
        try:
            services.mark_no_show(booking, staff=current_staff(), ip=request_ip())
        except services.BookingError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _back(booking)
        db.session.commit()
        flash("Marked as a no-show.", "success")
    return _back(booking)


@bp.route("/book/<slug>", methods=["GET", "POST"])
def book(slug: str):
    """Book a slot for a customer (phone, in the clinic): confirmed at once."""
    service = services.service_by_slug(slug)
    if service is None or not service.is_active:
        abort(404)
    form = StaffBookingForm()
    form.concerns.choices = [SelectChoice(c.name, c.name) for c in all_concerns()]
    status = 200
    if request.method == "POST":
        if form.validate():
            details = services.Details(
                name=form.name.data,
                email=form.email.data,
                concerns=list(form.concerns.data or []),
                notes=form.notes.data or "",
                consent=bool(form.consent.data),
            )
            try:
                booking = services.staff_book(
                    service, form.slot.data, details, staff=current_staff(), ip=request_ip()
                )
            except services.SlotTaken:
                db.session.rollback()
                form.slot.errors = ["That time was just taken. Please pick another."]
                status = 409
            else:
                db.session.commit()
                flash("Booked; the customer has been emailed.", "success")
                return redirect(
                    url_for("consultations_admin.booking", booking_id=booking.id), code=303
                )
        else:
            status = 400
    slots = open_slots(service, now=utcnow(), rules=services.rules(), days=14)
    return render_template(
        "consultations/admin/book.html", service=service, form=form, days=by_day(slots)
    ), status


# Services, mentors, hours and time off (administrators) --------------------------------


@bp.get("/setup")
@admins_only
def setup():
    return render_template(
        "consultations/admin/setup.html",
        services=manage.all_services(),
        mentors=manage.all_mentors(),
    )


@bp.route("/services/new", methods=["GET", "POST"], defaults={"service_id": None})
@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@admins_only
def service_edit(service_id: int | None):
    service = db.get_or_404(Service, service_id) if service_id else None
    if request.method == "GET" and service is not None:
        form = ServiceForm(obj=service, price=f"{service.price_pence / 100:.2f}")
    else:
        form = ServiceForm()
    if request.method == "POST" and form.validate():
        values = {
            key: getattr(form, key).data for key in manage.SERVICE_FIELDS if key != "price_pence"
        }
        values["price_pence"] = form.price_pence
        try:
            service = manage.save_service(service, values, staff=current_staff(), ip=request_ip())
        except manage.ManageError as exc:
            db.session.rollback()
            form.slug.errors = [str(exc)]
        else:
            db.session.commit()
            flash("Service saved.", "success")
            return redirect(url_for("consultations_admin.setup"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("consultations/admin/service.html", form=form, service=service), status


@bp.route("/mentors/new", methods=["GET", "POST"], defaults={"mentor_id": None})
@bp.route("/mentors/<int:mentor_id>", methods=["GET", "POST"])
@admins_only
def mentor_edit(mentor_id: int | None):
    mentor = db.get_or_404(Mentor, mentor_id) if mentor_id else None
    if request.method == "GET" and mentor is not None:
        account = (
            db.session.get(manage.StaffUser, mentor.staff_user_id) if mentor.staff_user_id else None
        )
        form = MentorForm(obj=mentor, staff_email=account.email if account else "")
    else:
        form = MentorForm()
    if request.method == "POST" and form.validate():
        values = {
            "name": form.name.data,
            "bio": form.bio.data or "",
            "call_url": form.call_url.data or "",
            "is_active": bool(form.is_active.data),
            "staff_email": form.staff_email.data or "",
        }
        try:
            mentor = manage.save_mentor(mentor, values, staff=current_staff(), ip=request_ip())
        except manage.ManageError as exc:
            db.session.rollback()
            form.staff_email.errors = [str(exc)]
        else:
            db.session.commit()
            flash("Mentor saved.", "success")
            return redirect(
                url_for("consultations_admin.mentor_edit", mentor_id=mentor.id), code=303
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "consultations/admin/mentor.html",
        form=form,
        mentor=mentor,
        hours_form=HoursForm(formdata=None),
        time_off_form=TimeOffForm(formdata=None),
        time_off=manage.time_off_of(mentor) if mentor else [],
        action_form=ActionForm(),
    ), status


def _availability_of(mentor_id: int) -> Mentor:
    """The mentor whose hours and time off this member of staff may change: any, for an
    administrator; their own, for a mentor (anyone else's is a 404)."""
    mentor = db.session.get(Mentor, mentor_id)
    if mentor is None or not (
        manage.is_admin(current_user) or mentor.staff_user_id == current_staff().id
    ):
        abort(404)
    return mentor


def _back_to_availability(mentor: Mentor):
    if manage.is_admin(current_user):
        return redirect(url_for("consultations_admin.mentor_edit", mentor_id=mentor.id), code=303)
    return redirect(url_for("consultations_admin.my_availability"), code=303)


@bp.get("/my-hours")
def my_availability():
    """A mentor's own weekly hours and time off, which they keep up to date themselves."""
    mentor = manage.mentor_of(current_user)
    return render_template(
        "consultations/admin/availability.html",
        mentor=mentor,
        hours_form=HoursForm(formdata=None),
        time_off_form=TimeOffForm(formdata=None),
        time_off=manage.time_off_of(mentor) if mentor else [],
        action_form=ActionForm(),
    )


@bp.post("/mentors/<int:mentor_id>/hours")
def hours_add(mentor_id: int):
    mentor = _availability_of(mentor_id)
    form = HoursForm()
    if not form.validate():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    else:
        try:
            manage.add_hours(
                mentor,
                int(form.weekday.data),
                form.starts.data,
                form.ends.data,
                staff=current_staff(),
                ip=request_ip(),
            )
        except manage.ManageError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash("Hours added.", "success")
    return _back_to_availability(mentor)


@bp.post("/mentors/<int:mentor_id>/hours/<int:hours_id>/remove")
def hours_remove(mentor_id: int, hours_id: int):
    mentor = _availability_of(mentor_id)
    if ActionForm().validate() and manage.remove_hours(
        mentor, hours_id, staff=current_staff(), ip=request_ip()
    ):
        db.session.commit()
        flash("Hours removed.", "success")
    return _back_to_availability(mentor)


@bp.post("/mentors/<int:mentor_id>/time-off")
def time_off_add(mentor_id: int):
    mentor = _availability_of(mentor_id)
    form = TimeOffForm()
    if not form.validate():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    else:
        manage.add_time_off(
            mentor,
            form.first_day.data,
            form.last_day.data,
            form.reason.data or "",
            staff=current_staff(),
            ip=request_ip(),
        )
        db.session.commit()
        flash("Time off added.", "success")
    return _back_to_availability(mentor)


@bp.post("/mentors/<int:mentor_id>/time-off/<int:off_id>/remove")
def time_off_remove(mentor_id: int, off_id: int):
    mentor = _availability_of(mentor_id)
    if ActionForm().validate() and manage.remove_time_off(
        mentor, off_id, staff=current_staff(), ip=request_ip()
    ):
        db.session.commit()
        flash("Time off removed.", "success")
    return _back_to_availability(mentor)
