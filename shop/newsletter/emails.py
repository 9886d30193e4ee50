"""The newsletter's emails: confirmation, "already subscribed", and campaigns.

Every message is rendered by `shop.mail` (HTML and plain text, links absolute on
SHOP_BASE_URL). Signup emails go through the outbox (`send_email`: queued with
the signup, delivered by the task queue, retried while the mail server is
away). Campaign messages are sent by the campaign's task with `send_now`: each
subscriber's delivery row is their record, claimed before sending so that
nobody gets a campaign twice. They carry the headers mailbox providers ask bulk
senders for, unfolded and unencoded as RFC 2369 and RFC 8058 want them:
`List-Unsubscribe` with an HTTPS URL holding the subscriber's opaque token,
`List-Unsubscribe-Post` for one-click unsubscribe, and `List-Id`.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import current_app, has_request_context

from shop.journal.rendering import SHORTCODE, render_body
from shop.journal.services import products_for_cards
from shop.mail import send_email, send_now
from shop.money import format_money
from shop.newsletter.models import TOPICS, Campaign, Subscriber, SubscriberStatus
from shop.newsletter.tokens import confirmation_token
from shop.times import format_uk
from shop.urls import absolute_url, media_url

ONE_CLICK = "List-Unsubscribe=One-Click"
_BLOCK_SHORTCODE_LINE = re.compile(
    r"^[ \t]*\{\{\s*product\s*:\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*\}\}[ \t]*$", re.MULTILINE
)


def _url_context():
    """A request context on SHOP_BASE_URL when there is none (a task, the CLI), for url_for."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config.get("SHOP_BASE_URL"))


def _sender() -> str | None:
    return current_app.config.get("NEWSLETTER_SENDER") or None


def list_id() -> str:
    """The List-Id header: `"<shop> newsletter" <newsletter.shop.example>`."""
    identifier = current_app.config.get("NEWSLETTER_LIST_ID")
    if not identifier:
        base = current_app.config.get("SHOP_BASE_URL") or ""
        host = urlsplit(base).hostname or "localhost"
        identifier = f"newsletter.{host}"
    name = re.sub(r'["\\\r\n]', "", current_app.config["SHOP_NAME"])
    return f'"{name} newsletter" <{identifier}>'


def unsubscribe_url(token: str) -> str:
    """The one-click unsubscribe URL (POST) that is also the preference page (GET)."""
    return absolute_url("newsletter.preferences", token=token)


def list_headers(unsubscribe_link: str) -> dict[str, str]:
    """`List-Unsubscribe` (the one-click URL, and NEWSLETTER_UNSUBSCRIBE_MAILTO's
    address when the shop reads that mailbox), `List-Unsubscribe-Post` and `List-Id`."""
    targets = [f"<{unsubscribe_link}>"]
    mailbox = current_app.config.get("NEWSLETTER_UNSUBSCRIBE_MAILTO")
    if mailbox:
        targets.append(f"<mailto:{quote(mailbox, safe='@')}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": ONE_CLICK,
        "List-Id": list_id(),
    }


# Signup emails -------------------------------------------------------------------

CONFIRM = "newsletter_confirm"
ALREADY_SUBSCRIBED = "newsletter_already_subscribed"
SIGNUP_EMAIL_KINDS = (CONFIRM, ALREADY_SUBSCRIBED)


def queue_signup_email(subscriber: Subscriber, kind: str) -> None:
    """Queue the email a signup asked for: "confirm" or "already_subscribed" (flushes).

    Nothing is queued when it no longer applies (the subscriber has confirmed, or
    left, since).
    """
    if kind == "confirm" and subscriber.status == SubscriberStatus.PENDING:
        send_confirmation(subscriber)
    elif kind == "already_subscribed" and subscriber.status == SubscriberStatus.CONFIRMED:
        send_already_subscribed(subscriber)


def send_confirmation(subscriber: Subscriber) -> None:
    """Queue an email asking a pending subscriber to confirm, with a signed link that expires."""
    max_age = current_app.config["NEWSLETTER_CONFIRM_MAX_AGE"]
    with _url_context():
        token = confirmation_token(subscriber.id, subscriber.requested_at)
        send_email(
            subscriber.email,
            "Please confirm your subscription",
            "email/newsletter_confirm",
            sender=_sender(),
            kind=CONFIRM,
            label="Newsletter confirmation",
            confirm_url=absolute_url("newsletter.confirm", token=token),
            topics=[TOPICS[name] for name in subscriber.topic_names],
            valid_days=max(1, max_age // 86400),
        )


WELCOME = "newsletter_welcome"


def send_welcome(subscriber: Subscriber, promotion) -> None:
    """Queue the welcome email of a newly confirmed subscriber, with their personal code."""
    with _url_context():
        send_email(
            subscriber.email,
            f"Welcome: {promotion.percent_off}% off your next order",
            "email/newsletter_welcome",
            sender=_sender(),
            kind=WELCOME,
            label="Newsletter welcome",
            code=promotion.code,
            percent=promotion.percent_off,
            ends=format_uk(promotion.ends_at),
            shop_url=absolute_url("cart.view_cart", code=promotion.code),
            preferences_url=unsubscribe_url(subscriber.unsubscribe_token),
        )


def send_already_subscribed(subscriber: Subscriber) -> None:
    """Queue an email telling a confirmed subscriber who signed up again where their
    preferences are."""
    with _url_context():
        send_email(
            subscriber.email,
            "You are already subscribed",
            "email/newsletter_already_subscribed",
            sender=_sender(),
            kind=ALREADY_SUBSCRIBED,
            label="Already subscribed",
            preferences_url=unsubscribe_url(subscriber.unsubscribe_token),
            topics=[TOPICS[name] for name in subscriber.topic_names],
        )


# Campaigns -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProductCard:
    """What a campaign shows of a product: read once per send, with today's price."""

    slug: str
    name: str
    summary: str
    price: str
    url: str
    image_url: str | None


@dataclass(frozen=True)
class ContentPart:
    html: str = ""
    card: ProductCard | None = None


@dataclass(frozen=True)
class CampaignContent:
    """A campaign rendered once (HTML parts and plain text), for every recipient."""

    subject: str
    topic_label: str
    parts: tuple[ContentPart, ...]
    text: str
    unknown_slugs: tuple[str, ...]


def _card(product) -> ProductCard:
    price = format_money(product.lowest_price)
    image = product.main_image
    return ProductCard(
        slug=product.slug,
        name=product.name,
        summary=product.short_description or "",
        price=f"from {price}" if product.has_price_range else price,
        url=absolute_url("catalogue.product_detail", slug=product.slug),
        image_url=media_url(image, image.width_list[0], external=True) if image else None,
    )


def _card_text(card: ProductCard) -> str:
    return f"{card.name}, {card.price} (incl. VAT)\nShop now: {card.url}"


def campaign_content(campaign: Campaign) -> CampaignContent:
    """The campaign's body as email HTML parts and plain text, product cards at live prices.

    Product shortcodes on a line of their own become cards; a shortcode naming
    nothing on sale is left out (and listed in `unknown_slugs` for staff).
    """
    body = render_body(campaign.body or "")
    with _url_context():
        products = products_for_cards(body.product_slugs)
        cards = {slug: _card(product) for slug, product in products.items()}
    parts = []
    for part in body.parts:
        if part.product_slug is None:
            parts.append(ContentPart(html=part.html))
        elif part.product_slug in cards:
            parts.append(ContentPart(card=cards[part.product_slug]))

    def card_line(match: re.Match) -> str:
        card = cards.get(match.group(1))
        return _card_text(card) if card else ""

    text = _BLOCK_SHORTCODE_LINE.sub(card_line, campaign.body or "")
    text = SHORTCODE.sub("", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return CampaignContent(
        subject=campaign.subject,
        topic_label=campaign.topic_label,
        parts=tuple(parts),
        text=text,
        unknown_slugs=tuple(slug for slug in body.product_slugs if slug not in cards),
    )


def render_campaign(content: CampaignContent, unsubscribe_link: str | None) -> tuple[str, str]:
    """The (text, html) a recipient would get, for the staff preview."""
    from flask import render_template

    with _url_context():
        context = _campaign_context(content, unsubscribe_link, test=False)
        return (
            render_template("email/newsletter_campaign.txt", **context),
            render_template("email/newsletter_campaign.html", **context),
        )


def _campaign_context(content: CampaignContent, unsubscribe_link: str | None, test: bool) -> dict:
    return {
        "content": content,
        "unsubscribe_url": unsubscribe_link,
        "signup_url": absolute_url("newsletter.signup"),
        "home_url": absolute_url("pages.home"),
        "test": test,
    }


def send_campaign_message(content: CampaignContent, email: str, token: str) -> None:
    """Send the campaign to one subscriber now, with their own unsubscribe link and headers."""
    with _url_context():
        link = unsubscribe_url(token)
        send_now(
            email,
            content.subject,
            "email/newsletter_campaign",
            headers=list_headers(link),
            sender=_sender(),
            **_campaign_context(content, link, test=False),
        )


def send_test_message(content: CampaignContent, to: str) -> None:
    """Send the campaign to a member of staff now, marked as a test, without list headers.

    Not queued: the member of staff is waiting on the page to hear whether it went
    (MAIL_TIMEOUT bounds the wait), and nothing is lost if it did not; they press
    the button again.
    """
    with _url_context():
        send_now(
            to,
            f"[Test] {content.subject}",
            "email/newsletter_campaign",
            sender=_sender(),
            **_campaign_context(content, None, test=True),
        )
