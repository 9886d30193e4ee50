"""The staff back office at /admin: sign-in, dashboard, staff accounts, audit log."""
