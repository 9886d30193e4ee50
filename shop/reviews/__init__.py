"""Verified reviews: asked for by email after an order ships, written through a personal
link, moderated by staff, shown on product pages."""
