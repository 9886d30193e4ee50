"""Promotions: promo codes (percentage or amount off, free delivery), their use limits,
and the newsletter's personal welcome codes."""
