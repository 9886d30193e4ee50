"""The shop's pages in the back office: /admin/pages."""
