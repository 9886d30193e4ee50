"""The newsletter's staff screens under /admin/newsletter: campaigns (write, preview,
test, send, follow) and subscribers (search, export, erase)."""
