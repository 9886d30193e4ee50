"""Review pages: the buyer's form behind a personal link, the one-click opt-out of review
requests, and the "helpful" vote under reviews on product pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from wtforms import SelectChoice

from shop.catalogue.models import Product, SkinConcern
from shop.extensions import csrf, db, limiter
from shop.reviews import services
from shop.reviews.emails import ONE_CLICK
from shop.reviews.forms import ReviewForm, VoteForm
from shop.reviews.models import Review
from shop.security import personal_link_page
from shop.text import new_token

bp = Blueprint("reviews", __name__)

VOTER_SESSION_KEY = "review_voter"
VOTE_LIMIT_MESSAGE = "Too many votes from your network. Please wait a few minutes."


# Writing a review -----------------------------------------------------------------------


def _concern_choices() -> list[SelectChoice]:
    concerns = db.session.scalars(select(SkinConcern).order_by(SkinConcern.position))
    return [SelectChoice("", "None in particular"), *(SelectChoice(c.id, c.name) for c in concerns)]


def _review_data(form: ReviewForm) -> services.ReviewData:
    return services.ReviewData(
        rating=form.rating.data,
        title=form.title.data or "",
        body=form.body.data or "",
        author_name=form.author_name.data or "",
        skin_type=form.skin_type.data,
        concern_id=form.concern_id.data,
        weeks_used=form.weeks_used.data,
    )


@bp.route("/reviews/new/<token>", methods=["GET", "POST"])
def new_review(token: str):
    """The review form behind a buyer's personal link: any link that is not live (wrong,
    used, expired) is a 404, like a page that does not exist."""
    invite = services.live_invite(token)
    if invite is None:
        abort(404)
    if request.method == "GET":
        form = ReviewForm(formdata=None, author_name=services.suggested_author_name(invite.order))
    else:
        form = ReviewForm()
    form.concern_id.choices = _concern_choices()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                services.submit_review(invite, _review_data(form))
            except services.ReviewError as exc:
                db.session.rollback()
                if exc.field is None:
                    abort(404)  # spent by another send a moment ago
                target = getattr(form, exc.field)
                target.errors = [*target.errors, str(exc)]
            else:
                db.session.commit()
                return redirect(url_for("reviews.thanks"), code=303)
    page = render_template(
        "reviews/new.html", form=form, product=invite.product, order=invite.order
    )
    return personal_link_page((page, status))


@bp.get("/reviews/thanks")
def thanks():
    return personal_link_page(render_template("reviews/thanks.html"))


# Opting out of review requests ----------------------------------------------------------


def _email_or_404(token: str) -> str:
    email = services.email_from_opt_out_token(token) if len(token) <= 600 else None
    if email is None:
        abort(404)
    return email


@bp.get("/reviews/opt-out/<token>")
def opt_out(token: str):
    """The link in every review request: one button (a scanner's GET changes nothing)."""
    email = _email_or_404(token)
    opted_out = services.is_opted_out(email)
    return personal_link_page(
        render_template("reviews/opt_out.html", email=email, opted_out=opted_out)
    )


@bp.post("/reviews/opt-out/<token>")
@csrf.exempt
def one_click_opt_out(token: str):
    """RFC 8058: the mailbox provider (or the page's button) POSTs
    `List-Unsubscribe=One-Click`; no CSRF token (it cannot carry one), and stopping
    emails to the address in a signed link is all it can do."""
    email = _email_or_404(token)
    if request.form.get("List-Unsubscribe") != ONE_CLICK.split("=", 1)[1]:
        abort(400, description=f"Expected a one-click request: {ONE_CLICK}.")
    services.opt_out(email)
    db.session.commit()
    return personal_link_page(render_template("reviews/opt_out.html", email=email, opted_out=True))


# Helpful votes ----------------------------------------------------------------------------


def _visitor_key() -> str:
    """This visitor's random key, kept in their session (made on their first vote)."""
    key = session.get(VOTER_SESSION_KEY)
    if not isinstance(key, str) or len(key) > 64:
        key = session[VOTER_SESSION_KEY] = new_token()
    return key


@bp.post("/products/<slug>/reviews/<int:review_id>/helpful")
@limiter.limit(lambda: current_app.config["REVIEW_VOTE_LIMIT"], error_message=VOTE_LIMIT_MESSAGE)
def helpful(slug: str, review_id: int):
    """One "helpful" per visitor and review; the answer is the product page again."""
    review = db.session.get(Review, review_id)
    product = db.session.get(Product, review.product_id) if review is not None else None
    if product is None or product.slug != slug:
        abort(404)
    back = url_for("catalogue.product_detail", slug=slug) + f"#review-{review.id}"
    if not VoteForm().validate():
        flash("Your vote could not be counted: the page had expired. Please try again.", "error")
        return redirect(back, code=303)
    if services.vote_helpful(review, services.voter_key(_visitor_key())):
        db.session.commit()
        flash("Thank you: your vote is counted.", "success")
    else:
        db.session.rollback()
        flash("You have already said this review was helpful.", "info")
    return redirect(back, code=303)
