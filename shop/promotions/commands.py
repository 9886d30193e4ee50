"""`flask --app shop create-promo CODE ...`: a promo code from a script."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from shop.extensions import db
from shop.promotions.models import PromotionKind
from shop.promotions.services import PromotionData, PromotionError, create_promotion, describe


def _utc(value: datetime | None) -> datetime | None:
    """An ISO time from the command line: UTC unless it names its offset."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(_ctx, param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return _utc(datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter(
            "give an ISO 8601 time, like 2026-06-05T09:00 or 2026-06-05T09:00+01:00"
        ) from None


class _ExitOneOnBadArguments(click.Command):
    """A command that ends with exit code 1 (not click's 2) on arguments it cannot take,
    as on a taken code: scripts check one code for "not created"."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise click.ClickException(exc.format_message()) from exc


@click.command("create-promo", cls=_ExitOneOnBadArguments)
@click.argument("code")
@click.option("--percent", type=click.IntRange(1, 100), help="Percentage off (1 to 100).")
@click.option("--amount-off", type=click.IntRange(min=1), help="Amount off, in pence.")
@click.option("--free-shipping", is_flag=True, help="Free delivery.")
@click.option("--name", default="", help="The name shown in the basket (default: the code).")
@click.option("--min-spend", type=click.IntRange(min=0), default=0, help="Minimum spend, pence.")
@click.option("--max-uses", type=click.IntRange(min=1), help="Uses in all.")
@click.option("--once-per-customer", is_flag=True, help="One use per customer (signed in).")
@click.option("--first-order-only", is_flag=True, help="For a customer's first order only.")
@click.option("--starts", callback=_iso, help="Start, ISO 8601 (UTC unless an offset is given).")
@click.option("--ends", callback=_iso, help="End, ISO 8601 (UTC unless an offset is given).")
@with_appcontext
def create_promo_command(
    code,
    percent,
    amount_off,
    free_shipping,
    name,
    min_spend,
    max_uses,
    once_per_customer,
    first_order_only,
    starts,
    ends,
) -> None:
    """Create a promo code: exactly one of --percent, --amount-off or --free-shipping."""
    chosen = [
        kind
        for kind, given in (
            (PromotionKind.PERCENT, percent is not None),
            (PromotionKind.AMOUNT, amount_off is not None),
            (PromotionKind.FREE_SHIPPING, free_shipping),
        )
        if given
    ]
    if len(chosen) != 1:
        raise click.ClickException(
            "Give exactly one of --percent, --amount-off or --free-shipping."
        )
    data = PromotionData(
        code=code,
        name=name,
        kind=chosen[0],
        percent_off=percent,
        amount_off_pence=amount_off,
        min_spend_pence=min_spend,
        starts_at=starts,
        ends_at=ends,
        max_uses=max_uses,
        max_uses_per_customer=1 if once_per_customer else None,
        first_order_only=first_order_only,
    )
    try:
        promotion = create_promotion(data, None)
    except PromotionError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {promotion.code}: {describe(promotion)}.")
