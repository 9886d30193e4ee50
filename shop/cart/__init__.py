"""The basket: add, change and remove items; see totals and delivery."""
