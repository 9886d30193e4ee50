"""Whole numbers from outside the shop (ids in URLs and forms, page numbers), held to
what the database can store.

Python reads any number of digits, but an id column holds at most 2^31 - 1 (a
PostgreSQL `integer`) and SQLite refuses anything past 2^63 - 1 with an error: an id
beyond the column's range names nothing, so it is refused before it reaches a query.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import IntegerField
from wtforms import ValidationError as FormValidationError

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
# Python refuses to read more than 4,300 digits; no range needs more than these.
_LONG_NUMBER = re.compile(r"[-+]?\d{20,}")


class IdConverter(IntegerConverter):
    """The `int` URL converter, held to 0 .. 2^31 - 1: a larger number matches no route,
    so the address is the usual 404 instead of a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        if len(value) > len(str(MAX_ID)):  # thousands of digits are not even parsed
            raise ValidationError()
        return super().to_python(value)


class WholeNumberField(IntegerField):
    """An IntegerField that reads a whole number of any length: one too long to convert
    is read by its first twenty digits, still far outside any range, so the field's
    range check explains the refusal rather than "Not a valid integer value"."""

    def process_formdata(self, valuelist) -> None:
        if valuelist and isinstance(valuelist[0], str):
            text = valuelist[0].strip()
            if _LONG_NUMBER.fullmatch(text):
                valuelist = [text[:21]]
        super().process_formdata(valuelist)


class IdField(WholeNumberField):
    """A form field holding the id of a row (a size, a basket line): a whole number from
    1 to 2^31 - 1. Any other number names no row and is refused with `missing_message`,
    the same words as for an id that is not there."""

    def __init__(self, label=None, validators=None, *, missing_message: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.missing_message = missing_message

    def pre_validate(self, form) -> None:
        if self.data is not None and not 1 <= self.data <= MAX_ID:
            raise FormValidationError(self.missing_message)


def page_number(value: str) -> int:
    """A page number from a query string, for `request.args.get("page", 1, type=...)`:
    a ValueError (so the default) for anything but 1 to MAX_PAGE."""
    if not value.isdigit() or len(value) > len(str(MAX_PAGE)):
        raise ValueError("not a page number")
    number = int(value)
    if not 1 <= number <= MAX_PAGE:
        raise ValueError("not a page number")
    return number
