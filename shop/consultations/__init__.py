"""Consultation booking: Holistic Skin Sessions with a Skin Mentor."""
