"""The moderation queue at /admin/comments: approve, hide, delete, block."""
