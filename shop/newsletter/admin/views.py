"""Staff screens for the newsletter, under /admin/newsletter: campaigns (write,
preview, test, send, follow) and subscribers (search, export, erase).

Administrators and editors only, in the back office's design (`admin/base.html`).
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from shop import tasks
from shop.admin.auth import role_required
from shop.admin.views import sections_for
from shop.extensions import db, login_manager
from shop.models import utcnow
from shop.newsletter import emails, services
from shop.newsletter.forms import ActionForm, CampaignForm, SubscriberFilterForm
from shop.newsletter.models import (
    TOPICS,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
)
from shop.numbers import page_number

logger = logging.getLogger(__name__)

bp = Blueprint("newsletter_admin", __name__, url_prefix="/admin/newsletter")

NEWSLETTER_ROLES = ("admin", "editor")
SUBSCRIBERS_PER_PAGE = 50


@bp.before_request
def require_staff():
    """Every newsletter screen needs a signed-in member of staff (roles are checked per view)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.after_request
def private_pages(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.context_processor
def admin_context() -> dict:
    return {
        "admin_sections": sections_for(current_user) if current_user.is_authenticated else [],
        "newsletter_topics": TOPICS,
    }


def _actor():
    return current_user._get_current_object()


def _ip() -> str | None:
    return request.remote_addr


# Campaigns ----------------------------------------------------------------------


def _all_counts() -> dict[int, dict[str, int]]:
    """Deliveries per campaign and status, in one query, for the campaign list."""
    rows = db.session.execute(
        select(Delivery.campaign_id, Delivery.status, func.count()).group_by(
            Delivery.campaign_id, Delivery.status
        )
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for campaign_id, status, count in rows:
        counts.setdefault(campaign_id, {})[status] = count
    return counts


@bp.get("/")
@role_required(*NEWSLETTER_ROLES)
def campaign_list():
    return render_template(
        "newsletter/admin/campaigns.html",
        campaigns=services.all_campaigns(),
        counts=_all_counts(),
        audience={topic: services.audience_count(topic) for topic in TOPICS},
        subscriber_counts=services.status_counts(),
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@role_required(*NEWSLETTER_ROLES)
def campaign_new():
    form = CampaignForm()
    if form.validate_on_submit():
        try:
            campaign = services.create_campaign(
                form.subject.data, form.body.data, form.topic.data, _actor(), ip=_ip()
            )
        except services.NewsletterError as exc:
            db.session.rollback()
            form.subject.errors = [*form.subject.errors, str(exc)]
        else:
            db.session.commit()
            flash("Draft saved. Check the preview, then send yourself a test.", "success")
            return redirect(
                url_for("newsletter_admin.campaign_detail", campaign_id=campaign.id), code=303
            )
    status = 400 if form.is_submitted() else 200
    return render_template("newsletter/admin/campaign_form.html", form=form, campaign=None), status


def _campaign_or_404(campaign_id: int) -> Campaign:
    return db.get_or_404(Campaign, campaign_id)


@bp.get("/campaigns/<int:campaign_id>")
@role_required(*NEWSLETTER_ROLES)
def campaign_detail(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    content = emails.campaign_content(campaign)
    text, _html = emails.render_campaign(content, None)
    return render_template(
        "newsletter/admin/campaign.html",
        campaign=campaign,
        content=content,
        preview_text=text,
        counts=services.campaign_counts(campaign.id),
        audience=services.audience_count(campaign.topic),
        problems=_problem_deliveries(campaign.id),
        action_form=ActionForm(),
        stale_minutes=current_app.config["NEWSLETTER_STALE_SENDING_SECONDS"] // 60,
    )


# The email's own inline styles and images, and nothing else: no scripts, no forms,
# shown only inside the campaign page of this site.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: http: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


@bp.get("/campaigns/<int:campaign_id>/preview")
@role_required(*NEWSLETTER_ROLES)
def campaign_preview(campaign_id: int):
    """The campaign's HTML email as subscribers get it, today's prices included,
    for the frame on the campaign page."""
    campaign = _campaign_or_404(campaign_id)
    _text, html = emails.render_campaign(emails.campaign_content(campaign), None)
    response = make_response(html)
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _problem_deliveries(campaign_id: int, limit: int = 50) -> list[tuple[Delivery, str | None]]:
    """Failed, unknown and skipped deliveries with the address (if not erased), for staff."""
    rows = db.session.execute(
        select(Delivery, Subscriber.email)
        .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status.in_(
                [DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN, DeliveryStatus.SENDING]
            ),
        )
        .order_by(Delivery.id)
        .limit(limit)
    ).all()
    return [(delivery, email) for delivery, email in rows]


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required(*NEWSLETTER_ROLES)
def campaign_edit(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        flash("This campaign has been sent and can no longer be changed.", "warning")
        return redirect(url_for("newsletter_admin.campaign_detail", campaign_id=campaign.id))
    form = CampaignForm(obj=campaign)
    if form.validate_on_submit():
        try:
            services.update_campaign(
                campaign, form.subject.data, form.body.data, form.topic.data, _actor(), ip=_ip()
            )
        except services.NewsletterError as exc:
            db.session.rollback()
            form.subject.errors = [*form.subject.errors, str(exc)]
        else:
            db.session.commit()
            flash("Draft saved.", "success")
            return redirect(
                url_for("newsletter_admin.campaign_detail", campaign_id=campaign.id), code=303
            )
    status = 400 if form.is_submitted() else 200
    return (
        render_template("newsletter/admin/campaign_form.html", form=form, campaign=campaign),
        status,
    )


def _campaign_for_action(campaign_id: int) -> Campaign | None:
    """The campaign a button acts on; if it is gone, say so and go back to the list."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        flash("That campaign does not exist any more.", "error")
    return campaign


@bp.post("/campaigns/<int:campaign_id>/test")
@role_required(*NEWSLETTER_ROLES)
def campaign_test(campaign_id: int):
    campaign = _campaign_for_action(campaign_id)
    if campaign is None:
        return redirect(url_for("newsletter_admin.campaign_list"), code=303)
    to = current_user.email
    try:
        emails.send_test_message(emails.campaign_content(campaign), to)
    except Exception as exc:
        logger.exception("Test send of campaign %s failed", campaign.id)
        flash(f"The test could not be sent: {exc}", "error")
    else:
        services.record_test_send(campaign, _actor(), to, ip=_ip())
        db.session.commit()
        flash(f"A test was sent to {to}.", "success")
    return redirect(url_for("newsletter_admin.campaign_detail", campaign_id=campaign.id), code=303)


def _start_sending(campaign_id: int) -> None:
    """Queue the campaign's task; the request itself never sends a campaign."""
    try:
        tasks.send_campaign(campaign_id)
    except Exception:
        # The deliveries are in the database: the sweep finds the campaign and starts it.
        logger.exception("Could not queue campaign %s", campaign_id)
        flash(
            "The task queue could not be reached just now. The campaign is saved and "
            "will start by itself within a few minutes of the queue working again.",
            "warning",
        )


@bp.route("/campaigns/<int:campaign_id>/send", methods=["GET", "POST"])
@role_required(*NEWSLETTER_ROLES)
def campaign_send(campaign_id: int):
    """GET asks to confirm, with the number of recipients; POST queues the campaign."""
    if request.method == "GET":
        campaign = _campaign_or_404(campaign_id)
        if campaign.status != CampaignStatus.DRAFT:
            return redirect(url_for("newsletter_admin.campaign_detail", campaign_id=campaign.id))
        return render_template(
            "newsletter/admin/campaign_send.html",
            campaign=campaign,
            audience=services.audience_count(campaign.topic),
            form=ActionForm(),
        )
    campaign = _campaign_for_action(campaign_id)
    if campaign is None:
        return redirect(url_for("newsletter_admin.campaign_list"), code=303)
    try:
        count = services.queue_campaign(campaign, _actor(), ip=_ip())
    except services.NewsletterError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Sending to {count} subscriber{'s' if count != 1 else ''}.", "success")
        _start_sending(campaign.id)
    return redirect(url_for("newsletter_admin.campaign_detail", campaign_id=campaign_id), code=303)


@bp.post("/campaigns/<int:campaign_id>/resume")
@role_required(*NEWSLETTER_ROLES)
def campaign_resume(campaign_id: int):
    """Run the sender again: after a crash or an outage. Nothing already claimed is resent."""
    campaign = _campaign_for_action(campaign_id)
    if campaign is None:
        return redirect(url_for("newsletter_admin.campaign_list"), code=303)
    if campaign.status in (CampaignStatus.QUEUED, CampaignStatus.SENDING):
        _start_sending(campaign.id)
        flash("Sending resumed.", "success")
    else:
        flash("There is nothing to resume for this campaign.", "warning")
    return redirect(url_for("newsletter_admin.campaign_detail", campaign_id=campaign_id), code=303)


# Subscribers --------------------------------------------------------------------


def _subscriber_filters() -> tuple[SubscriberFilterForm, services.SubscriberFilters, bool]:
    form = SubscriberFilterForm(request.args)
    valid = form.validate()
    filters = services.SubscriberFilters()
    if valid:
        filters = services.SubscriberFilters(
            q=(form.q.data or "").strip(),
            status=form.status.data or "",
            topic=form.topic.data or "",
        )
    return form, filters, valid


@bp.get("/subscribers")
@role_required(*NEWSLETTER_ROLES)
def subscriber_list():
    form, filters, valid = _subscriber_filters()
    subscribers = db.paginate(
        services.subscriber_query(filters),
        page=request.args.get("page", 1, type=page_number),
        per_page=SUBSCRIBERS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "newsletter/admin/subscribers.html",
        form=form,
        filters=filters,
        subscribers=subscribers,
        status_counts=services.status_counts(),
        statuses=list(SubscriberStatus),
    ), (200 if valid else 400)


@bp.get("/subscribers.csv")
@role_required(*NEWSLETTER_ROLES)
def subscriber_export():
    """The subscribers the filters match, with their consent record, as CSV (audited)."""
    _form, filters, valid = _subscriber_filters()
    if not valid:
        abort(400, description="Those filters are not valid.")
    text, _count = services.export_subscribers(
        filters, current_app.config["SHOP_NAME"], _actor(), ip=_ip()
    )
    db.session.commit()
    response = make_response(text)
    response.mimetype = "text/csv"
    response.charset = "utf-8"
    filename = f"newsletter-subscribers-{utcnow():%Y%m%d-%H%M}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/subscribers/<int:subscriber_id>/erase", methods=["GET", "POST"])
@role_required(*NEWSLETTER_ROLES)
def subscriber_erase(subscriber_id: int):
    """GET asks to confirm; POST erases the subscriber and their consent record for good."""
    if request.method == "GET":
        subscriber = db.get_or_404(Subscriber, subscriber_id)
        return render_template(
            "newsletter/admin/subscriber_erase.html", subscriber=subscriber, form=ActionForm()
        )
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        flash("That subscriber has already been erased.", "warning")
    else:
        services.erase_subscriber(subscriber, _actor(), ip=_ip())
        db.session.commit()
        flash(f"Subscriber #{subscriber_id} has been erased, with their consent record.", "success")
    return redirect(url_for("newsletter_admin.subscriber_list"), code=303)
