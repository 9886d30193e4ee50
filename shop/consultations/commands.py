"""`flask --app shop send-booking-reminders`: for cron, beside the queue's periodic task."""

import click
from flask.cli import with_appcontext

from shop.consultations import services


@click.command("send-booking-reminders")
@with_appcontext
def send_booking_reminders_command() -> None:
    """Email a reminder for every session starting within 24 hours that has not had one,
    and end lapsed holds. Safe to run twice, and twice at once."""
    ended = services.expire_lapsed_holds()
    sent = services.send_reminders()
    click.echo(f"{sent} reminder{'s' if sent != 1 else ''} queued, {ended} lapsed holds ended.")
