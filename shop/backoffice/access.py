"""Who gets into the back office, inside a request: the protection every staff area's
blueprint is given, the check a view of another area makes, and who is acting.

Roles and areas themselves are in `shop.backoffice.roles`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import Blueprint, abort, current_app, request, url_for
from flask_login import current_user

from shop.backoffice.roles import AREAS, Role, allowed, area_named, roles_for
from shop.extensions import login_manager

FORBIDDEN_MESSAGE = (
    "Your staff account does not have access to this part of the back office. "
    "Ask an administrator if you need it."
)


def role_required(*roles: str) -> Callable:
    """Let a view run only for signed-in staff holding one of `roles`.

    Anonymous visitors are sent to the sign-in page (with `next=` back here);
    staff without the role get a 403 page that says why.
    """
    known = {str(role) for role in Role}
    if not roles or not set(roles) <= known:
        raise ValueError(f"role_required needs roles from {sorted(known)}, got {roles!r}")
    wanted = frozenset(str(role) for role in roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in wanted:
                abort(403, description=FORBIDDEN_MESSAGE)
            return view(*args, **kwargs)

        wrapped.allowed_roles = wanted  # type: ignore[attr-defined]
        return wrapped

    return decorator


def area_required(area: str) -> Callable:
    """Let a view run only for staff whose role opens `area` (see roles.AREAS): for a
    view whose blueprint is not that area's, such as the staff and audit pages."""
    return role_required(*roles_for(area))


def current_staff():
    """The signed-in member of staff (the user object itself, for the audit log)."""
    return current_user._get_current_object()


def request_ip() -> str | None:
    """The address the request came from, for the audit log."""
    return request.remote_addr


def menu_for(user) -> list[dict]:
    """The areas `user` may open, in menu order, each with the URL of its first page
    once that page exists, and whether the request is inside it."""
    views = current_app.view_functions
    menu = []
    for area in AREAS:
        if not allowed(user, area.name):
            continue
        url = url_for(area.home) if area.home in views else None
        current = url is not None and request.path.startswith(url.rstrip("/"))
        menu.append({"area": area.name, "label": area.label, "url": url, "current": current})
    return menu


def protect_back_office(
    blueprint: Blueprint, area: str | None, *, public: Iterable[str] = ()
) -> None:
    """Make `blueprint` part of the back office: every page needs a signed-in member of
    staff whose role opens `area` (403 otherwise); nothing is cached or indexed; its
    templates get the menu (`admin_sections`).

    `area=None` only for a blueprint holding pages of several areas: any member of
    staff gets in, and each view names its own with `area_required`. Endpoints in
    `public` (the sign-in page) are open to everyone.
    """
    if area is not None:
        area_named(area)  # an unknown area fails at start-up, not on the first request
    public = frozenset(public)

    @blueprint.before_request
    def require_staff():
        if request.endpoint in public:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if area is not None and not allowed(current_user, area):
            abort(403, description=FORBIDDEN_MESSAGE)
        return None

    @blueprint.after_request
    def private_pages(response):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    @blueprint.context_processor
    def admin_context() -> dict:
        authenticated = current_user.is_authenticated
        return {"admin_sections": menu_for(current_user) if authenticated else []}
