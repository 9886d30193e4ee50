"""Writing the audit log. Every change staff make goes through `record_audit`, in the
transaction that makes it (flushed, never committed here)."""

from __future__ import annotations

import json
from datetime import datetime

from shop.backoffice.models import AuditEntry
from shop.extensions import db
from shop.models import utcnow


def _as_json(values: dict | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)


def record_audit(
    actor,
    action: str,
    entity_type: str,
    entity_id: object,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add an entry to the audit log (flushed, not committed).

    `actor` is the member of staff who made the change (anything with an `id` and an
    `email`), or None for the command line. `before` and `after` hold the changed
    values as plain data; never put a password or its hash in them.
    """
    entry = AuditEntry(
        at=now or utcnow(),
        staff_user_id=actor.id if actor is not None else None,
        staff_email=actor.email if actor is not None else "",
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        summary=summary,
        before=_as_json(before),
        after=_as_json(after),
        ip=(ip or None) and ip[:64],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def changed_values(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys of `after` whose value differs from `before`, as (before, after):
    what an audit entry for an edit keeps."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
