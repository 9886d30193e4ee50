"""Customer accounts: passwordless sign-in by an emailed code or link, the account's
pages (details, orders, settings, the customer's data) and the basket kept with it."""
