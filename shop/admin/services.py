"""Back-office rules: staff accounts, reading the audit log, and the dashboard's figures.

Plain functions: they change the models and flush, and leave committing, the
request and the signed-in user to the caller (the actor is passed in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import case, func, select

from shop.admin.auth import hash_password, password_problem
from shop.admin.models import StaffUser
from shop.backoffice.audit import record_audit
from shop.backoffice.models import AuditEntry
from shop.backoffice.roles import Role
from shop.catalogue.models import Product, Variant
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order, OrderStatus
from shop.reports.periods import london_midnight, london_today
from shop.text import normalise_email


class StaffError(ValueError):
    """A change to staff accounts that the rules refuse; the message says why."""


# Audit log ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    staff_email: str = ""
    entity_type: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_query(filters: AuditFilters):
    """The audit entries matching `filters`, newest first, as a select to paginate."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if filters.staff_email:
        needle = normalise_email(filters.staff_email)
        stmt = stmt.where(AuditEntry.staff_email.contains(needle, autoescape=True))
    if filters.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == filters.entity_type)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.date_from:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        stmt = stmt.where(AuditEntry.at < end)
    return stmt


def audit_choices() -> tuple[list[str], list[str]]:
    """The entity types and actions the log holds, for the filter menus."""
    rows = db.session.execute(select(AuditEntry.entity_type, AuditEntry.action).distinct()).all()
    return sorted({row[0] for row in rows}), sorted({row[1] for row in rows})


# Staff accounts -----------------------------------------------------------------


def staff_snapshot(user: StaffUser) -> dict:
    """What the audit log keeps of an account: never the password or its hash."""
    return {"email": user.email, "role": user.role, "is_active": user.is_active}


def checked_email(email: str) -> str:
    """`email` lower-cased, or StaffError if it is not an email address."""
    try:
        valid = validate_email(normalise_email(email), check_deliverability=False)
    except EmailNotValidError as exc:
        raise StaffError(f"That is not a usable email address: {exc}") from exc
    return valid.normalized.lower()


def staff_by_email(email: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))


def all_staff() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.email)))


def create_staff(
    email: str,
    role: str,
    password: str,
    actor: StaffUser | None = None,
    ip: str | None = None,
) -> StaffUser:
    """Open a staff account, or StaffError (bad email, unknown role, weak
    password, email already used). Recorded in the audit log."""
    email = checked_email(email)
    if role not in set(Role):
        raise StaffError(f"Choose a role: {', '.join(Role)}.")
    problem = password_problem(password, email)
    if problem:
        raise StaffError(problem)
    if staff_by_email(email) is not None:
        raise StaffError(f"There is already a staff account for {email}.")
    user = StaffUser(email=email, role=str(role), password_hash=hash_password(password))
    user.is_active = True
    user.session_version = 1
    db.session.add(user)
    db.session.flush()
    how = "" if actor is not None else " from the command line"
    record_audit(
        actor,
        "staff.create",
        "staff_user",
        user.id,
        f"Created {Role(role).label.lower()} account {email}{how}",
        None,
        staff_snapshot(user),
        ip=ip,
    )
    return user


def _other_active_admins(user: StaffUser) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .where(StaffUser.role == Role.ADMIN, StaffUser.is_active, StaffUser.id != user.id)
    )


def change_role(user: StaffUser, role: str, actor: StaffUser, ip: str | None = None) -> bool:
    """Give `user` another role. False when it already had it; StaffError when refused."""
    if role not in set(Role):
        raise StaffError(f"Choose a role: {', '.join(Role)}.")
    if user.id == actor.id:
        raise StaffError("You cannot change your own role. Ask another administrator.")
    if user.role == role:
        return False
    if user.role == Role.ADMIN and user.is_active and not _other_active_admins(user):
        raise StaffError("The shop needs at least one active administrator.")
    before = staff_snapshot(user)
    user.role = str(role)
    record_audit(
        actor,
        "staff.role",
        "staff_user",
        user.id,
        f"Changed {user.email} to {Role(role).label.lower()}",
        before,
        staff_snapshot(user),
        ip=ip,
    )
    return True


def set_active(user: StaffUser, active: bool, actor: StaffUser, ip: str | None = None) -> bool:
    """Deactivate or reactivate an account. False when nothing changed.

    Deactivating ends the account's open sessions at once.
    """
    if user.is_active == active:
        return False
    if not active and user.id == actor.id:
        raise StaffError("You cannot deactivate your own account.")
    if not active and user.role == Role.ADMIN and not _other_active_admins(user):
        raise StaffError("The shop needs at least one active administrator.")
    before = staff_snapshot(user)
    user.is_active = active
    if not active:
        user.session_version += 1
    record_audit(
        actor,
        "staff.reactivate" if active else "staff.deactivate",
        "staff_user",
        user.id,
        f"{'Reactivated' if active else 'Deactivated'} {user.email}",
        before,
        staff_snapshot(user),
        ip=ip,
    )
    return True


def change_password(
    user: StaffUser, password: str, actor: StaffUser | None, ip: str | None = None
) -> None:
    """Set a new password (same rules as a new account) and end the account's
    other sessions. The audit entry says it happened, never what it is."""
    problem = password_problem(password, user.email)
    if problem:
        raise StaffError(problem)
    user.password_hash = hash_password(password)
    user.session_version += 1
    record_audit(
        actor,
        "staff.password",
        "staff_user",
        user.id,
        f"Changed the password of {user.email}",
        ip=ip,
    )


def end_sessions(user: StaffUser) -> None:
    """Sign the account out everywhere: every session cookie naming it stops working."""
    user.session_version += 1
    db.session.flush()


def ensure_demo_admin(email: str, password: str) -> StaffUser:
    """The development demo administrator: created if missing, left alone if present.

    For `make run` on a developer's machine only. The password must pass the
    same rules as any other (StaffError otherwise).
    """
    existing = staff_by_email(email)
    if existing is not None:
        return existing
    return create_staff(email, Role.ADMIN, password)


# Dashboard ----------------------------------------------------------------------


@dataclass(frozen=True)
class SalesFigures:
    today_orders: int
    today_revenue_pence: int
    week_orders: int
    week_revenue_pence: int


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    """The instants (in UTC) today and this week (from Monday) began in London."""
    today = london_today(now)
    return london_midnight(today), london_midnight(today - timedelta(days=today.weekday()))


def sales_figures(now: datetime | None = None) -> SalesFigures:
    """Paid orders and revenue (less refunds) today and this week, in one query."""

    today, week = period_starts(now or utcnow())
    is_today = Order.paid_at >= today
    net = Order.total_pence - Order.refunded_pence
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((is_today, 1), else_=0)), 0),
            func.coalesce(func.sum(case((is_today, net), else_=0)), 0),
            func.count(Order.id),
            func.coalesce(func.sum(net), 0),
        ).where(
            Order.status.in_([OrderStatus.PAID, OrderStatus.REFUNDED]),
            Order.paid_at >= week,
        )
    ).one()
    return SalesFigures(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


@dataclass(frozen=True)
class LowStockLine:
    product_name: str
    product_slug: str
    size_label: str
    sku: str
    available: int


def low_stock(threshold: int, limit: int = 50) -> list[LowStockLine]:
    """Sizes on sale with `threshold` or fewer units left, fewest first (one query)."""

    available = Variant.on_hand - Variant.reserved
    rows = db.session.execute(
        select(Product.name, Product.slug, Variant.size_label, Variant.sku, available)
        .join(Variant.product)
        .where(Variant.is_active, Product.is_active, available <= threshold)
        .order_by(available, Product.name, Variant.position, Variant.id)
        .limit(limit)
    ).all()
    return [
        LowStockLine(name, slug, size, sku, max(int(left), 0))
        for name, slug, size, sku, left in rows
    ]
