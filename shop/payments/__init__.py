"""Payments: the payment providers (Stripe Checkout or the built-in demo provider), the
records of what they told us (webhook events, demo sessions), Stripe's webhook and the
demo payment page."""
