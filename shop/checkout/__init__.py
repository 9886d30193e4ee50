"""Checkout: from basket to paid order, through Stripe Checkout or the demo provider."""
