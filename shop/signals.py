"""The shop's signals (blinker): what happened, for whoever wants to know.

Features send them and others subscribe, so a new feature reacts to an order being
paid or stock coming back without being called from inside checkout or the back
office. Every signal is sent after the commit that made the change, so a subscriber
never sees a change that may still be rolled back.
"""

from blinker import Namespace

_signals = Namespace()

# Sent by shop.mail when an email linked to an order was delivered, given up, or will
# be tried again; carries the email, its order_id, a timeline `kind` and `message`.
# Sent inside the delivery's transaction: a subscriber adds rows, the mailer commits.
email_outcome = _signals.signal("email-outcome")
