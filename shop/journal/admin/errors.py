"""What the journal's rules refuse."""

from __future__ import annotations


class JournalError(ValueError):
    """A change the journal's rules refuse; the message says why."""
