"""What staff type into the catalogue and how it is read: prices, SKUs, slugs, the
texts every product and size has, live-bacteria counts and nutrient amounts.

The forms and the CSV import both check with these, so a value refused in one is
refused in the other, for the same reason. A refusal is a CatalogueError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shop.catalogue.admin.errors import CatalogueError
from shop.money import Money, PoundsError, PoundsProblem, format_pounds, parse_pounds

# Prices ------------------------------------------------------------------------------------

PRICE_MAX_PENCE = 10_000_000  # £100,000.00: far beyond anything the shop sells
PRICE_WORDING = {
    PoundsProblem.EMPTY: "Enter a price in pounds, like 24.00.",
    PoundsProblem.NOT_AMOUNT: "Enter a price in pounds, like 24.00 (digits and a point only).",
    PoundsProblem.TOO_SMALL: "A price cannot be negative.",
    PoundsProblem.TOO_PRECISE: "Use at most two decimal places: pounds and pence, like 24.99.",
    PoundsProblem.TOO_LARGE: f"Prices go up to {Money(PRICE_MAX_PENCE)}.",
}


def parse_price(text: str | None) -> int:
    """A price typed in pounds ('24', '24.5', '£1,024.00') as whole pence, from 0 to
    PRICE_MAX_PENCE (see shop.money.parse_pounds). CatalogueError says what is wrong."""
    try:
        return parse_pounds(text, most=PRICE_MAX_PENCE, wording=PRICE_WORDING)
    except PoundsError as exc:
        raise CatalogueError(str(exc)) from exc


def check_compare_at(price_pence: int, compare_at_pence: int | None) -> None:
    """A price before a reduction, when there is one, is above the price."""
    if compare_at_pence is not None and compare_at_pence <= price_pence:
        raise CatalogueError(
            f"The price before a reduction must be higher than the price "
            f"({format_pounds(price_pence)}). Leave it empty when there is no reduction.",
            "compare_at",
        )


# Names and addresses ---------------------------------------------------------------------

SKU_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
SKU_RULE = "Use letters, digits, '-', '_', '.' or '/', up to 64 characters."
SLUG_RULE = "Use lower-case letters, digits and single hyphens, like barrier-cream-50."


def is_sku(text: str) -> bool:
    """True for a well-formed SKU (whether or not another size uses it)."""
    return SKU_PATTERN.fullmatch(text) is not None


@dataclass(frozen=True)
class TextRule:
    """A text staff type (already trimmed): whether it may be empty (`empty` is the
    message when it may not) and how long it may be."""

    max_length: int
    too_long: str
    empty: str | None = None

    def check(self, text: str | None) -> str:
        text = text or ""
        if not text and self.empty:
            raise CatalogueError(self.empty)
        if len(text) > self.max_length:
            raise CatalogueError(self.too_long)
        return text


PRODUCT_NAME = TextRule(200, "Keep the name to 200 characters.", "Enter the product's name.")
SHORT_DESCRIPTION = TextRule(300, "Keep the short description to 300 characters.")
TEXTURE = TextRule(120, "Keep the texture or format to 120 characters.")
TIME_TO_RESULTS = TextRule(120, "Keep the time until most people see a change to 120 characters.")
SIZE_LABEL = TextRule(80, "Keep the size to 80 characters.", "Enter the size, like “50 ml”.")


# Live bacteria and nutrients -------------------------------------------------------------

_CFU_WORDS = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "mn": 10**6,
    "m": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "trillion": 10**12,
    "tn": 10**12,
}
_CFU = re.compile(
    r"^(?P<number>\d[\d,_ ]*(?:\.\d+)?)\s*"
    r"(?:(?:e\+?(?P<exponent>\d{1,2}))|(?:[x×*]\s*10\s*\^\s*(?P<power>\d{1,2})))?\s*"
    r"(?P<word>[a-z]+)?\s*(?:cfu)?$"
)
CFU_MAX = 10**18  # fits a BIGINT with room to spare
CFU_HINT = "Like 5 billion, 5e9 or 5,000,000,000."


def parse_cfu(text: str | None) -> int:
    """A live-bacteria count as staff write it ('5 billion', '5e9', '5,000,000,000',
    '2.5 bn CFU') as a whole number. CatalogueError says what is wrong."""
    cleaned = " ".join((text or "").lower().split())
    if not cleaned:
        raise CatalogueError(f"Enter the live bacteria per serving. {CFU_HINT}")
    if cleaned.startswith("-"):
        raise CatalogueError("A count of bacteria cannot be negative.")
    match = _CFU.match(cleaned)
    word = match["word"] if match else None
    if match is None or (word is not None and word not in _CFU_WORDS and word != "cfu"):
        raise CatalogueError(f"That is not a count we can read. {CFU_HINT}")
    digits = re.sub(r"[,_ ]", "", match["number"])
    try:
        value = Decimal(digits)
    except InvalidOperation as exc:  # pragma: no cover - the pattern allows only digits
        raise CatalogueError(f"That is not a count we can read. {CFU_HINT}") from exc
    power = match["exponent"] or match["power"]
    if power:
        value *= Decimal(10) ** int(power)
    if word and word != "cfu":
        value *= _CFU_WORDS[word]
    if value != value.to_integral_value():
        raise CatalogueError("That count is not a whole number of bacteria.")
    count = int(value)
    if count <= 0:
        raise CatalogueError("A strain needs at least one live bacterium per serving.")
    if count > CFU_MAX:
        raise CatalogueError("That count is far too large: check the number of zeros.")
    return count


def parse_amount(text: str | None) -> Decimal:
    """A nutrient amount ('10', '0.5', '1,000') as a Decimal of up to three places."""
    cleaned = (text or "").strip().replace(",", "")
    if not cleaned:
        raise CatalogueError("Enter the amount per serving, like 10 or 0.5.")
    if not re.fullmatch(r"-?\d{1,9}(?:\.\d*)?", cleaned):
        raise CatalogueError("Enter the amount as a number, like 10 or 0.5.")
    amount = Decimal(cleaned)
    if amount < 0:
        raise CatalogueError("An amount cannot be negative.")
    if amount != amount.quantize(Decimal("0.001")):
        raise CatalogueError("Use at most three decimal places.")
    return amount
