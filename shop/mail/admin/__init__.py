"""The back office's mail area at /admin/mail: emails still waiting to go, and those
given up, with the button that sends a failed one again. Administrators only."""
