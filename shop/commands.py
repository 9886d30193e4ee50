"""Command-line tasks: `flask --app shop <command>`."""

import click
from flask import current_app
from flask.cli import with_appcontext

from shop.admin.services import ensure_demo_admin
from shop.catalogue.demo import seed_demo_catalogue
from shop.checkout.services import release_expired_orders
from shop.comments.demo import seed_demo_comments
from shop.consultations.demo import seed_demo_consultations
from shop.contact.demo import seed_demo_messages
from shop.extensions import db
from shop.journal.demo import seed_demo_journal
from shop.orders.demo import seed_demo_orders
from shop.promotions.demo import demo_codes_text, seed_demo_promotions
from shop.reports.demo import seed_demo_history
from shop.reviews.demo import seed_demo_reviews
from shop.sitepages.demo import seed_demo_pages
from shop.subscriptions.demo import seed_demo_subscriptions

# Made only when SHOP_ENV is development (the default for `flask` and `make run`).
DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "quince-meadow-shop-2026"  # noqa: S105 - development demo only


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo catalogue. Safe to run again: it only adds what is missing."""

    created = seed_demo_catalogue(current_app.config["MEDIA_ROOT"])
    created |= seed_demo_journal(current_app.config["MEDIA_ROOT"])
    created |= seed_demo_comments()
    if current_app.config["SHOP_ENV"] != "production":
        # Orders that were never paid for: the embedded default and development only.
        created |= seed_demo_orders()  # a demo customer's earlier order
        created |= seed_demo_history()  # 90 days of history for the reports
        created |= seed_demo_messages()  # customers' messages to answer
    created |= seed_demo_consultations()
    created |= seed_demo_reviews()
    created |= seed_demo_promotions()
    created |= seed_demo_pages()
    created |= seed_demo_subscriptions(demo_customer=current_app.config["SHOP_ENV"] != "production")
    db.session.commit()
    summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
    click.echo(f"Demo data loaded ({summary or 'nothing new'}).")
    click.echo(f"Demo promo codes: {demo_codes_text()}")
    if current_app.config["SHOP_ENV"] == "development":
        ensure_demo_admin(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
        db.session.commit()
        click.echo(
            f"Demo back office (development only): {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}"
        )


@click.command("release-expired")
@with_appcontext
def release_expired_command() -> None:
    """End unpaid checkouts whose payment window has passed and give their stock back."""

    counts = release_expired_orders()
    click.echo(
        f"{counts['released']} released, {counts['paid']} found paid, "
        f"{counts['kept']} still payable, {counts['errors']} could not be checked."
    )
