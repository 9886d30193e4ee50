"""The review moderation queue at /admin/reviews (editors and administrators): approve,
reject with a reason, reply publicly as the brand. Staff never edit a review's words.
Every action is audited."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.lists import page_of
from shop.extensions import db
from shop.reviews import services
from shop.reviews.forms import ActionForm, RejectForm, ReplyForm
from shop.reviews.models import Review

bp = Blueprint("reviews_admin", __name__, url_prefix="/admin/reviews")
protect_back_office(bp, area="reviews")

REVIEWS_PER_PAGE = 20


def _show(value: str | None) -> str:
    return value if value in services.FILTERS else "pending"


def _back():
    show = _show(request.form.get("show"))
    return redirect(url_for("reviews_admin.review_list", show=show), code=303)


def _list_page(status: int = 200, problem: tuple[int, str, str] | None = None):
    show = _show(request.args.get("show") or request.form.get("show"))
    reviews = page_of(services.moderation_query(show), REVIEWS_PER_PAGE)
    return render_template(
        "admin/reviews/list.html",
        reviews=reviews,
        show=show,
        filters=services.FILTERS,
        waiting=services.waiting_count(),
        form=ActionForm(),
        problem=problem,
    ), status


@bp.get("/")
def review_list():
    return _list_page()


def _review_or_404(review_id: int) -> Review:
    return db.get_or_404(Review, review_id)


@bp.post("/<int:review_id>/approve")
def review_approve(review_id: int):
    review = _review_or_404(review_id)
    if ActionForm().validate() and services.approve(review, current_staff(), ip=request_ip()):
        db.session.commit()
        flash(f"Approved the review by {review.author_name}: it is on the product page.", "success")
    return _back()


@bp.post("/<int:review_id>/reject")
def review_reject(review_id: int):
    review = _review_or_404(review_id)
    form = RejectForm()
    if not form.validate():
        return _back()
    try:
        changed = services.reject(review, form.reason.data, current_staff(), ip=request_ip())
    except services.ReviewError as exc:
        db.session.rollback()
        return _list_page(400, (review_id, "reason", str(exc)))
    if changed:
        db.session.commit()
        flash(f"Rejected the review by {review.author_name}.", "success")
    return _back()


@bp.post("/<int:review_id>/reply")
def review_reply(review_id: int):
    review = _review_or_404(review_id)
    form = ReplyForm()
    if not form.validate():
        return _back()
    try:
        changed = services.set_reply(review, form.reply.data, current_staff(), ip=request_ip())
    except services.ReviewError as exc:
        db.session.rollback()
        return _list_page(400, (review_id, "reply", str(exc)))
    if changed:
        db.session.commit()
        flash(f"Saved the reply to {review.author_name}.", "success")
    return _back()
