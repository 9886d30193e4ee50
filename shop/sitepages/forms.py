"""The staff form for a shop page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from shop.forms import plain_text, stripped
from shop.sitepages.services import BLOCKS

BLOCK_HELP = "; ".join(f"[[{name}]]: {what.lower()}" for name, what in BLOCKS.items())


class PageForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[stripped],
        validators=[
            DataRequired(message="Give the page a title."),
            plain_text,
            Length(max=120, message="Keep the title to 120 characters."),
        ],
    )
    summary = StringField(
        "Summary",
        filters=[stripped],
        validators=[Length(max=160, message="Keep the summary to 160 characters."), plain_text],
        description="One sentence under the title; search engines show it too (160 characters).",
    )
    body = TextAreaField(
        "Body",
        validators=[
            DataRequired(message="Write the page."),
            plain_text,
            Length(max=100_000, message="The page is too long."),
        ],
        description="Markdown, cleaned like articles (no HTML). On a line of its own, a "
        f"block filled in from the shop's settings: {BLOCK_HELP}.",
    )
