"""Posting a comment under an article as a signed-in reader's browser does."""

from __future__ import annotations

import time

from shop.comments.forms import COMMENT_STAMP_SALT
from shop.newsletter.tokens import form_stamp


def stamp(app, seconds: float = 60) -> str:
    with app.app_context():
        return form_stamp(at=time.time() - seconds, salt=COMMENT_STAMP_SALT)


def post(client, app, body: str, display_name: str | None = "Ada L.", slug="gut-skin", **extra):
    data = {"body": body, "stamp": stamp(app), "website": "", **extra}
    if display_name is not None:
        data["display_name"] = display_name
    return client.post(f"/journal/{slug}/comments", data=data)
