"""The newsletter: double opt-in signup, one-click unsubscribe, preferences and campaigns.

The public pages under /newsletter are `views.bp`; the staff screens under
/admin/newsletter are `admin.views.bp`.
"""
