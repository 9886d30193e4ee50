"""The consultations' staff area at /admin/consultations."""
