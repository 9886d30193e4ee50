"""How bookings are paid for through the shop's one payment gateway: the webhook hands
a booking's sessions (metadata `purpose=booking`) to these handlers."""

from __future__ import annotations

from shop.consultations import services
from shop.payments import purposes


def _paid(session_id: str) -> str:
    booking = services.record_booking_payment(session_id)
    return f"booking {booking.id} {booking.status}" if booking else "no booking"


def _ended(session_id: str) -> str:
    return services.end_payment_session(session_id)


def subscribe() -> None:
    """Called by the factory: booking payments are the `booking` purpose's."""
    purposes.register(services.PURPOSE, paid=_paid, ended=_ended)
