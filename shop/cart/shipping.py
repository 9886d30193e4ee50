"""UK delivery options and what each costs for a basket."""

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class ShippingOption:
    code: str
    name: str
    price_pence: int
    free_from_pence: int | None
    min_days: int
    max_days: int

    def price_for(self, subtotal_pence: int) -> int:
        """The delivery charge for a basket worth `subtotal_pence`."""
        if self.free_from_pence is not None and subtotal_pence >= self.free_from_pence:
            return 0
        return self.price_pence

    @property
    def estimate(self) -> str:
        if self.min_days == self.max_days:
            days = self.min_days
            return f"{days} working day{'s' if days != 1 else ''}"
        return f"{self.min_days}–{self.max_days} working days"


def shipping_options() -> list[ShippingOption]:
    return [
        ShippingOption(
            code=str(o["code"]),
            name=str(o["name"]),
            price_pence=int(o["price_pence"]),
            free_from_pence=None if o.get("free_from_pence") is None else int(o["free_from_pence"]),
            min_days=int(o.get("min_days", 2)),
            max_days=int(o.get("max_days", 4)),
        )
        for o in current_app.config["SHIPPING_OPTIONS"]
    ]


def find_shipping_option(code: str | None) -> ShippingOption:
    """The option with this code, or the first (default) one."""
    options = shipping_options()
    return next((o for o in options if o.code == code), options[0])
