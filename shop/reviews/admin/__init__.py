"""The review moderation queue at /admin/reviews: approve, reject with a reason, reply."""
