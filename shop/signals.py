"""The shop's signals: what happened, announced once it is committed, so a feature can
act on it by subscribing instead of being called from the code that made it happen.

Every signal is sent after the database commit that made the change, never before (a
subscriber never acts on something that is then rolled back), inside the sender's
application context, with the Flask app as the sender. Values are ids and plain data,
not model instances: the commit has expired those. The commit stands whatever a
subscriber does, so subscribers keep quick and do not raise; anything slow or fallible
(mail, outside services) goes on the task queue.

    from shop.signals import catalogue_changed

    @catalogue_changed.connect
    def forget_search_suggestions(app, tables):
        ...
"""

from blinker import Namespace

shop_signals = Namespace()

order_paid = shop_signals.signal(
    "order_paid",
    doc="""Sent by checkout fulfilment after the commit that turned a pending order into a
    paid one (from the webhook or the success page, whichever came first: once per
    order). Carries `order_id`.""",
)

order_shipped = shop_signals.signal(
    "order_shipped",
    doc="""Sent by the back office's order handling after the commit that marked an order
    shipped. Carries `order_id`.""",
)

order_refunded = shop_signals.signal(
    "order_refunded",
    doc="""Sent by the back office's refunds after the commit that recorded a refund the
    payment provider accepted. Carries `order_id`, `refund_id` and `amount_pence`.""",
)

stock_available = shop_signals.signal(
    "stock_available",
    doc="""Sent after the commit that made units of sold-out sizes sellable again (stock
    received, a checkout released, a refund returned units). Carries `variant_ids`, a
    frozenset of the sizes that went from none available to some.""",
)

catalogue_changed = shop_signals.signal(
    "catalogue_changed",
    doc="""Sent by shop.models after any commit that changed rows shown on cached pages:
    rows of models and tables that declare `shown_on_pages` (the catalogue and the
    journal), whoever committed them (staff edits, stock moving at checkout, the demo
    seed, a command). Carries `tables`, a frozenset of the names of the tables whose
    rows changed. The page cache subscribes to it (shop.pagecache).""",
)

# The one signal sent inside a transaction rather than after it: a hook of the mailer's.
email_outcome = shop_signals.signal(
    "email_outcome",
    doc="""Sent by shop.mail while it records what became of an email linked to an order
    (delivered, given up, to be tried again), inside that delivery's transaction, so an
    entry a subscriber adds (the order's timeline, shop.orders) commits with the email's
    new status. The sender is the email row; carries `order_id`, `kind` and `message`.""",
)
