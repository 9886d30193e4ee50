"""Staff screens for the newsletter, under /admin/newsletter: campaigns (write,
preview, test, send, follow) and subscribers (search, export, erase).

The back office's newsletter area (administrators and editors), in its design
(`admin/base.html`). Views read input, call `services` and render; the queries are
the services'.
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

from shop import tasks
from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.exports import csv_response
from shop.backoffice.lists import page_of, read_filters
from shop.extensions import db
from shop.models import utcnow
from shop.newsletter import emails, services
from shop.newsletter.forms import ActionForm, CampaignForm, SubscriberFilterForm
from shop.newsletter.models import (
    TOPICS,
    Campaign,
    CampaignStatus,
    Subscriber,
    SubscriberStatus,
)

logger = logging.getLogger(__name__)

bp = Blueprint("newsletter_admin", __name__, url_prefix="/admin/newsletter")
protect_back_office(bp, area="newsletter")

SUBSCRIBERS_PER_PAGE = 50


@bp.context_processor
def newsletter_admin_context() -> dict:
    return {"newsletter_topics": TOPICS}


# Campaigns ----------------------------------------------------------------------


@bp.get("/")
def campaign_list():
    return render_template(
        "newsletter/admin/campaigns.html",
        campaigns=services.all_campaigns(),
        counts=services.delivery_counts_by_campaign(),
        audience={topic: services.audience_count(topic) for topic in TOPICS},
        subscriber_counts=services.status_counts(),
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
def campaign_new():
    form = CampaignForm()
    if form.validate_on_submit():
        try:
            campaign = services.create_campaign(
                form.subject.data, form.body.data, form.topic.data, current_staff(), ip=request_ip()
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
        problems=services.problem_deliveries(campaign.id),
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
def campaign_preview(campaign_id: int):
    """The campaign's HTML email as subscribers get it, today's prices included,
    for the frame on the campaign page."""
    campaign = _campaign_or_404(campaign_id)
    _text, html = emails.render_campaign(emails.campaign_content(campaign), None)
    response = make_response(html)
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
def campaign_edit(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        flash("This campaign has been sent and can no longer be changed.", "warning")
        return redirect(url_for("newsletter_admin.campaign_detail", campaign_id=campaign.id))
    form = CampaignForm(obj=campaign)
    if form.validate_on_submit():
        try:
            services.update_campaign(
                campaign,
                form.subject.data,
                form.body.data,
                form.topic.data,
                current_staff(),
                ip=request_ip(),
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
def campaign_test(campaign_id: int):
    campaign = _campaign_for_action(campaign_id)
    if campaign is None:
        return redirect(url_for("newsletter_admin.campaign_list"), code=303)
    to = current_staff().email
    try:
        emails.send_test_message(emails.campaign_content(campaign), to)
    except Exception as exc:
        logger.exception("Test send of campaign %s failed", campaign.id)
        flash(f"The test could not be sent: {exc}", "error")
    else:
        services.record_test_send(campaign, current_staff(), to, ip=request_ip())
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
        count = services.queue_campaign(campaign, current_staff(), ip=request_ip())
    except services.NewsletterError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Sending to {count} subscriber{'s' if count != 1 else ''}.", "success")
        _start_sending(campaign.id)
    return redirect(url_for("newsletter_admin.campaign_detail", campaign_id=campaign_id), code=303)


@bp.post("/campaigns/<int:campaign_id>/resume")
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


def _subscriber_filters():
    return read_filters(SubscriberFilterForm(request.args), services.SubscriberFilters)


@bp.get("/subscribers")
def subscriber_list():
    listing = _subscriber_filters()
    return render_template(
        "newsletter/admin/subscribers.html",
        form=listing.form,
        query_args=listing.query_args,
        filtered=listing.filtered,
        subscribers=page_of(services.subscriber_query(listing.filters), SUBSCRIBERS_PER_PAGE),
        status_counts=services.status_counts(),
        statuses=list(SubscriberStatus),
    ), listing.status


@bp.get("/subscribers.csv")
def subscriber_export():
    """The subscribers the filters match, with their consent record, as CSV (audited)."""
    listing = _subscriber_filters()
    if not listing.valid:
        abort(400, description="Those filters are not valid.")
    rows = services.export_subscribers(
        listing.filters, current_app.config["SHOP_NAME"], current_staff(), ip=request_ip()
    )
    db.session.commit()
    return csv_response(rows, f"newsletter-subscribers-{utcnow():%Y%m%d-%H%M}.csv")


@bp.route("/subscribers/<int:subscriber_id>/erase", methods=["GET", "POST"])
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
        services.erase_subscriber(subscriber, current_staff(), ip=request_ip())
        db.session.commit()
        flash(f"Subscriber #{subscriber_id} has been erased, with their consent record.", "success")
    return redirect(url_for("newsletter_admin.subscriber_list"), code=303)
