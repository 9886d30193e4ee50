"""Newsletter pages: signup, confirmation, preferences and one-click unsubscribe."""

from __future__ import annotations

import logging
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from shop.extensions import csrf, db, limiter
from shop.layout import kept_markup
from shop.newsletter import consent, emails, services
from shop.newsletter.emails import ONE_CLICK
from shop.newsletter.forms import ConfirmForm, LeaveForm, PreferencesForm, SignupForm
from shop.newsletter.models import TOPICS, SignupSource, Subscriber, UnsubscribeMethod
from shop.newsletter.tokens import check_form_stamp, form_stamp
from shop.pagecache import VisitorValue
from shop.security import personal_link_page, typed_email_key
from shop.signing import generate_csrf

bp = Blueprint("newsletter", __name__)

logger = logging.getLogger(__name__)

IP_LIMIT_MESSAGE = "Too many signups from your network. Please wait a few minutes and try again."
EMAIL_LIMIT_MESSAGE = (
    "Too many signups for this address. Please check your inbox, or try again in an hour."
)


# The signup form, wherever it is shown ------------------------------------------

# Signed when shown, also on cached pages (filled in for each visitor).
stamp_for_form = VisitorValue("newsletter-stamp", form_stamp)

_SOURCES = frozenset(SignupSource)


class _BlankField:
    """A field of a signup form nobody has filled in yet: its value, and no errors."""

    __slots__ = ("data",)
    errors = ()

    def __init__(self, data=None):
        self.data = data


class BlankSignupForm:
    """What `newsletter/_signup.html` reads of a fresh SignupForm (the value and errors
    of each field), without building one: the footer shows the form on every page.
    The template writes the CSRF token, names, ids and labels itself, so the markup is
    the same either way; a posted form is always read with SignupForm."""

    __slots__ = ("email", "topics", "source", "consent_version", "stamp", "website")

    def __init__(self, source: str, consent_version: str, stamp: str):
        self.email = _BlankField()
        self.topics = _BlankField()
        self.source = _BlankField(source)
        self.consent_version = _BlankField(consent_version)
        self.stamp = _BlankField(stamp)
        self.website = _BlankField()


def signup_form(source: str, form: SignupForm | BlankSignupForm | None = None) -> dict:
    """What `newsletter/_signup.html` needs: the form (blank, or one that came back
    with errors), the consent wording beside it, and the topics."""
    if form is None:
        form = BlankSignupForm(source, consent.CURRENT_VERSION, stamp_for_form())
    version = form.consent_version.data
    if not consent.is_known(version):
        version = form.consent_version.data = consent.CURRENT_VERSION
    return {
        "form": form,
        "source": source,
        "consent": consent.wording(version, current_app.config["SHOP_NAME"]),
        "topics": TOPICS,
    }


@bp.app_template_global("newsletter_signup")
def newsletter_signup(source: str = SignupSource.FOOTER) -> dict:
    return signup_form(source if source in _SOURCES else SignupSource.PAGE)


SIGNUP_TEMPLATE = "newsletter/_signup.html"


@bp.app_template_global("blank_newsletter_form")
def blank_newsletter_form(source: str = SignupSource.FOOTER) -> Markup:
    """The blank signup form `newsletter/_signup.html` shows for `source`, with this
    visitor's CSRF token and stamp. The footer shows it on every page, so its markup,
    which only code and settings decide, is kept per process and source
    (`shop.layout.kept_markup`)."""
    source = source if source in _SOURCES else SignupSource.PAGE

    def render(csrf_stand_in: str, stamp_stand_in: str) -> str:
        form = BlankSignupForm(source, consent.CURRENT_VERSION, stamp_stand_in)
        return current_app.jinja_env.get_template(SIGNUP_TEMPLATE).render(
            source=source,
            newsletter_form=signup_form(source, form),
            csrf_token=lambda: csrf_stand_in,
        )

    return kept_markup(("newsletter-form", source), render, (generate_csrf(), stamp_for_form()))


def _posted_source(value: str | None) -> str:
    return value if value in _SOURCES else SignupSource.PAGE


# Signing up ---------------------------------------------------------------------


@bp.route("/newsletter", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["NEWSLETTER_SIGNUP_IP_LIMIT"],
    methods=["POST"],
    error_message=IP_LIMIT_MESSAGE,
)
@limiter.limit(
    lambda: current_app.config["NEWSLETTER_SIGNUP_EMAIL_LIMIT"],
    key_func=typed_email_key("newsletter-email"),
    methods=["POST"],
    error_message=EMAIL_LIMIT_MESSAGE,
)
def signup():
    if request.method == "GET":
        return render_template("newsletter/signup.html", signup=signup_form(SignupSource.PAGE))

    form = SignupForm()
    source = _posted_source(form.source.data)
    form.source.data = source
    config = current_app.config
    stamp = check_form_stamp(
        form.stamp.data,
        min_seconds=config["NEWSLETTER_MIN_FILL_SECONDS"],
        max_age=config["NEWSLETTER_FORM_MAX_AGE"],
    )
    if form.website.data or stamp.looks_like_a_bot:
        # Bots get the answer people get, and nothing is stored or sent.
        logger.info("Newsletter signup dropped as automated (from %s)", request.remote_addr)
        return redirect(url_for("newsletter.thanks"), code=303)

    problem = None
    valid = form.validate()
    if valid and stamp.expired:
        # A form left open for a day: ask again (the new stamp lets them send at once).
        form.stamp.data = form_stamp(at=time.time() - config["NEWSLETTER_MIN_FILL_SECONDS"])
        problem = "This form was open for a long time. Please press Subscribe again."
    elif valid:
        try:
            result = services.request_subscription(
                form.normalised_email,
                form.topics.data,
                source=source,
                consent_version=form.consent_version.data,
            )
        except services.NewsletterError as exc:
            db.session.rollback()
            form.topics.errors = [*form.topics.errors, str(exc)]
        else:
            if result.email:
                # Into the outbox with the signup; the task queue sends it, so how long
                # this takes says nothing about whether the address was on the list.
                subscriber = db.session.get(Subscriber, result.subscriber_id)
                emails.queue_signup_email(subscriber, result.email)
            db.session.commit()
            return redirect(url_for("newsletter.thanks"), code=303)
    return (
        render_template(
            "newsletter/signup.html", signup=signup_form(source, form), problem=problem
        ),
        400,
    )


@bp.get("/newsletter/thanks")
def thanks():
    valid_days = max(1, current_app.config["NEWSLETTER_CONFIRM_MAX_AGE"] // 86400)
    return render_template("newsletter/thanks.html", valid_days=valid_days)


# Confirming ---------------------------------------------------------------------


def _confirmation_problem(problem: str):
    status = 410 if problem == "expired" else 400
    page = render_template(
        "newsletter/confirm_problem.html",
        problem=problem,
        signup=signup_form(SignupSource.PAGE),
    )
    return personal_link_page((page, status))


@bp.route("/newsletter/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms."""
    lookup = services.subscriber_to_confirm(token, current_app.config["NEWSLETTER_CONFIRM_MAX_AGE"])
    if lookup.problem in ("expired", "invalid"):
        return _confirmation_problem(lookup.problem)
    subscriber = lookup.subscriber
    form = ConfirmForm()
    if lookup.problem is None and request.method == "POST" and form.validate():
        services.confirm_subscription(subscriber)
        db.session.commit()
        return personal_link_page(
            render_template("newsletter/confirmed.html", subscriber=subscriber)
        )
    if lookup.problem == "confirmed":
        return personal_link_page(
            render_template("newsletter/confirmed.html", subscriber=subscriber, already=True)
        )
    wording = (
        consent.wording(subscriber.consent_version, current_app.config["SHOP_NAME"])
        if consent.is_known(subscriber.consent_version)
        else None
    )
    return personal_link_page(
        render_template(
            "newsletter/confirm.html",
            subscriber=subscriber,
            form=form,
            consent=wording,
            topics=TOPICS,
        )
    )


# Preferences and unsubscribing --------------------------------------------------


def _subscriber_or_404(token: str):
    subscriber = services.subscriber_by_token(token)
    if subscriber is None:
        abort(404)
    return subscriber


def _preferences_page(subscriber, form: PreferencesForm, status: int = 200):
    page = render_template(
        "newsletter/preferences.html",
        subscriber=subscriber,
        form=form,
        leave_form=LeaveForm(),
        topics=TOPICS,
    )
    return personal_link_page((page, status))


@bp.get("/newsletter/unsubscribe/<token>")
def preferences(token: str):
    """The link in every newsletter's footer: change topics, or leave with one button."""
    subscriber = _subscriber_or_404(token)
    form = PreferencesForm(formdata=None, topics=subscriber.topic_names)
    return _preferences_page(subscriber, form)


@bp.post("/newsletter/unsubscribe/<token>")
@csrf.exempt
def one_click_unsubscribe(token: str):
    """RFC 8058: the mailbox provider POSTs `List-Unsubscribe=One-Click`; we unsubscribe
    at once, with no login and no CSRF token, and answer 200 however often it comes."""
    subscriber = _subscriber_or_404(token)
    if request.form.get("List-Unsubscribe") != ONE_CLICK.split("=", 1)[1]:
        abort(400, description=f"Expected a one-click unsubscribe request: {ONE_CLICK}.")
    services.unsubscribe(subscriber, UnsubscribeMethod.ONE_CLICK)
    db.session.commit()
    return personal_link_page(
        render_template("newsletter/unsubscribed.html", subscriber=subscriber)
    )


@bp.post("/newsletter/preferences/<token>")
def update_preferences(token: str):
    subscriber = _subscriber_or_404(token)
    form = PreferencesForm()
    if form.validate():
        try:
            services.change_topics(subscriber, form.topics.data)
        except services.NewsletterError as exc:
            db.session.rollback()
            form.topics.errors = [*form.topics.errors, str(exc)]
        else:
            db.session.commit()
            flash("Your choices are saved.", "success")
            return redirect(url_for("newsletter.preferences", token=token), code=303)
    return _preferences_page(subscriber, form, 400)


@bp.post("/newsletter/leave/<token>")
def leave(token: str):
    subscriber = _subscriber_or_404(token)
    if LeaveForm().validate():
        services.unsubscribe(subscriber, UnsubscribeMethod.PREFERENCES)
        db.session.commit()
        flash("You have unsubscribed. We will not send you the newsletter again.", "success")
    return redirect(url_for("newsletter.preferences", token=token), code=303)
