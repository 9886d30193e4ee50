"""Helpers for the newsletter tests: signing up, confirming, and sending campaigns."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from sqlalchemy import func, select

from shop.extensions import db
from shop.newsletter import services
from shop.newsletter.consent import CURRENT_VERSION
from shop.newsletter.models import Campaign, Subscriber
from shop.newsletter.tokens import form_stamp


def old_stamp(app, seconds: float = 60) -> str:
    """A form stamp signed `seconds` ago: the form was filled in at a human pace."""
    with app.app_context():
        return form_stamp(at=time.time() - seconds)


def signup_data(app, email: str, topics=("skincare",), source: str = "page", **extra) -> dict:
    data = {
        "email": email,
        "topics": list(topics),
        "source": source,
        "consent_version": CURRENT_VERSION,
        "stamp": old_stamp(app),
        "website": "",
    }
    data.update(extra)
    return data


def sign_up(client, app, email: str, **kwargs):
    return client.post("/newsletter", data=signup_data(app, email, **kwargs))


def link_path(text: str, prefix: str) -> str:
    """The path of the first absolute link in `text` whose path starts with `prefix`."""
    for url in re.findall(r"https?://[^\s<>\"']+", text):
        if urlsplit(url).path.startswith(prefix):
            return urlsplit(url).path
    raise AssertionError(f"no {prefix} link in: {text!r}")


def confirm_path(mail) -> str:
    return link_path(mail.text_part(), "/newsletter/confirm/")


def subscriber(app, email: str) -> Subscriber | None:
    """A detached copy of the subscriber with `email`, topics loaded, or None."""
    with app.app_context():
        found = services.subscriber_by_email(email)
        if found is None:
            return None
        found.topic_names  # noqa: B018 - load the topics before detaching
        db.session.expunge_all()
        return found


def count_subscribers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Subscriber))


def queue(app, campaign_id: int) -> int:
    with app.app_context():
        count = services.queue_campaign(db.session.get(Campaign, campaign_id), actor=None)
        db.session.commit()
        return count


def run_sender(app, campaign_id: int, **kwargs) -> services.SendReport:
    with app.app_context():
        return services.send_campaign(campaign_id, **kwargs)


def counts(app, campaign_id: int) -> services.CampaignCounts:
    with app.app_context():
        return services.campaign_counts(campaign_id)
