"""The contact form at /contact and the customer messages staff answer at /admin/messages."""
