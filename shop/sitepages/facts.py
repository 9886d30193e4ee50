"""Facts the shop's pages state, taken from the settings and the code that they
describe, never typed twice: the company details, the cookies the shop sets and how
long it keeps each kind of record."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Company:
    """The business behind the shop (COMPANY_* and CONTACT_EMAIL settings)."""

    legal_name: str
    address_lines: tuple[str, ...]
    number: str
    registered_in: str
    vat_number: str
    email: str

    @property
    def address(self) -> str:
        return ", ".join(self.address_lines)


def company_details(config) -> Company:
    lines = (config.get("COMPANY_ADDRESS") or "").replace("\n", "|").split("|")
    return Company(
        legal_name=config.get("COMPANY_LEGAL_NAME") or "",
        address_lines=tuple(line.strip() for line in lines if line.strip()),
        number=config.get("COMPANY_NUMBER") or "",
        registered_in=config.get("COMPANY_REGISTERED_IN") or "",
        vat_number=config.get("COMPANY_VAT_NUMBER") or "",
        email=config.get("CONTACT_EMAIL") or "",
    )


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    lasts: str


def _days(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"


def essential_cookies(config, theme_max_age: int) -> list[Cookie]:
    """Every cookie the shop sets (see shop.cart.views, shop.accounts.session,
    shop.admin.views for the session, shop.pages.views for the theme): all essential."""
    basket_days = config["PERMANENT_SESSION_LIFETIME"].days
    return [
        Cookie(
            config.get("SESSION_COOKIE_NAME") or "session",
            "Keeps your basket, your sign-in to your account (or staff's to the back "
            "office) and the security token that protects forms from forgery. Signed, "
            "so it cannot be changed in the browser.",
            f"{_days(basket_days)} once something is in your basket or you sign in "
            f"(a customer's sign-in ends after {_days(config['CUSTOMER_SESSION_DAYS'])}); "
            "otherwise until you close the browser",
        ),
        Cookie(
            "theme",
            "Remembers the light or dark theme, only if you choose one with the theme button.",
            _days(theme_max_age // 86400),
        ),
    ]


@dataclass(frozen=True)
class Keeping:
    what: str
    how_long: str


def retention_periods(config) -> list[Keeping]:
    """How long each kind of record is kept, from the settings that make it so."""

    def kept(days: int, after: str) -> str:
        return f"{_days(days)} {after}" if days else "until you ask us to delete it"

    return [
        Keeping(
            "Orders and invoices (what you bought, delivery address, amounts)",
            "at least 6 years after the order, as HMRC requires (also after an account is deleted)",
        ),
        Keeping(
            "Your basket",
            f"linked to your browser for {_days(config['CART_LIFETIME_DAYS'])}",
        ),
        Keeping(
            "Copies of the emails we send you",
            kept(config["MAIL_KEEP_DAYS"], "after sending"),
        ),
        Keeping(
            "Messages sent through the contact form, and our replies",
            kept(config["CONTACT_KEEP_DAYS"], "after the last reply or after it is closed"),
        ),
        Keeping(
            "Health notes given for a consultation",
            f"{_days(config['BOOKING_NOTES_KEEP_DAYS'])} after the session",
        ),
        Keeping(
            "Back-in-stock requests",
            f"{_days(config['STOCK_ALERT_DAYS'])} at most, or until the email is sent",
        ),
        Keeping(
            "Newsletter subscription and the consent you gave",
            "while you are subscribed, with the record of your consent; staff erase it on request",
        ),
        Keeping("Your account and reviews", "until you delete your account"),
    ]
