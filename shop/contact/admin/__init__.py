"""Customer messages in the back office: /admin/messages."""
