"""Posting and reporting comments under an article. The article page itself is the
journal's (and is cached for visitors): the comment form differs between visitors, so
it reaches the page as a VisitorValue (`comment_prompt`), filled in for each one."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, abort, current_app, flash, g, redirect, request
from flask import url_for as flask_url_for
from markupsafe import Markup

from shop.accounts.session import current_customer, has_customer_session, session_claim
from shop.comments import services
from shop.comments.forms import COMMENT_STAMP_SALT, CommentForm, ReportForm
from shop.comments.models import CommentStatus
from shop.comments.rendering import render_comment
from shop.extensions import db, limiter
from shop.journal import services as journal_services
from shop.journal.views import article_page
from shop.layout import kept_markup
from shop.newsletter.tokens import check_form_stamp, form_stamp
from shop.pagecache import VisitorValue
from shop.urls import page_url

bp = Blueprint("comments", __name__)

logger = logging.getLogger(__name__)

COMMENT_LIMIT_MESSAGE = "You have posted several comments in a short time. Please wait a while."
REPORT_LIMIT = "10 per hour"
REPORT_LIMIT_MESSAGE = "You have reported several comments already. Our team will look at them."
FORM_MAX_AGE = 86400
PROMPT_TEMPLATE = "comments/_prompt.html"


def _per_account() -> str:
    """Rate-limit key: the signed-in account (or the client address for anyone else,
    who is only sent to the sign-in page)."""
    claim = session_claim()
    if claim is not None:
        return f"customer:{claim['id']}"
    return f"ip:{request.remote_addr}"


def comments_url(slug: str) -> str:
    """The comments under the article `slug`, through the kept links (shop.urls.page_url):
    every anonymous reader's copy of an article links to the sign-in page with it."""
    return page_url("journal.article", slug=slug) + "#comments"


def _sign_in_first(slug: str):
    return redirect(flask_url_for("account.login", next=comments_url(slug)), code=303)


def _stamp(at: float | None = None) -> str:
    return form_stamp(at=at, salt=COMMENT_STAMP_SALT)


# The form under each article, per visitor -------------------------------------------


def _comment_prompt() -> Markup:
    """For anonymous readers the sign-in prompt; for signed-in customers the form (or,
    after a refused post, the form as they sent it, with what went wrong)."""
    slug = (request.view_args or {}).get("slug", "")
    customer = current_customer() if has_customer_session() else None
    # A template of the shop's own, escaped by Jinja as it renders. It needs only what it
    # is given and the environment's globals (url_for, csrf_token), so it is rendered
    # without render_template's context processors, which the page around it has run.
    template = current_app.jinja_env.get_template(PROMPT_TEMPLATE)
    if customer is None:
        # Every anonymous reader's prompt is the same but for its link: rendered once per
        # process (shop.layout.kept_markup), as each copy of a cached article needs one.
        return kept_markup(
            PROMPT_TEMPLATE,
            lambda url: template.render(customer=None, login_url=url),
            (page_url("account.login", next=comments_url(slug)),),
        )
    form = g.get("comment_form")
    if form is None:
        form = CommentForm(formdata=None, stamp=_stamp())
    return Markup(  # noqa: S704
        template.render(
            customer=customer,
            form=form,
            slug=slug,
            problem=g.get("comment_problem"),
        )
    )


comment_prompt = VisitorValue("comment-prompt", _comment_prompt)


@bp.app_context_processor
def comment_context() -> dict:
    return {"comment_prompt": comment_prompt}


@bp.app_template_filter("comment_html")
def comment_html(body: str) -> Markup:
    return render_comment(body)


# Posting ---------------------------------------------------------------------------


def _article_or_404(slug: str):
    item = journal_services.article_by_slug(slug)
    if item is None:
        abort(404)
    return item


def _again(item, form: CommentForm, problem: str | None = None):
    """The article page again, with the form as it was sent and what went wrong."""
    g.comment_form = form
    g.comment_problem = problem
    return article_page(item, status=400)


@bp.post("/journal/<slug>/comments")
@limiter.limit(
    lambda: current_app.config["COMMENT_ACCOUNT_LIMIT"],
    key_func=_per_account,
    methods=["POST"],
    error_message=COMMENT_LIMIT_MESSAGE,
)
def post_comment(slug: str):
    item = _article_or_404(slug)
    customer = current_customer()
    if customer is None:
        return _sign_in_first(item.slug)
    form = CommentForm()
    config = current_app.config
    stamp = check_form_stamp(
        form.stamp.data,
        min_seconds=config["COMMENT_MIN_FILL_SECONDS"],
        max_age=FORM_MAX_AGE,
        salt=COMMENT_STAMP_SALT,
    )
    if form.website.data or stamp.looks_like_a_bot:
        # Bots get the answer people get, and nothing is stored.
        logger.info("Comment dropped as automated (account %s)", customer.id)
        flash("Thank you: your comment will appear once our team has read it.", "success")
        return redirect(comments_url(item.slug), code=303)
    if not form.validate():  # the CSRF token
        return _again(item, form, "Your form had expired. Please press Post comment again.")
    if stamp.expired:
        form.stamp.data = _stamp(at=time.time() - config["COMMENT_MIN_FILL_SECONDS"])
        return _again(item, form, "This form was open for a long time. Please post again.")
    try:
        if customer.display_name is None:
            services.checked_display_name(form.display_name.data)
    except services.CommentError as exc:
        form.display_name.errors = [str(exc)]
    try:
        services.checked_body(form.body.data)
    except services.CommentError as exc:
        form.body.errors = [str(exc)]
    if form.display_name.errors or form.body.errors:
        return _again(item, form)
    try:
        comment = services.post_comment(
            customer, item, form.body.data, display_name=form.display_name.data
        )
    except services.CommentError as exc:
        db.session.rollback()
        return _again(item, form, str(exc))
    db.session.commit()
    if comment.status == CommentStatus.APPROVED:
        flash("Your comment is published.", "success")
        return redirect(
            flask_url_for("journal.article", slug=item.slug) + f"#comment-{comment.id}", code=303
        )
    flash("Thank you: your comment will appear once our team has read it.", "success")
    return redirect(comments_url(item.slug), code=303)


@bp.post("/journal/<slug>/comments/<int:comment_id>/report")
@limiter.limit(
    REPORT_LIMIT, key_func=_per_account, methods=["POST"], error_message=REPORT_LIMIT_MESSAGE
)
def report(slug: str, comment_id: int):
    """A reader reports a comment: it goes back to the moderation queue."""
    item = _article_or_404(slug)
    if current_customer() is None:
        return _sign_in_first(item.slug)
    if not ReportForm().validate():
        abort(400, description="Your form had expired. Please reload the page and try again.")
    if services.report_comment(comment_id, item):
        db.session.commit()
        flash(
            "Thank you for telling us. The comment is hidden until our team has looked at it.",
            "success",
        )
    else:
        flash("That comment is already waiting for our team.", "success")
    return redirect(comments_url(item.slug), code=303)
