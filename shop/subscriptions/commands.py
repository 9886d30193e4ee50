"""The scheduled commands of subscribe & save."""

import click
from flask.cli import with_appcontext

from shop.subscriptions.services import renew_due_subscriptions, send_renewal_reminders


@click.command("renew-subscriptions")
@with_appcontext
def renew_subscriptions_command() -> None:
    """Bill every due subscription the shop bills itself (the demo provider) and make its
    renewal order, and send the reminders of renewals coming up. Idempotent, safe to run
    twice at once (run it from cron, say hourly)."""
    counts = renew_due_subscriptions()
    reminded = send_renewal_reminders()
    click.echo(
        f"Renewed {counts['renewed']}, waiting for stock {counts['waiting_for_stock']}, "
        f"not due or already renewed {counts['skipped']}; reminders sent {reminded}."
    )


@click.command("send-subscription-reminders")
@with_appcontext
def send_subscription_reminders_command() -> None:
    """Email each subscription whose renewal is within SUBSCRIPTION_REMINDER_DAYS, once
    per renewal, with one-click skip and cancel links."""
    click.echo(f"Reminders sent: {send_renewal_reminders()}.")
