"""The journal's staff screens at /admin/journal: the article list, the article
editor (with preview, publishing and scheduling) and authors.

Administrators and editors only, in the back office's design (`admin/base.html`).
"""
