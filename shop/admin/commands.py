"""Command-line tasks for staff accounts: `flask --app shop create-staff ...`."""

import sys

import click
from flask.cli import with_appcontext

from shop.admin import services
from shop.backoffice.roles import Role
from shop.extensions import db


@click.command("create-staff")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([str(role) for role in Role]),
    required=True,
    help=(
        "admin: everything; editor: catalogue, journal, newsletter; fulfilment: orders; "
        "mentor: their own consultations."
    ),
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking.",
)
@with_appcontext
def create_staff_command(email: str, role: str, password_stdin: bool) -> None:
    """Open a back-office account for EMAIL with the given role.

    The password is asked for twice without showing it (or read from standard
    input with --password-stdin); it is never accepted as an argument, so it
    stays out of shell history and process lists.
    """

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_staff(email, role, password)
    except services.StaffError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.role_enum.label.lower()} account {user.email} (id {user.id}).")
