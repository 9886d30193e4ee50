"""Orders as customers see them, through a private link."""
