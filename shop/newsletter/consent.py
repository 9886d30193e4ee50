"""The words a subscriber agrees to, kept per version.

Every signup form shows the current wording beside its button and posts its
version; the subscriber's row records that version, so we can always show
exactly what someone agreed to. Never edit a published wording: add a new
version and make it CURRENT_VERSION.
"""

from __future__ import annotations

from dataclasses import dataclass

WORDINGS: dict[str, str] = {
    "2026-11": (
        "By signing up you agree to receive the {shop_name} newsletter by email on the "
        "topics you chose, at most a few times a month. We send a link to confirm first. "
        "Every email has a one-click unsubscribe link, and we never share your address."
    ),
}

CURRENT_VERSION = "2026-11"


@dataclass(frozen=True)
class Consent:
    version: str
    text: str


def wording(version: str, shop_name: str) -> Consent:
    """The wording of `version` as a form shows it (KeyError for an unknown version)."""
    return Consent(version=version, text=WORDINGS[version].format(shop_name=shop_name))


def current(shop_name: str) -> Consent:
    return wording(CURRENT_VERSION, shop_name)


def is_known(version: str | None) -> bool:
    return version in WORDINGS
