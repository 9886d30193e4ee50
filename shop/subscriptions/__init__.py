"""Subscribe & save: deliveries of the same items every one, two or three months."""
