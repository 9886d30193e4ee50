"""Newsletter fixtures: an app that mails a real SMTP server. Signing up the way a
browser does and reading links out of the mail that arrives are in
tests/helpers/newsletter.py.

Nothing is sent inside a request: the test client runs the task queue after each
response (tests/helpers/queue.py), so a signup's email or a campaign has gone by the time
the next line of a test looks for it.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def nl_app(mailing_app):
    """The shop on https://shop.test, mailing `smtp_server` (empty at the start)."""
    return mailing_app()


@pytest.fixture
def nl_client(nl_app):
    return nl_app.test_client()
