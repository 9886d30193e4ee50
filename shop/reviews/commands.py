"""`flask --app shop send-review-requests [--days N]`: for cron."""

import click
from flask.cli import with_appcontext

from shop.reviews.emails import send_review_requests


@click.command("send-review-requests")
@click.option(
    "--days",
    type=click.IntRange(min=0, max=365),
    default=None,
    help="Ask about orders shipped at least this many days ago (default: REVIEW_REQUEST_DAYS).",
)
@with_appcontext
def send_review_requests_command(days: int | None) -> None:
    """Email the review request of every order that is due. Safe to run again, and twice
    at once: each order is asked once, ever."""
    report = send_review_requests(days)
    click.echo(
        f"Review requests: {report['sent']} sent, {report['skipped']} not sent "
        "(opted out, no address or nothing left to review)."
    )
