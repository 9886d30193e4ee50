"""Outgoing email: the shop's one mailer.

Every email the shop sends is rendered from a pair of templates,
``templates/<name>.txt`` and ``templates/<name>.html``, and goes out as a
multipart message with a plain-text and an HTML alternative::

    send_email(order.email, "Your order", "email/order_confirmation", order=order)

``send_email`` stores the rendered message in the outbox (the ``outgoing_email``
table) in the caller's transaction, and the task queue delivers it after the
commit, trying again for hours if the mail server is away: no request waits for
a mail server, and no email is lost to one being down. See ``services``.
Files go with a message as ``attachments=[Attachment(filename, content_type,
data)]`` (a calendar invitation, say), stored with it in the outbox.

With ``MAIL_SERVER`` set messages are handed to that SMTP server
(``transport``, the only code that talks SMTP). Without it (the development
default) nothing leaves the machine: each message is logged and written as an
``.eml`` file into ``MAIL_OUTBOX_DIR`` (``instance/outbox/``), through the same
queue.

Staff see the messages still waiting and those given up at ``/admin/mail``
(``shop.mail.admin``), and can send a failed one again.
"""

from shop.mail.messages import Attachment, BuiltMessage, build_message
from shop.mail.services import register_delivery_check, send_email, send_now
from shop.mail.transport import write_to_outbox

__all__ = [
    "Attachment",
    "BuiltMessage",
    "build_message",
    "register_delivery_check",
    "send_email",
    "send_now",
    "write_to_outbox",
]
