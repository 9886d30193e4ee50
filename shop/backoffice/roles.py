"""Staff roles and the back office's areas: who may open what, in one table.

Plain data and functions (no request), so models and commands can use them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # every area, including staff accounts, mail and the audit log
    EDITOR = "editor"  # catalogue, journal, comments, reviews, newsletter, shop pages
    FULFILMENT = "fulfilment"  # orders, customers' messages
    ANALYST = "analyst"  # the reports, read only
    MENTOR = "mentor"  # consultations: a Skin Mentor's own bookings and notes

    @property
    def label(self) -> str:
        return {
            "admin": "Administrator",
            "editor": "Editor",
            "fulfilment": "Fulfilment",
            "analyst": "Analyst",
            "mentor": "Skin Mentor",
        }[self.value]


@dataclass(frozen=True)
class Area:
    """A part of the back office: the roles that may open it, and its line in the menu
    (`label`, linking to the endpoint `home` once that page exists)."""

    name: str
    label: str
    home: str
    roles: tuple[Role, ...]


ADMINS = (Role.ADMIN,)
EDITORS = (Role.ADMIN, Role.EDITOR)
FULFILMENT = (Role.ADMIN, Role.FULFILMENT)
ANALYSTS = (Role.ADMIN, Role.ANALYST)
MENTORS = (Role.ADMIN, Role.MENTOR)

# In menu order. Administrators open every area.
AREAS: tuple[Area, ...] = (
    Area("catalogue", "Catalogue", "catalogue_admin.product_list", EDITORS),
    Area("orders", "Orders", "orders_admin.order_list", FULFILMENT),
    Area("subscriptions", "Subscriptions", "subscriptions_admin.subscription_list", FULFILMENT),
    Area("journal", "Journal", "journal_admin.article_list", EDITORS),
    Area("comments", "Comments", "comments_admin.comment_list", EDITORS),
    Area("consultations", "Consultations", "consultations_admin.calendar", MENTORS),
    Area("reviews", "Reviews", "reviews_admin.review_list", EDITORS),
    Area("promotions", "Promotions", "promotions_admin.promotion_list", EDITORS),
    Area("newsletter", "Newsletter", "newsletter_admin.campaign_list", EDITORS),
    Area("pages", "Pages", "sitepages_admin.page_list", EDITORS),
    # Customers' messages: the people who answer about orders, deliveries and returns.
    Area("messages", "Messages", "contact_admin.message_list", FULFILMENT),
    Area("reports", "Reports", "reports_admin.index", ANALYSTS),
    Area("mail", "Mail", "mail_admin.message_list", ADMINS),
    Area("staff", "Staff", "admin.staff_list", ADMINS),
    Area("audit", "Audit log", "admin.audit_log", ADMINS),
)
_AREAS_BY_NAME = {area.name: area for area in AREAS}


def area_named(name: str) -> Area:
    """The area called `name`; ValueError for one the table does not hold."""
    try:
        return _AREAS_BY_NAME[name]
    except KeyError:
        known = ", ".join(_AREAS_BY_NAME)
        raise ValueError(f"unknown back-office area {name!r}; known: {known}") from None


def allowed(user, area: str) -> bool:
    """True when `user` (a staff user, the anonymous user or None) may open `area`."""
    roles = area_named(area).roles
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.role in roles


def roles_for(area: str) -> tuple[str, ...]:
    """The roles that may open `area`, in the order of `Role`."""
    roles = area_named(area).roles
    return tuple(str(role) for role in Role if role in roles)
