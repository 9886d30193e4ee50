"""Mail fixtures: the shop pointed at a mail server that is up, away, hung or started
later. Paying for orders the way shoppers do (the demo provider) and reading the
outbox and an order's timeline are in tests/helpers/mail.py.

Every server here is real: `tests/smtp.py`'s SMTP server (on a port chosen before
it starts, when the shop is told about it first), a port nothing listens on, and
a server that accepts connections and never answers.
"""

from __future__ import annotations

import pytest

from tests.helpers.checkout import make_products
from tests.helpers.mailing import SENDER
from tests.smtp import SMTPServer, UnresponsiveServer, free_port


@pytest.fixture
def shop_on_port(app_factory):
    """`shop_on_port(port, **settings)`: the shop mailing 127.0.0.1:`port`, with a demo
    catalogue; returns (app, variant id of a £18 cream)."""

    def make(port: int, **settings):
        app = app_factory(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_DEFAULT_SENDER=SENDER,
            MAIL_TIMEOUT=1,
            **settings,
        )
        return app, make_products(app).cream

    return make


@pytest.fixture
def later_server():
    """A port nothing listens on yet, and an SMTP server to start on it later."""
    server = SMTPServer(port=free_port())
    yield server
    server.stop()


@pytest.fixture
def silent_server():
    server = UnresponsiveServer()
    yield server
    server.close()
