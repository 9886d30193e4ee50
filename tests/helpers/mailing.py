"""The shop as email tests run it: on https://shop.test, mailing the test's SMTP server."""

import pytest

BASE_URL = "https://shop.test"
SENDER = "Flora & Barrier <hello@shop.test>"


@pytest.fixture
def mailing_app(app_factory, smtp_server):
    """`mailing_app(**settings)`: the shop on BASE_URL, mailing `smtp_server` (emptied
    first) from SENDER."""

    def make(**settings):
        smtp_server.clear()
        return app_factory(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp_server.port,
            MAIL_DEFAULT_SENDER=SENDER,
            SHOP_BASE_URL=BASE_URL,
            **settings,
        )

    return make
