"""The catalogue: shop listings and product pages."""
