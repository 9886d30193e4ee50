"""Payments for things other than orders (a consultation booking), told apart by the
`purpose` in their metadata.

The feature that takes such a payment registers what to do when one of its sessions is
paid or ends unpaid (`register`, called by the factory, as signal subscribers are), so
the webhook can act on it without payments importing that feature. Each handler gets
the provider's session id, asks the provider itself how the session stands, acts once,
flushes or commits, and returns what it did, for the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentPurpose:
    name: str
    paid: Callable[[str], str]  # a session is complete (maybe paid: ask the provider)
    ended: Callable[[str], str]  # a session expired or its payment failed


_purposes: dict[str, PaymentPurpose] = {}


def register(name: str, *, paid: Callable[[str], str], ended: Callable[[str], str]) -> None:
    """Say what to do with sessions whose metadata has `purpose=name`. Registering again
    replaces the handlers (the factory may assemble several apps in one process)."""
    _purposes[name] = PaymentPurpose(name, paid, ended)


def purpose_of(metadata) -> PaymentPurpose | None:
    """The registered purpose a session's metadata names, or None (an order's session)."""
    if not isinstance(metadata, dict):
        return None
    name = metadata.get("purpose")
    return _purposes.get(name) if isinstance(name, str) else None
