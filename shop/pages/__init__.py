"""Site-wide pages: home, theme switch, media files, and the machine endpoints."""
