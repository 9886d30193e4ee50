"""The demo text of the shop's pages: plain English, honest about what the shop does,
and marked on every page as a template for the business to adapt. `seed-demo` writes
the pages that are missing; a page staff open before it is written starts from here."""

from __future__ import annotations

from sqlalchemy import select

from shop.extensions import db
from shop.models import utcnow
from shop.sitepages.models import SitePage
from shop.sitepages.services import kind_of

TEMPLATE_NOTE = (
    "> **A template to adapt.** This is the demo shop's wording. Check it against your own "
    "business, with advice where you need it, and edit it in the back office "
    "(Pages) before you trade."
)

TEMPLATES: dict[str, tuple[str, str]] = {
    "about": (
        "Probiotic skincare and gut-health supplements, made in small batches in the UK.",
        """
## Who we are

We are a small team of formulators and skin-health writers. We make skincare with
live-culture ferments for skin that is easily upset, and supplements that pair live
bacterial strains with the fibre they feed on.

## What we promise

- **Every ingredient listed.** Each product page shows the full INCI list, and for
  supplements each bacterial strain with its count per serving.
- **Live counts tested independently.** An outside laboratory checks the live counts
  of each supplement batch; we state what is guaranteed at the end of shelf life, not
  what went into the tub.
- **Evidence, not miracles.** Our journal cites the research it draws on. We do not
  claim that any product treats or cures a condition.
- **Made and shipped in the UK.**

[[company-details]]
""",
    ),
    "delivery": (
        "Where we deliver, how much it costs and how long it takes.",
        """
We deliver to addresses in the United Kingdom, and pack orders on working days.

## Options and prices

[[delivery-options]]

Times are in working days (Monday to Friday, not bank holidays) from dispatch. You
choose the option at checkout, and the basket shows the price before you pay.

## Tracking

When your order ships we email you the carrier and tracking number. Your order page
(linked from your confirmation email) shows it too.

## Something wrong?

If your parcel is late, damaged or not what you ordered, [contact us](/contact) with
your order number and we will put it right.
""",
    ),
    "returns": (
        "Your right to cancel, how to send something back and when you get your money.",
        """
## Your 14-day right to cancel

You bought from us at a distance, so under the Consumer Contracts Regulations 2013 you
may cancel your order for any reason within **14 days of the day you receive it**.
Tell us by the [contact form](/contact) or by email, with your order number; you do not
need to give a reason.

## How to return

1. Tell us you are cancelling (as above) within the 14 days.
2. Send the items back within 14 days of telling us, to the address below. Keep proof
   of postage. Unless the item is faulty or we sent the wrong thing, the cost of
   returning it is yours.
3. We refund what you paid, including standard delivery, within 14 days of receiving
   the items back (or proof you sent them), to the card you paid with.

[[company-details]]

## What cannot be returned once opened

For hygiene and health reasons, skincare and supplements **cannot be returned once the
seal is broken**, unless they are faulty. Unopened, sealed products can be returned
as above.

## Faulty or wrong items

If something arrives damaged, faulty or not as described, you have a right to a
refund, repair or replacement under the Consumer Rights Act 2015, whether or not it is
opened. Contact us with your order number and a photo; we pay for the return.
""",
    ),
    "faq": (
        "Answers to what people ask us most.",
        """
## Do I need an account to order?

No. You can check out as a guest; your order email has a link to your order. An account
(signed in with a code we email, no password) keeps your orders, subscriptions and
bookings in one place.

## How much is delivery?

[[delivery-options]]

## Can I return something?

Unopened products within 14 days of delivery, yes. Opened skincare and supplements
cannot be returned for hygiene reasons unless they are faulty. See
[Returns and refunds](/pages/returns).

## Do the supplements need to be kept in the fridge?

No. Our strains are chosen and packed to keep their stated live count at room
temperature until the date on the pack. Keep them somewhere cool and dry.

## Are your products suitable during pregnancy?

Please ask your midwife, GP or pharmacist before taking any supplement while pregnant
or breastfeeding. The full ingredient list is on every product page.

## How do I contact you?

Use the [contact form](/contact); we answer on working days, usually within one.
""",
    ),
    "terms": (
        "The terms on which we sell to you.",
        """
## Who we are

[[company-details]]

## These terms

These terms apply to every order placed on this website by a consumer in the United
Kingdom. They do not affect your statutory rights.

## Prices and payment

Prices are in pounds sterling and include VAT at 20%. Delivery is shown in the basket
before you pay. Payment is taken by card through our payment provider when you place
the order. If we have made an obvious pricing error we will tell you and let you
choose whether to go ahead.

## The contract

Your order is an offer to buy. The contract is made when we email you to confirm your
order is paid. If we cannot supply something we will tell you and refund it in full.

## Delivery

See [Delivery](/pages/delivery). The risk in the goods passes to you when they are
delivered.

## Cancelling and returns

You may cancel within 14 days of delivery; sealed products only, unless faulty. See
[Returns and refunds](/pages/returns).

## Subscriptions

A subscription renews at the interval you chose until you cancel it from your account.
You can cancel at any time before the next renewal.

## Our products

Food supplements are not a substitute for a varied, balanced diet and a healthy
lifestyle. Do not exceed the stated daily dose. Nothing on this website is medical
advice.

## Our liability

We are responsible for loss you suffer that is a foreseeable result of our breaking
these terms or failing to use reasonable care. We do not exclude liability where it
would be unlawful to do so.

## Complaints and law

Please [contact us](/contact) first. These terms are governed by the law of England and
Wales; you may bring proceedings in the courts of the part of the UK where you live.
""",
    ),
    "privacy": (
        "What we keep about you, why, for how long, and your rights.",
        """
## Who is responsible

[[company-details]]

## What we keep and why

- **Orders**: your name, email, delivery address and what you bought, to deliver the
  order and keep the accounts the law requires (contract and legal obligation).
  Card details go to our payment provider; we never see or keep them.
- **Your account**, if you make one: your email and name, to sign you in and show
  your orders (contract).
- **Newsletter**: your email and the topics you chose, only after you confirm
  (consent; unsubscribe in one click from any email).
- **Messages you send us** through the contact form, to answer them (legitimate
  interest).
- **Consultation bookings**: the notes you give about your skin, to prepare the
  session (explicit consent).
- **Reviews and comments** you write, shown with your first name.

We do not sell your data and we do not use advertising or tracking cookies. See
[Cookies](/pages/cookies).

## How long we keep it

[[retention]]

## Who we share it with

Only those who help us run the shop: our payment provider (card payments), our email
provider (to send you email) and the carrier (your delivery address). Each may only
use it to do that work for us.

## Your rights

You may ask for a copy of your data, ask us to correct or erase it, object to how we
use it, or withdraw consent. Signed-in customers can download their data and delete
their account from their account settings. Otherwise [contact us](/contact). If you are
unhappy with our answer you may complain to the Information Commissioner's Office
(ico.org.uk).
""",
    ),
    "cookies": (
        "The only cookies we set, and why none of them tracks you.",
        """
We use **only cookies that are strictly necessary** for the shop to work, so we do not
ask for consent and there is no cookie banner. We use no analytics, advertising or
social media cookies.

[[cookies]]

When you pay by card you are on our payment provider's page, which sets cookies of its
own to prevent fraud; its own cookie notice explains them.

You can delete cookies in your browser's settings at any time. Without the session
cookie, the basket and signing in do not work.
""",
    ),
}


def template_for(slug: str) -> tuple[str, str, str]:
    """(title, summary, body) a page starts from."""
    kind = kind_of(slug)
    summary, body = TEMPLATES[slug]
    return kind.title, summary, f"{TEMPLATE_NOTE}\n{body}"


def seed_demo_pages() -> dict[str, int]:
    """Write the pages that are not written yet (idempotent)."""
    existing = set(db.session.scalars(select(SitePage.slug)))
    made = 0
    for slug in TEMPLATES:
        if slug in existing:
            continue
        title, summary, body = template_for(slug)
        db.session.add(
            SitePage(slug=slug, title=title, summary=summary, body=body, updated_at=utcnow())
        )
        made += 1
    db.session.flush()
    return {"shop pages": made} if made else {}
