"""Money: an integer number of pence with a currency. One type, one formatter, and one
reader of amounts people type in pounds."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

CURRENCY_SYMBOLS = {"gbp": "£", "eur": "€", "usd": "$"}
VAT_RATE_PERCENT = 20


@dataclass(frozen=True, slots=True)
class Money:
    pence: int
    currency: str = "gbp"

    def __post_init__(self) -> None:
        if not isinstance(self.pence, int) or isinstance(self.pence, bool):
            raise TypeError("money is a whole number of pence")

    def __add__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.pence + other.pence, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.pence - other.pence, self.currency)

    def __mul__(self, quantity: int) -> "Money":
        return Money(self.pence * quantity, self.currency)

    def _same_currency(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @property
    def vat_included(self) -> "Money":
        """The VAT inside a VAT-inclusive amount, rounded to the nearest penny."""
        rate = VAT_RATE_PERCENT
        return Money(round(self.pence * rate / (100 + rate)), self.currency)

    def decimal_string(self) -> str:
        """The amount as Stripe and schema.org write it: '12.50'."""
        sign = "-" if self.pence < 0 else ""
        pounds, pence = divmod(abs(self.pence), 100)
        return f"{sign}{pounds}.{pence:02d}"

    def __str__(self) -> str:
        return format_money(self.pence, self.currency)


def format_money(pence: int | Money | None, currency: str = "gbp") -> str:
    """Format an amount for people: 2400 -> '£24.00', 123456 -> '£1,234.56'."""
    if pence is None:
        return ""
    if isinstance(pence, Money):
        pence, currency = pence.pence, pence.currency
    symbol = CURRENCY_SYMBOLS.get(currency.lower(), currency.upper() + " ")
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    return f"{sign}{symbol}{pounds:,}.{rest:02d}"


def format_money_short(pence: int | Money | None, currency: str = "gbp") -> str:
    """Like format_money, without pence on a whole number of pounds: 600 -> '£6',
    650 -> '£6.50'. For savings and thresholds in running text ("Save £6")."""
    text = format_money(pence, currency)
    return text[:-3] if text.endswith(".00") else text


# Amounts typed in pounds -----------------------------------------------------------

_POUNDS = re.compile(r"(-?)(\d+)(?:\.(\d*))?", re.ASCII)
_MOST_DIGITS = 15  # digits of pounds: far beyond any amount the shop handles


class PoundsProblem(StrEnum):
    """Why text typed as an amount of pounds was refused."""

    EMPTY = "empty"  # nothing typed
    NOT_AMOUNT = "not_amount"  # not digits and a point ("ten", "1e3", "NaN")
    TOO_PRECISE = "too_precise"  # more than two decimal places
    TOO_SMALL = "too_small"  # negative, or under the least the caller allows
    TOO_LARGE = "too_large"  # over the most the caller allows


GENERIC_WORDING = {
    PoundsProblem.EMPTY: "Enter an amount in pounds, like 12.50.",
    PoundsProblem.NOT_AMOUNT: "Enter an amount in pounds and pence, like 12.50.",
    PoundsProblem.TOO_PRECISE: "Use at most two decimal places: pounds and pence, like 12.50.",
    PoundsProblem.TOO_SMALL: "The amount is too small.",
    PoundsProblem.TOO_LARGE: "The amount is too large.",
}


class PoundsError(ValueError):
    """An amount that could not be read; `problem` says why, the message says it to
    the person who typed it (in the caller's words, see `parse_pounds`)."""

    def __init__(self, problem: PoundsProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def parse_pounds(
    text: str | None,
    *,
    least: int = 0,
    most: int | None = None,
    wording: Mapping[PoundsProblem, str] | None = None,
) -> int:
    """An amount typed in pounds ('24', '24.5', '£1,024.00', ' 0.10 ') as whole pence,
    read with Decimal so no float ever rounds it.

    Spaces and thousands commas are ignored and a leading '£' (or '-£') is allowed. The
    amount must be from `least` to `most` pence. PoundsError says what is wrong, in the
    words of `wording` (one message per PoundsProblem; GENERIC_WORDING fills any gap):
    a price and a refund say it differently.
    """
    words = {**GENERIC_WORDING, **(wording or {})}
    cleaned = "".join((text or "").split()).replace(",", "")
    if cleaned.startswith("-£"):
        cleaned = "-" + cleaned[2:]
    cleaned = cleaned.removeprefix("£")
    if not cleaned:
        raise PoundsError(PoundsProblem.EMPTY, words[PoundsProblem.EMPTY])
    match = _POUNDS.fullmatch(cleaned)
    if match is None:
        raise PoundsError(PoundsProblem.NOT_AMOUNT, words[PoundsProblem.NOT_AMOUNT])
    sign, pounds, decimals = match[1], match[2], match[3] or ""
    if sign:
        raise PoundsError(PoundsProblem.TOO_SMALL, words[PoundsProblem.TOO_SMALL])
    if len(decimals) > 2:
        raise PoundsError(PoundsProblem.TOO_PRECISE, words[PoundsProblem.TOO_PRECISE])
    if len(pounds.lstrip("0")) > _MOST_DIGITS:  # not even read: no amount is that large
        raise PoundsError(PoundsProblem.TOO_LARGE, words[PoundsProblem.TOO_LARGE])
    pence = int(Decimal(f"{pounds}.{decimals or '0'}") * 100)
    if pence < least:
        raise PoundsError(PoundsProblem.TOO_SMALL, words[PoundsProblem.TOO_SMALL])
    if most is not None and pence > most:
        raise PoundsError(PoundsProblem.TOO_LARGE, words[PoundsProblem.TOO_LARGE])
    return pence


def format_pounds(pence: int | None) -> str:
    """Pence as the pounds a form shows and a CSV file holds: 2400 -> '24.00', None -> ''.
    `parse_pounds` reads it back."""
    return "" if pence is None else Money(pence).decimal_string()
