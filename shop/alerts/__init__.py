"""Back-in-stock alerts: "Email me when it's back" on a sold-out size."""
