"""factory_boy factories for newsletter subscribers and campaigns."""

import secrets
from datetime import timedelta

import factory

from shop.extensions import db
from shop.models import utcnow
from shop.newsletter.consent import CURRENT_VERSION
from shop.newsletter.models import Campaign, Subscriber, SubscriberTopic
from tests.factories import BaseFactory


class SubscriberFactory(BaseFactory):
    """A confirmed subscriber to skincare unless told otherwise (`topics=[...]`)."""

    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    status = "confirmed"
    unsubscribe_token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    consent_version = CURRENT_VERSION
    source = "footer"
    requested_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=2))
    confirmed_at = factory.LazyAttribute(
        lambda o: o.requested_at + timedelta(minutes=5) if o.status != "pending" else None
    )

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        for topic in ["skincare"] if extracted is None else extracted:
            self.topics.append(SubscriberTopic(topic=topic))
        if create:
            db.session.commit()


class CampaignFactory(BaseFactory):
    class Meta:
        model = Campaign

    subject = factory.Sequence(lambda n: f"News {n}")
    body = "## Hello\n\nSome news about skin.\n"
    topic = "skincare"
    status = "draft"
    created_by = "editor@example.com"
