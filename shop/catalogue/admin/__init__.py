"""The catalogue's staff screens at /admin/catalogue: the product list, the product
editor (details, sizes and stock, formulation, pictures), duplicating and
archiving, and the CSV export and import.

Administrators and editors only, in the back office's design (`admin/base.html`).
"""
