"""The admin staff area: signing in and out, the dashboard, staff accounts and the
audit log. Every page needs a signed-in member of staff except the sign-in page; the
staff and audit pages name their area. Also the staff session's limits (idle time,
lifetime), checked on every request."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from shop.admin import services
from shop.admin.auth import (
    SESSION_ENDED_MESSAGES,
    authenticate,
    staff_session_ending,
    wait_message,
)
from shop.admin.forms import (
    AuditFilterForm,
    LoginForm,
    RoleForm,
    StaffCreateForm,
)
from shop.admin.models import StaffUser
from shop.alerts.services import most_wanted_sold_out
from shop.backoffice.access import (
    area_required,
    current_staff,
    protect_back_office,
    request_ip,
)
from shop.backoffice.lists import page_of, read_filters
from shop.backoffice.roles import Role, allowed
from shop.cart.views import SESSION_KEY as CART_SESSION_KEY
from shop.config import demo_company_settings
from shop.extensions import db, limiter
from shop.models import utcnow
from shop.pages.services import safe_local_path
from shop.reports.admin.views import report_headlines
from shop.subscriptions.services import figures as subscription_figures

bp = Blueprint("admin", __name__, url_prefix="/admin")


PUBLIC_ENDPOINTS = frozenset({"admin.login"})
# When the signed-in member of staff signed in, and when they last made a request
# (POSIX seconds, in the signed session cookie; see auth.staff_session_ending).
SIGNED_IN_AT = "staff_signed_in_at"
SEEN_AT = "staff_seen_at"
LOGIN_IP_LIMITS = "10 per minute;100 per hour"
LOGIN_LIMIT_MESSAGE = (
    "Too many sign-in attempts from your network. Please wait a minute and try again."
)
INCORRECT = "Email or password is incorrect"
AUDIT_PER_PAGE = 50

protect_back_office(bp, area=None, public=PUBLIC_ENDPOINTS)


def _in_back_office() -> bool:
    prefix = bp.url_prefix or "/admin"
    return request.path == prefix or request.path.startswith(prefix + "/")


@bp.before_app_request
def end_stale_staff_sessions():
    """Sign staff out once their session has been idle for STAFF_IDLE_MINUTES or open
    for STAFF_SESSION_HOURS (a copied cookie included); otherwise note that they were
    seen. In the back office they are sent to the sign-in page with a message saying
    why; on the storefront they simply carry on as a visitor."""
    # dict.get reads without marking the session as used (which would add Vary: Cookie).
    current = session._get_current_object()
    if not dict.get(current, "_user_id"):
        return None
    config = current_app.config
    now = utcnow()
    ending = staff_session_ending(
        dict.get(current, SIGNED_IN_AT),
        dict.get(current, SEEN_AT),
        now,
        idle=timedelta(minutes=config["STAFF_IDLE_MINUTES"]),
        lifetime=timedelta(hours=config["STAFF_SESSION_HOURS"]),
    )
    if ending is None:
        session[SEEN_AT] = int(now.timestamp())
        return None
    _end_staff_session()
    if not _in_back_office():
        return None
    message = SESSION_ENDED_MESSAGES[ending].format(
        idle=config["STAFF_IDLE_MINUTES"], hours=config["STAFF_SESSION_HOURS"]
    )
    flash(message, "warning")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("admin.login", next=back), code=303)


def _end_staff_session() -> None:
    """Sign out in this browser, keeping only the basket."""
    basket = session.get(CART_SESSION_KEY)
    logout_user()
    session.clear()
    if basket:
        session[CART_SESSION_KEY] = basket


@bp.after_app_request
def keep_staff_sessions_short(response):
    """A staff session lasts as long as the browser: undo the basket's long-lived
    cookie when a signed-in member of staff starts one."""
    # dict.get reads without marking the session as used (which would add Vary: Cookie).
    current = session._get_current_object()
    if current.modified and dict.get(current, "_user_id") and dict.get(current, "_permanent"):
        current.permanent = False
    return response


# Signing in and out -------------------------------------------------------------


def _start_staff_session(user: StaffUser) -> None:
    """A fresh session for the signed-in user: nothing from before survives but
    the basket, and it ends when the browser closes."""
    basket = session.get(CART_SESSION_KEY)
    session.clear()
    if basket:
        session[CART_SESSION_KEY] = basket
    session.permanent = False
    login_user(user, remember=False)
    session[SIGNED_IN_AT] = session[SEEN_AT] = int(utcnow().timestamp())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_IP_LIMITS, methods=["POST"], error_message=LOGIN_LIMIT_MESSAGE)
def login():
    form = LoginForm()
    # Only a path on this site is followed after signing in, never another host.
    next_path = safe_local_path(
        form.next.data if request.method == "POST" else request.args.get("next")
    )
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_path or url_for("admin.dashboard"))
        form.next.data = next_path or ""
        return render_template("admin/login.html", form=form, error=None)

    if not form.validate():
        return render_template("admin/login.html", form=form, error=None), 400
    result = authenticate(form.email.data, form.password.data, request_ip())
    db.session.commit()  # the attempt is recorded whatever happened
    if result.user is not None:
        _start_staff_session(result.user)
        flash(f"Signed in as {result.user.email}.", "success")
        return redirect(next_path or url_for("admin.dashboard"), code=303)
    if result.wait is not None:
        return render_template("admin/login.html", form=form, error=wait_message(result.wait)), 429
    return render_template("admin/login.html", form=form, error=INCORRECT), 200


@bp.post("/logout")
def logout():
    """Sign out here and end this account's sessions everywhere else too (a
    copied session cookie stops working)."""
    services.end_sessions(current_staff())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("admin.login"), code=303)


# Dashboard ----------------------------------------------------------------------

MOST_WANTED_LIMIT = 10


@bp.get("/")
def dashboard():
    threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    low_stock_limit = 50
    sees_sales = allowed(current_user, "orders") or allowed(current_user, "reports")
    return render_template(
        "admin/dashboard.html",
        # Revenue is for those who handle orders or read the reports; editors see the rest.
        figures=services.sales_figures() if sees_sales else None,
        subscriptions=subscription_figures() if sees_sales else None,
        low_stock=services.low_stock(threshold, low_stock_limit),
        **report_headlines(current_user),
        low_stock_limit=low_stock_limit,
        threshold=threshold,
        most_wanted=most_wanted_sold_out(MOST_WANTED_LIMIT),
        demo_company=(
            demo_company_settings(current_app.config)
            if current_app.config["SHOP_ENV"] == "production"
            and current_user.role_enum is Role.ADMIN
            else []
        ),
    )


# Staff accounts -----------------------------------------------------------------


@bp.get("/staff")
@area_required("staff")
def staff_list():
    return render_template(
        "admin/staff_list.html",
        staff=services.all_staff(),
        roles=list(Role),
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@area_required("staff")
def staff_new():
    form = StaffCreateForm()
    if form.validate_on_submit():
        try:
            user = services.create_staff(
                form.email.data,
                form.role.data,
                form.password.data,
                actor=current_staff(),
                ip=request_ip(),
            )
        except services.StaffError as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            db.session.commit()
            flash(f"Created the {user.role_enum.label.lower()} account {user.email}.", "success")
            return redirect(url_for("admin.staff_list"), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/staff_new.html", form=form, roles=list(Role)), status


def _change_staff(user_id: int, change) -> object:
    """Run one change to an account (the CSRF token was checked by CSRFProtect),
    then go back to the list with a message saying what happened."""
    user = db.get_or_404(StaffUser, user_id)
    try:
        message = change(user, current_staff())
    except services.StaffError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.post("/staff/<int:user_id>/role")
@area_required("staff")
def staff_role(user_id: int):
    form = RoleForm()

    def change(user: StaffUser, actor: StaffUser) -> str:
        if not form.validate():
            raise services.StaffError("Please choose one of the roles listed.")
        if services.change_role(user, form.role.data, actor, ip=request_ip()):
            return f"{user.email} is now {user.role_enum.label.lower()}."
        return f"{user.email} was already {user.role_enum.label.lower()}."

    return _change_staff(user_id, change)


@bp.post("/staff/<int:user_id>/deactivate")
@area_required("staff")
def staff_deactivate(user_id: int):
    def change(user: StaffUser, actor: StaffUser) -> str:
        services.set_active(user, False, actor, ip=request_ip())
        return f"Deactivated {user.email}: they are signed out and cannot sign in."

    return _change_staff(user_id, change)


@bp.post("/staff/<int:user_id>/reactivate")
@area_required("staff")
def staff_reactivate(user_id: int):
    def change(user: StaffUser, actor: StaffUser) -> str:
        services.set_active(user, True, actor, ip=request_ip())
        return f"Reactivated {user.email}: they can sign in again."

    return _change_staff(user_id, change)


# Audit log ----------------------------------------------------------------------


@bp.get("/audit")
@area_required("audit")
def audit_log():
    entity_types, actions = services.audit_choices()
    listing = read_filters(AuditFilterForm(request.args), services.AuditFilters)
    return render_template(
        "admin/audit_log.html",
        form=listing.form,
        entity_types=entity_types,
        actions=actions,
        entries=page_of(services.audit_query(listing.filters), AUDIT_PER_PAGE),
        query_args=listing.query_args,
        filtered=listing.filtered,
    ), listing.status
