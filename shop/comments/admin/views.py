"""The comment moderation queue at /admin/comments (editors and administrators):
approve, hide or delete a comment, block or unblock its author. Every action is audited."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from shop.accounts.models import Customer
from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.lists import page_of
from shop.comments import services
from shop.comments.forms import ReportForm as ActionForm
from shop.comments.models import Comment, CommentStatus
from shop.extensions import db

bp = Blueprint("comments_admin", __name__, url_prefix="/admin/comments")
protect_back_office(bp, area="comments")

COMMENTS_PER_PAGE = 30


def _show() -> str:
    show = request.args.get("show", "pending")
    return show if show in services.FILTERS else "pending"


def _back():
    show = request.form.get("show", "pending")
    show = show if show in services.FILTERS else "pending"
    return redirect(url_for("comments_admin.comment_list", show=show), code=303)


@bp.get("/")
def comment_list():
    show = _show()
    comments = page_of(services.moderation_query(show), COMMENTS_PER_PAGE)
    return render_template(
        "admin/comments/list.html",
        comments=comments,
        show=show,
        filters=services.FILTERS,
        waiting=services.waiting_count(),
        form=ActionForm(),
    )


def _moderate(comment_id: int, status: str, done: str):
    comment = db.get_or_404(Comment, comment_id)
    if ActionForm().validate() and services.moderate(
        comment, status, current_staff(), ip=request_ip()
    ):
        db.session.commit()
        flash(done.format(author=comment.author_name), "success")
    return _back()


@bp.post("/<int:comment_id>/approve")
def comment_approve(comment_id: int):
    return _moderate(comment_id, CommentStatus.APPROVED, "Approved the comment by {author}.")


@bp.post("/<int:comment_id>/hide")
def comment_hide(comment_id: int):
    return _moderate(comment_id, CommentStatus.HIDDEN, "Hid the comment by {author}.")


@bp.post("/<int:comment_id>/delete")
def comment_delete(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    if ActionForm().validate():
        author = comment.author_name
        services.delete_comment(comment, current_staff(), ip=request_ip())
        db.session.commit()
        flash(f"Deleted the comment by {author}.", "success")
    return _back()


def _block(customer_id: int, blocked: bool):
    customer = db.get_or_404(Customer, customer_id)
    if ActionForm().validate():
        hidden = services.set_blocked(customer, blocked, current_staff(), ip=request_ip())
        db.session.commit()
        name = customer.display_name or f"customer {customer.id}"
        if blocked:
            flash(f"Blocked {name} from commenting; {hidden} waiting comment(s) hidden.", "success")
        else:
            flash(f"{name} can comment again.", "success")
    return _back()


@bp.post("/customers/<int:customer_id>/block")
def customer_block(customer_id: int):
    return _block(customer_id, True)


@bp.post("/customers/<int:customer_id>/unblock")
def customer_unblock(customer_id: int):
    return _block(customer_id, False)
