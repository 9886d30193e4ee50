"""Filters and validators that every feature's forms share (WTForms `filters=` and
`validators=`): what a person types is trimmed, squashed or refused the same way
in the storefront and the back office."""

from __future__ import annotations

import re

from wtforms.validators import ValidationError

# Control characters (NUL, which PostgreSQL cannot store, among them); tabs and line
# breaks are allowed where a field takes several lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def stripped(value):
    """A filter: the text without the spaces around it (other values untouched)."""
    return value.strip() if isinstance(value, str) else value


def one_line(value):
    """A filter: the text on one line, every run of spaces and line breaks one space."""
    return " ".join(value.split()) if isinstance(value, str) else value


def plain_text(form, field) -> None:
    """A validator: refuse control characters, saying so."""
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        raise ValidationError("Please remove the unusual characters from this field.")
