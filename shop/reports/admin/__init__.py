"""The reports' staff pages (/admin/reports): read only, for administrators and analysts."""
