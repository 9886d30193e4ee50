"""The comment moderation queue at /admin/comments (editors and administrators):
approve, hide or delete a comment, block or unblock its author. Every action is audited."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.accounts.models import Customer
from shop.admin.auth import role_required, roles_for
from shop.admin.views import protect_back_office
from shop.comments import services
from shop.comments.forms import ReportForm as ActionForm
from shop.comments.models import Comment, CommentStatus
from shop.extensions import db
from shop.numbers import page_number

bp = Blueprint("comments_admin", __name__, url_prefix="/admin/comments")
protect_back_office(bp)

COMMENTS_PER_PAGE = 30


def _show() -> str:
    show = request.args.get("show", "pending")
    return show if show in services.FILTERS else "pending"


def _back():
    show = request.form.get("show", "pending")
    show = show if show in services.FILTERS else "pending"
    return redirect(url_for("comments_admin.comment_list", show=show), code=303)


@bp.get("/")
@role_required(*roles_for("comments"))
def comment_list():
    show = _show()
    comments = db.paginate(
        services.moderation_query(show),
        page=request.args.get("page", 1, type=page_number),
        per_page=COMMENTS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/comments/list.html",
        comments=comments,
        show=show,
        filters=services.FILTERS,
        waiting=services.waiting_count(),
        form=ActionForm(),
    )


def _staff():
    return current_user._get_current_object()


def _moderate(comment_id: int, status: str, done: str):
    comment = db.get_or_404(Comment, comment_id)
    if ActionForm().validate() and services.moderate(
        comment, status, _staff(), ip=request.remote_addr
    ):
        db.session.commit()
        flash(done.format(author=comment.author_name), "success")
    return _back()


@bp.post("/<int:comment_id>/approve")
@role_required(*roles_for("comments"))
def comment_approve(comment_id: int):
    return _moderate(comment_id, CommentStatus.APPROVED, "Approved the comment by {author}.")


@bp.post("/<int:comment_id>/hide")
@role_required(*roles_for("comments"))
def comment_hide(comment_id: int):
    return _moderate(comment_id, CommentStatus.HIDDEN, "Hid the comment by {author}.")


@bp.post("/<int:comment_id>/delete")
@role_required(*roles_for("comments"))
def comment_delete(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    if ActionForm().validate():
        author = comment.author_name
        services.delete_comment(comment, _staff(), ip=request.remote_addr)
        db.session.commit()
        flash(f"Deleted the comment by {author}.", "success")
    return _back()


def _block(customer_id: int, blocked: bool):
    customer = db.get_or_404(Customer, customer_id)
    if ActionForm().validate():
        hidden = services.set_blocked(customer, blocked, _staff(), ip=request.remote_addr)
        db.session.commit()
        name = customer.display_name or f"customer {customer.id}"
        if blocked:
            flash(f"Blocked {name} from commenting; {hidden} waiting comment(s) hidden.", "success")
        else:
            flash(f"{name} can comment again.", "success")
    return _back()


@bp.post("/customers/<int:customer_id>/block")
@role_required(*roles_for("comments"))
def customer_block(customer_id: int):
    return _block(customer_id, True)


@bp.post("/customers/<int:customer_id>/unblock")
@role_required(*roles_for("comments"))
def customer_unblock(customer_id: int):
    return _block(customer_id, False)
