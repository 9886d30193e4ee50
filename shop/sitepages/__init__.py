"""The shop's own pages at /pages/<slug> (about us, delivery, returns, privacy, terms,
cookies, FAQ), written by staff in Markdown, and the company details every page shows."""
