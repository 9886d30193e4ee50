"""The back office's orders area at /admin/orders: find orders, see one, ship it, refund it.

Open to administrators and fulfilment staff.
"""
