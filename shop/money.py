"""Money: an integer number of pence with a currency. One type, one formatter."""

from dataclasses import dataclass

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
