"""Helpers for the journal admin tests."""

from __future__ import annotations

import io
import json

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from shop.backoffice.models import AuditEntry
from shop.extensions import db
from shop.journal.models import Article
from tests.helpers import page

EDITOR = "[data-journal-editor]"


def article_form(**fields) -> dict:
    """What the editor sends for a simple article; keyword arguments replace or add fields."""
    data = {
        "slug": "zinc-and-skin",
        "title": "Zinc and skin",
        "standfirst": "What zinc does for skin, and where to find it.",
        "body": "## Zinc\n\nZinc contributes to the maintenance of normal skin.\n",
        "author": "",
        "action": "save",
    }
    data.update(fields)
    return data


def editor_fields(response) -> MultiDict:
    """Every value the editor form on `response` would send as it stands (no button)."""
    form = page(response).select_one(EDITOR)
    assert form is not None, "no article editor on the page"
    data = MultiDict()
    for tag in form.find_all(["input", "textarea", "select"]):
        name = tag.get("name")
        if not name:
            continue
        if tag.name == "textarea":
            text = tag.string or ""
            data.add(name, text[2:] if text.startswith("\r\n") else text.removeprefix("\n"))
        elif tag.name == "select":
            chosen = tag.find("option", selected=True) or tag.find("option")
            data.add(name, chosen.get("value", "") if chosen else "")
        elif tag.get("type") in ("checkbox", "radio"):
            if tag.has_attr("checked"):
                data.add(name, tag.get("value", "y"))
        elif tag.get("type") not in ("file", "submit"):
            data.add(name, tag.get("value", ""))
    return data


def resubmit(client, url: str, action: str = "save", **changes):
    """Open the editor at `url`, change some fields and press a button, like a person."""
    data = editor_fields(client.get(url))
    for name, value in changes.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    data.setlist("action", [action])
    return client.post(url, data=data)


def article_by_slug(app, slug: str) -> Article | None:
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        if article is not None:
            db.session.expunge(article)
        return article


def audit_entries(app, prefix: str = "") -> list[dict]:
    """The audit log, oldest first, as plain dicts."""
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [
            {
                "action": entry.action,
                "entity_type": entry.entity_type,
                "entity_id": entry.entity_id,
                "staff_email": entry.staff_email,
                "summary": entry.summary,
                "before": json.loads(entry.before) if entry.before else None,
                "after": json.loads(entry.after) if entry.after else None,
            }
            for entry in entries
            if entry.action.startswith(prefix)
        ]


def picture_bytes(width: int = 1600, height: int = 900, fmt: str = "JPEG", mode="RGB") -> bytes:
    image = Image.new(mode, (width, height), (120, 160, 130) if mode == "RGB" else None)
    for x in range(0, width, 40):
        image.paste((200, 90, 60) if mode == "RGB" else (200, 90, 60, 128), (x, 0, x + 20, height))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()
