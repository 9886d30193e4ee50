"""`flask --app shop adjust-stock SKU DELTA --reason TEXT`: the back office's stock
adjustment, for warehouse scripts."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.admin.sizes import adjust_stock
from shop.catalogue.models import Variant
from shop.extensions import db


@click.command("adjust-stock", context_settings={"ignore_unknown_options": True})
@click.argument("sku")
@click.argument("delta", type=int)
@click.option("--reason", required=True, help="Why the stock changes, kept with the change.")
@with_appcontext
def adjust_stock_command(sku: str, delta: int, reason: str) -> None:
    """Add (+24) or take away (-3) units on hand of the size SKU, as staff do in the back
    office: recorded with the reason, in the audit log, and back-in-stock emails sent
    when the size had none to sell."""
    variant = db.session.scalar(select(Variant).where(Variant.sku == sku.strip()))
    if variant is None:
        raise click.ClickException(f"No size has the SKU {sku!r}.")
    try:
        adjust_stock(variant, delta, reason, None)
        db.session.commit()
    except CatalogueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{variant.sku}: {'+' if delta > 0 else ''}{delta}, now {variant.on_hand} on hand "
        f"({variant.available} to sell)."
    )
